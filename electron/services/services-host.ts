import { toWireError } from '../contract/errors';
import type { HostToEngine } from '../contract/engine-protocol';
import { EngineHost } from '../engine/host';
import type { ParentTransport } from '../engine/transport';
import type { HostToTracer } from '../trace/protocol';
import { isParentToHost, type HostOptions, type HostToParent, type MaintenanceTask } from './host-protocol';
import { RelayLaunchers } from './relay-launcher';
import { RelaySecrets } from './relay-secrets';
import { createServices, type Services } from './services';

/**
 * The services host: the process that runs everything createServices builds (the SQLite store and
 * its maintenance, documents, the local API server, the engine's client) so the Electron main
 * process's thread only routes messages. It answers the contract's calls (WireRequest) exactly as
 * web mode's WebSocket does, pushes every event, and asks the main process to start the engine and
 * trace workers and to keep API keys in the OS keychain.
 */
export function runServicesHost(parent: ParentTransport): void {
  const send = (message: HostToParent): void => parent.send(message);
  const launchers = new RelayLaunchers(send);
  let services: Services | null = null;
  let disposing: Promise<void> | null = null;

  const start = (options: HostOptions): void => {
    try {
      services = createServices({
        dataDir: options.dataDir,
        mode: options.mode,
        version: options.version,
        engine: new EngineHost(launchers.launcher<HostToEngine>('engine')),
        traceLauncher: launchers.launcher<HostToTracer>('trace'),
        secrets: new RelaySecrets(options.secrets, send),
      });
    } catch (error) {
      send({ type: 'start-failed', error: toWireError(error) });
      return;
    }
    services.hub.subscribe((event) => send(event));
    send({ type: 'ready' });
    const modelPath = options.modelPath ?? services.models.lastPath();
    if (modelPath !== null) {
      services.models.load(modelPath).catch((error: unknown) => console.error(`Could not load ${modelPath}: ${toWireError(error).message}`));
    }
  };

  const maintain = (current: Services, task: MaintenanceTask): string[] => {
    if (task === 'backup') {
      current.store.backup();
      return [];
    }
    return current.store.integrityCheck();
  };

  parent.onMessage((message) => {
    if (!isParentToHost(message)) return;
    switch (message.type) {
      case 'start':
        if (services === null) start(message.options);
        return;
      case 'call': {
        const current = services;
        if (current === null || disposing !== null) {
          send({ type: 'result', id: message.id, ok: false, error: { kind: 'busy', message: 'Glassbox is starting or closing; try again.' } });
          return;
        }
        void current.router.dispatch(message.name, message.args).then((result) => send({ type: 'result', id: message.id, ...result }));
        return;
      }
      case 'maintenance': {
        if (services === null) return;
        try {
          send({ type: 'maintenance-done', id: message.id, error: null, problems: maintain(services, message.task) });
        } catch (error) {
          send({ type: 'maintenance-done', id: message.id, error: toWireError(error), problems: [] });
        }
        return;
      }
      case 'export-all': {
        if (services === null) return;
        try {
          send({ type: 'export-done', id: message.id, error: null, ...services.store.exportAllTo(message.path) });
        } catch (error) {
          send({ type: 'export-done', id: message.id, error: toWireError(error), conversations: 0, bytes: 0 });
        }
        return;
      }
      case 'worker-message':
        launchers.deliver(message.worker, message.message);
        return;
      case 'worker-exit':
        launchers.exited(message.worker, message.code, message.signal);
        return;
      case 'dispose':
        disposing ??= (services?.dispose() ?? Promise.resolve()).finally(() => send({ type: 'disposed' }));
        return;
    }
  });
}
