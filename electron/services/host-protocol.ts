import type { WireError } from '../contract/glassbox-error';
import type { WireFromServer, WireRequest } from '../contract/wire';
import type { AppInfo } from './app-info';

/**
 * The messages between the Electron main process and the services host process (services-host.ts),
 * which runs the store, documents, the API server and the engine's client off the main thread.
 * The main process keeps what only it can do: start worker processes (utilityProcess), the OS
 * keychain (safeStorage) and the window; the host asks it for those through these messages.
 */

/** The worker processes the services start; the main process launches them on the host's behalf. */
export type WorkerKind = 'engine' | 'trace';

/** Tasks the host runs when told (the same ones maintenance runs on its timers). */
export type MaintenanceTask = 'backup' | 'integrity-check';

export interface HostedSecrets {
  kind: 'encrypted' | 'memory';
  /** Whether a new key can be kept safely; when not, `refusal` says why. */
  canStore: boolean;
  refusal: string;
  /** The keys kept so far, decrypted by the main process. */
  entries: Record<string, string>;
}

export interface HostOptions {
  dataDir: string;
  mode: AppInfo['mode'];
  version: string;
  /** A model to load at start (the command line's, else the last one used). */
  modelPath: string | null;
  secrets: HostedSecrets;
}

export type ParentToHost =
  | { type: 'start'; options: HostOptions }
  | WireRequest
  | { type: 'maintenance'; id: number; task: MaintenanceTask }
  /** Export all, straight into the file the user chose in the main process's save dialog. */
  | { type: 'export-all'; id: number; path: string }
  | { type: 'worker-message'; worker: number; message: unknown }
  | { type: 'worker-exit'; worker: number; code: number | null; signal: string | null }
  | { type: 'dispose' };

export type HostToParent =
  | WireFromServer
  | { type: 'ready' }
  | { type: 'start-failed'; error: WireError }
  | { type: 'maintenance-done'; id: number; error: WireError | null; problems: string[] }
  | { type: 'export-done'; id: number; error: WireError | null; conversations: number; bytes: number }
  | { type: 'worker-launch'; worker: number; kind: WorkerKind }
  | { type: 'worker-send'; worker: number; message: unknown }
  | { type: 'worker-kill'; worker: number }
  | { type: 'secret-set'; id: string; secret: string }
  | { type: 'secret-delete'; id: string }
  | { type: 'disposed' };

const PARENT_TYPES: ReadonlySet<string> = new Set(['start', 'call', 'maintenance', 'export-all', 'worker-message', 'worker-exit', 'dispose']);
const HOST_TYPES: ReadonlySet<string> = new Set([
  'result', 'event', 'ready', 'start-failed', 'maintenance-done', 'export-done', 'worker-launch', 'worker-send', 'worker-kill', 'secret-set', 'secret-delete', 'disposed',
]);

function typeOf(message: unknown): string | null {
  if (typeof message !== 'object' || message === null) return null;
  const type = (message as { type?: unknown }).type;
  return typeof type === 'string' ? type : null;
}

/** Both ends are our own code, so a message is checked for its kind only; anything else is dropped. */
export function isParentToHost(message: unknown): message is ParentToHost {
  const type = typeOf(message);
  return type !== null && PARENT_TYPES.has(type);
}

export function isHostToParent(message: unknown): message is HostToParent {
  const type = typeOf(message);
  return type !== null && HOST_TYPES.has(type);
}
