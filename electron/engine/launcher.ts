import type { HostToEngine } from '../contract/engine-protocol';

/**
 * How the host starts an engine process. Under Electron the main process provides a launcher over
 * utilityProcess (electron/main/utility-launcher.ts); under Node (tests, CLI, web mode) it is
 * node-launcher.ts over child_process.fork. The host never knows which.
 */
export interface EngineLauncher<Message extends object = HostToEngine> {
  launch(): EngineProcessHandle<Message>;
}

/** Message: what the host sends (the engine's protocol; the trace process has its own, electron/trace/protocol.ts). */
export interface EngineProcessHandle<Message extends object = HostToEngine> {
  /** The OS process id, once known (null until the process has started). */
  readonly pid: number | null;
  send(message: Message): void;
  /** Every message from the engine, unvalidated: the host validates with engineToHostSchema. */
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process ends, for any reason (including kill()). */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/**
 * The environment an engine process should start with, whatever launches it. libuv's default
 * pool of 4 threads hops decode jobs between CPUs and cost ~20% of decode speed on 2 cores
 * (shared/MEASURED.md); the engine does little file or crypto work, so one pool thread is enough.
 */
export function engineEnvironment(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...base, UV_THREADPOOL_SIZE: '1', ...extra };
}
