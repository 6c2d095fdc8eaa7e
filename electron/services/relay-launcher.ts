import type { EngineLauncher, EngineProcessHandle } from '../engine/launcher';
import type { HostToParent, WorkerKind } from './host-protocol';

type Listeners = { message: Set<(message: unknown) => void>; exit: Set<(code: number | null, signal: string | null) => void> };

/**
 * Worker processes (the engine, the trace) started by the main process for the services host:
 * under Electron only the main process may start a utilityProcess. Each launch gets a number; the
 * worker's messages and its exit come back tagged with it.
 */
export class RelayLaunchers {
  private next = 1;
  private readonly workers = new Map<number, Listeners>();

  constructor(private readonly send: (message: HostToParent) => void) {}

  launcher<Message extends object>(kind: WorkerKind): EngineLauncher<Message> {
    return { launch: () => this.launch<Message>(kind) };
  }

  /** A message from the main process about a worker. */
  deliver(worker: number, message: unknown): void {
    for (const listener of this.workers.get(worker)?.message ?? []) listener(message);
  }

  exited(worker: number, code: number | null, signal: string | null): void {
    const listeners = this.workers.get(worker);
    this.workers.delete(worker);
    for (const listener of listeners?.exit ?? []) listener(code, signal);
  }

  private launch<Message extends object>(kind: WorkerKind): EngineProcessHandle<Message> {
    const worker = this.next++;
    const listeners: Listeners = { message: new Set(), exit: new Set() };
    this.workers.set(worker, listeners);
    this.send({ type: 'worker-launch', worker, kind });
    return {
      // The host never needs the OS pid of a relayed worker (it cannot signal it anyway).
      pid: null,
      send: (message) => this.send({ type: 'worker-send', worker, message }),
      onMessage: (listener) => listeners.message.add(listener),
      onExit: (listener) => listeners.exit.add(listener),
      kill: () => this.send({ type: 'worker-kill', worker }),
    };
  }
}
