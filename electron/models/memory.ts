import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import type { MachineMemory } from '../contract/model-library';

/** What the engine last reported about its GPU (from a loaded model's facts). */
export interface GpuReport {
  backend: string;
  devices: string[];
  totalVram: number;
  /** VRAM free with the reporting model loaded. */
  freeVram: number;
  /** VRAM the reporting model itself takes (freed when it is unloaded). */
  modelVram: number;
}

/**
 * RAM from the OS (os.freemem is MemAvailable on Linux) capped by a cgroup v2 limit when the app runs
 * in a container; `releasable` is what unloading the current model would give back. VRAM is only
 * known once the engine has started a GPU backend: CPU-only machines (and GPU machines before their
 * first load) have `gpu: null` and are estimated as CPU-only.
 */
export function machineMemory(releasableRam: number, gpu: GpuReport | null): MachineMemory {
  let total = totalmem();
  let available = freemem();
  const cgroup = cgroupLimit();
  if (cgroup !== null) {
    total = Math.min(total, cgroup.limit);
    available = Math.min(available, Math.max(0, cgroup.limit - cgroup.used));
  }
  return {
    totalRam: total,
    availableRam: Math.min(total, available + Math.max(0, releasableRam)),
    gpu:
      gpu === null
        ? null
        : {
            backend: gpu.backend,
            devices: gpu.devices,
            totalVram: gpu.totalVram,
            freeVram: Math.min(gpu.totalVram, gpu.freeVram + gpu.modelVram),
          },
  };
}

function cgroupLimit(): { limit: number; used: number } | null {
  if (process.platform !== 'linux') return null;
  try {
    const max = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (max === 'max') return null;
    const limit = Number(max);
    const current = Number(readFileSync('/sys/fs/cgroup/memory.current', 'utf8').trim());
    // memory.current counts the page cache; its inactive part is reclaimed before anything is refused.
    const stat = readFileSync('/sys/fs/cgroup/memory.stat', 'utf8');
    const inactiveFile = Number(/^inactive_file (\d+)$/m.exec(stat)?.[1] ?? 0);
    const used = Math.max(0, current - inactiveFile);
    return Number.isFinite(limit) && Number.isFinite(used) ? { limit, used } : null;
  } catch {
    return null;
  }
}
