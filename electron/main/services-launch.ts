import { join } from 'node:path';
import type { HostedSecrets, ParentToHost } from '../services/host-protocol';
import { ServicesProcess } from '../services/services-process';
import type { EngineProcessHandle } from '../engine/launcher';
import type { SecretStore } from '../remote/secrets';

/** The parts of the Electron shell the services host needs, so tests can pass their own. */
export interface ServicesLaunchDeps {
  /** out/main, where the built host and workers are. */
  outMain: string;
  /**
   * Starts a built script as a utilityProcess (main/utility-launcher.ts): the workers with the
   * engine's environment, the services host with the process's own.
   */
  fork(path: string, serviceName: string, environment: 'worker' | 'services'): EngineProcessHandle<object>;
  /** The keychain-backed keys (SafeStorageSecrets). */
  secrets: SecretStore & { forHost(): HostedSecrets };
  dataDir: string;
  version: string;
  modelPath: string | null;
  log?: (message: string) => void;
}

/** The built files, by what they run. */
export const HOST_FILE = 'services-host.js';
export const WORKER_FILES = { engine: 'engine-worker.js', trace: 'trace-worker.js' } as const;
const SERVICE_NAMES = { engine: 'Glassbox engine', trace: 'Glassbox trace' } as const;

/**
 * Starts the services host and wires it to the shell: the workers it asks for are started here
 * (only the main process may start a utilityProcess), and its API keys live in the keychain.
 */
export function launchServices(deps: ServicesLaunchDeps): ServicesProcess {
  const host: EngineProcessHandle<ParentToHost> = deps.fork(join(deps.outMain, HOST_FILE), 'Glassbox services', 'services');
  return new ServicesProcess({
    host,
    launchWorker: (kind) => deps.fork(join(deps.outMain, WORKER_FILES[kind]), SERVICE_NAMES[kind], 'worker'),
    options: { dataDir: deps.dataDir, mode: 'electron', version: deps.version, modelPath: deps.modelPath },
    secrets: {
      hosted: deps.secrets.forHost(),
      set: (id, secret) => deps.secrets.set(id, secret),
      delete: (id) => deps.secrets.delete(id),
    },
    ...(deps.log !== undefined ? { log: deps.log } : {}),
  });
}
