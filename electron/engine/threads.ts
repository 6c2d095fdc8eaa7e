import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * How many threads the engine decodes with. The library's default (max(4, cores)) oversubscribed a
 * 2-core cgroup quota and ran ~1000x slower (shared/MEASURED.md), so we count the cores this
 * process may really use: the CPUs it sees, capped by a cgroup v2 or v1 CPU quota.
 */

/** Reads a file's text, or null when it is missing/unreadable. Injected so tests need no cgroup. */
export type FileReader = (path: string) => string | null;

export const readFileOrNull: FileReader = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** cgroup v2 `cpu.max` is "QUOTA PERIOD" or "max PERIOD"; returns whole CPUs (rounded up) or null. */
export function parseCgroupV2CpuMax(text: string | null): number | null {
  if (text === null) return null;
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return null;
  return quotaToCpus(Number(quota), Number(period ?? '100000'));
}

/** cgroup v1 has the quota (-1 = unlimited) and period in two files. */
export function parseCgroupV1Quota(quotaText: string | null, periodText: string | null): number | null {
  if (quotaText === null || periodText === null) return null;
  return quotaToCpus(Number(quotaText.trim()), Number(periodText.trim()));
}

function quotaToCpus(quota: number, period: number): number | null {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return null;
  return Math.max(1, Math.ceil(quota / period));
}

export interface CoreSources {
  availableParallelism: () => number;
  readFile: FileReader;
}

const DEFAULT_SOURCES: CoreSources = { availableParallelism, readFile: readFileOrNull };

/** The cores this process may use: min(visible CPUs, cgroup v2 quota, cgroup v1 quota). */
export function usableCores(sources: CoreSources = DEFAULT_SOURCES): number {
  const limits = [
    sources.availableParallelism(),
    parseCgroupV2CpuMax(sources.readFile('/sys/fs/cgroup/cpu.max')),
    parseCgroupV1Quota(
      sources.readFile('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ?? sources.readFile('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us'),
      sources.readFile('/sys/fs/cgroup/cpu/cpu.cfs_period_us') ?? sources.readFile('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us'),
    ),
  ].filter((n): n is number => n !== null && Number.isFinite(n) && n >= 1);
  return Math.max(1, Math.min(...limits));
}

/**
 * Below this many parameters one thread wins: the per-token work is too small to pay for the
 * thread barrier (measured on stories260K, 1.2M parameters incl. embeddings: see test/bench/engine-bench.ts).
 */
export const SINGLE_THREAD_MAX_PARAMETERS = 50_000_000;

export interface ThreadChoice {
  /** LoadOptions.threads; null when the user left it to us. */
  requested: number | null;
  /** GLASSBOX_THREADS, as read from the environment. */
  env: string | undefined;
  cores: number;
  /** Model parameter count when known. */
  parameters: number | null;
}

/** Explicit choice wins (options, then env); otherwise all usable cores, but 1 for tiny models. */
export function chooseThreads(choice: ThreadChoice): number {
  if (choice.requested !== null) return choice.requested;
  const fromEnv = choice.env === undefined ? NaN : Number.parseInt(choice.env, 10);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  if (choice.parameters !== null && choice.parameters < SINGLE_THREAD_MAX_PARAMETERS) return 1;
  return Math.max(1, choice.cores);
}
