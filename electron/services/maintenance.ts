import type { Store } from '../store/store';

/** Deleted conversations can be undone for this long, then they are purged for good. */
export const PURGE_AFTER_MS = 60_000;
const PURGE_EVERY_MS = 60_000;
/** A backup at start-up (after a short delay), then every few hours while the app runs. */
const FIRST_BACKUP_AFTER_MS = 30_000;
const BACKUP_EVERY_MS = 6 * 60 * 60 * 1000;
const INTEGRITY_CHECK_AFTER_MS = 10_000;

export interface MaintenanceLog {
  warn(message: string): void;
}

/**
 * The store's housekeeping, off the start-up path: a full integrity check soon after start (the
 * quick check already ran when the file was opened), purging undo-expired deletions, and periodic
 * backups. Timers are unref'd so they never keep a process alive.
 */
export function startStoreMaintenance(store: Store, log: MaintenanceLog): () => void {
  const timers: NodeJS.Timeout[] = [];
  const guarded = (what: string, task: () => void) => () => {
    try {
      task();
    } catch (error) {
      log.warn(`Store maintenance (${what}) failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const later = (ms: number, what: string, task: () => void): void => {
    timers.push(setTimeout(guarded(what, task), ms).unref());
  };
  const every = (ms: number, what: string, task: () => void): void => {
    timers.push(setInterval(guarded(what, task), ms).unref());
  };

  later(INTEGRITY_CHECK_AFTER_MS, 'integrity check', () => {
    const problems = store.integrityCheck();
    if (problems.length > 0) log.warn(`The conversation database reports problems: ${problems.slice(0, 5).join('; ')}`);
  });
  guarded('purge', () => store.purgeDeleted(PURGE_AFTER_MS))();
  every(PURGE_EVERY_MS, 'purge', () => store.purgeDeleted(PURGE_AFTER_MS));
  later(FIRST_BACKUP_AFTER_MS, 'backup', () => store.backup());
  every(BACKUP_EVERY_MS, 'backup', () => store.backup());

  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
