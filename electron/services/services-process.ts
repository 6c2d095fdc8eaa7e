import type { WireError } from '../contract/glassbox-error';
import type { WireEvent, WireResult } from '../contract/wire';
import type { EngineProcessHandle } from '../engine/launcher';
import { isHostToParent, type HostOptions, type HostToParent, type MaintenanceTask, type ParentToHost, type WorkerKind } from './host-protocol';

/** What the main process keeps for the host: the keychain. */
export interface KeptSecrets {
  hosted: HostOptions['secrets'];
  set(id: string, secret: string): void;
  delete(id: string): void;
}

export interface ServicesProcessOptions {
  /** The services host process, started (utilityProcess in Electron, child_process.fork under Node). */
  host: EngineProcessHandle<ParentToHost>;
  /** Starts a worker the services asked for (only the main process may, in Electron). */
  launchWorker(kind: WorkerKind): EngineProcessHandle<object>;
  options: Omit<HostOptions, 'secrets'>;
  secrets: KeptSecrets;
  log?: (message: string) => void;
}

const STOPPED: WireError = { kind: 'internal', message: 'The Glassbox services stopped. Restart Glassbox to go on.' };

/**
 * The main process's side of the services host: a Router-like `dispatch` and an EventHub-like
 * `subscribe`, so the IPC router and event forwarding work as they did with in-process services,
 * while the work happens in the host. This side only passes messages on: nothing here touches the
 * store, and no message is parsed beyond its kind.
 */
export class ServicesProcess {
  /** Resolves once the services are up; rejects if they could not start. */
  readonly ready: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, (result: WireResult) => void>();
  private readonly maintenanceWaiters = new Map<number, { resolve: (problems: string[]) => void; reject: (error: WireError) => void }>();
  private readonly exportWaiters = new Map<number, { resolve: (done: { conversations: number; bytes: number }) => void; reject: (error: WireError) => void }>();
  private readonly listeners = new Set<(event: WireEvent) => void>();
  private readonly workers = new Map<number, EngineProcessHandle<object>>();
  private exited = false;
  private disposed: (() => void) | null = null;

  constructor(private readonly config: ServicesProcessOptions) {
    const log = config.log ?? ((message: string) => console.error(message));
    let settle: { resolve: () => void; reject: (error: WireError) => void } = { resolve: () => {}, reject: () => {} };
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // A failed start is also reported to whoever waits for a call, so the rejection is always handled.
    this.ready.catch(() => undefined);
    config.host.onMessage((message) => {
      if (!isHostToParent(message)) return;
      this.receive(message, settle, log);
    });
    config.host.onExit((code, signal) => {
      this.exited = true;
      settle.reject(STOPPED);
      for (const [id, resolve] of this.pending) {
        this.pending.delete(id);
        resolve({ ok: false, error: STOPPED });
      }
      for (const waiter of [...this.maintenanceWaiters.values(), ...this.exportWaiters.values()]) waiter.reject(STOPPED);
      this.maintenanceWaiters.clear();
      this.exportWaiters.clear();
      for (const worker of this.workers.values()) worker.kill();
      this.workers.clear();
      this.disposed?.();
      if (this.disposed === null) log(`The services process ended (code ${code ?? 'none'}, signal ${signal ?? 'none'}).`);
    });
    config.host.send({ type: 'start', options: { ...config.options, secrets: config.secrets.hosted } });
  }

  /** Answers one contract call in the host; never throws (errors come back as results). */
  async dispatch(name: unknown, args: unknown): Promise<WireResult> {
    try {
      await this.ready;
    } catch (error) {
      return { ok: false, error: error as WireError };
    }
    if (this.exited) return { ok: false, error: STOPPED };
    const id = this.nextId++;
    return new Promise<WireResult>((resolve) => {
      this.pending.set(id, resolve);
      this.config.host.send({ type: 'call', id, name: typeof name === 'string' ? name : String(name), args });
    });
  }

  subscribe(listener: (event: WireEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a maintenance task (a backup, the integrity check) in the host now; resolves with the problems found. */
  async maintenance(task: MaintenanceTask): Promise<string[]> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<string[]>((resolve, reject) => {
      this.maintenanceWaiters.set(id, { resolve, reject });
      this.config.host.send({ type: 'maintenance', id, task });
    });
  }

  /** Writes every conversation into a zip at `path` in the host (streamed there; nothing comes back but the counts). */
  async exportAllTo(path: string): Promise<{ conversations: number; bytes: number }> {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.exportWaiters.set(id, { resolve, reject });
      this.config.host.send({ type: 'export-all', id, path });
    });
  }

  /** Lets the services finish (a running answer saved as stopped), then ends the host. */
  async dispose(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.disposed = resolve;
      this.config.host.send({ type: 'dispose' });
    });
  }

  private receive(message: HostToParent, settle: { resolve: () => void; reject: (error: WireError) => void }, log: (message: string) => void): void {
    switch (message.type) {
      case 'result': {
        const resolve = this.pending.get(message.id);
        this.pending.delete(message.id);
        const { type: _type, id: _id, ...result } = message;
        resolve?.(result);
        return;
      }
      case 'event':
        for (const listener of this.listeners) {
          try {
            listener(message);
          } catch (error) {
            log(`An event listener failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        return;
      case 'ready':
        settle.resolve();
        return;
      case 'start-failed':
        settle.reject(message.error);
        return;
      case 'maintenance-done': {
        const waiter = this.maintenanceWaiters.get(message.id);
        this.maintenanceWaiters.delete(message.id);
        if (message.error === null) waiter?.resolve(message.problems);
        else waiter?.reject(message.error);
        return;
      }
      case 'export-done': {
        const waiter = this.exportWaiters.get(message.id);
        this.exportWaiters.delete(message.id);
        if (message.error === null) waiter?.resolve({ conversations: message.conversations, bytes: message.bytes });
        else waiter?.reject(message.error);
        return;
      }
      case 'worker-launch': {
        const worker = this.config.launchWorker(message.kind);
        this.workers.set(message.worker, worker);
        worker.onMessage((payload) => this.config.host.send({ type: 'worker-message', worker: message.worker, message: payload }));
        worker.onExit((code, signal) => {
          this.workers.delete(message.worker);
          if (!this.exited) this.config.host.send({ type: 'worker-exit', worker: message.worker, code, signal });
        });
        return;
      }
      case 'worker-send':
        this.workers.get(message.worker)?.send(message.message as object);
        return;
      case 'worker-kill':
        this.workers.get(message.worker)?.kill();
        return;
      case 'secret-set':
        this.keep(() => this.config.secrets.set(message.id, message.secret), log);
        return;
      case 'secret-delete':
        this.keep(() => this.config.secrets.delete(message.id), log);
        return;
      case 'disposed':
        this.config.host.kill();
        return;
    }
  }

  private keep(change: () => void, log: (message: string) => void): void {
    try {
      change();
    } catch (error) {
      log(`An API key could not be saved in the keychain: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
