import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { GlassboxError } from '../contract/errors';
import { runMigrations } from './migrate';
import { LATEST_SCHEMA_VERSION } from './migrations';
import { registerSearchFunction } from './search-terms';

export const MEMORY_PATH = ':memory:';

/** How long a write waits for another connection (the CLI, a second window) before failing. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the database at `path`, migrated to the latest schema.
 *
 * An existing file is first inspected through a read-only connection: a newer schema version or a
 * damaged file is refused before anything can write to it (even `journal_mode = WAL` rewrites the
 * header, and closing a writable WAL connection checkpoints into the main file).
 *
 * Throws GlassboxError 'database-newer' or 'database-corrupt'; the file is left as it was.
 */
/**
 * better-sqlite3's compiled addon, when it must not be the one in node_modules: `npm start` runs
 * Electron, whose Node ABI differs from the Node that runs `npm test`, so it builds a second copy
 * for Electron beside node_modules and names it here. Packaged apps are rebuilt for Electron by
 * electron-builder and need nothing.
 */
export const SQLITE_BINDING_ENV = 'GLASSBOX_SQLITE_BINDING';

function connectionOptions(extra: Database.Options): Database.Options {
  const binding = process.env[SQLITE_BINDING_ENV];
  return binding ? { ...extra, nativeBinding: binding } : extra;
}

export function openDatabase(path: string): Database.Database {
  const isFile = path !== MEMORY_PATH && path !== '';
  if (isFile) {
    mkdirSync(dirname(path), { recursive: true });
    // An empty file is a valid empty database to SQLite; nothing to inspect.
    if (existsSync(path) && statSync(path).size > 0) inspectExisting(path);
  }

  let db: Database.Database | undefined;
  try {
    db = new Database(path, connectionOptions({ timeout: BUSY_TIMEOUT_MS }));
    // Checked again on the writable connection, before its first write: another process may have
    // upgraded the file since the inspection, and a hot rollback journal can hide the real version.
    refuseNewer(db, path);
    configure(db);
    runMigrations(db);
    return db;
  } catch (error) {
    db?.close();
    throw toStoreError(error, path);
  }
}

function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // Durability: with WAL, synchronous = NORMAL makes a commit durable against a crash of this
  // process (the commit is in the WAL file in the OS before the call returns; SQLite replays it at
  // next open) and never corrupts the database on power loss, but a power cut or OS crash can lose
  // the last commits. FULL would also fsync the WAL on every commit. We chose NORMAL: the
  // requirement is to survive our process crashing, and saveProgress commits several times a second
  // while streaming; fsyncing each of those would stall the main process on slow laptop disks.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // The search triggers call it: without it any write to messages or titles would fail.
  registerSearchFunction(db);
}

/** Reads version and integrity through a read-only connection, which never writes the file. */
function inspectExisting(path: string): void {
  let readonly: Database.Database | undefined;
  try {
    readonly = new Database(path, connectionOptions({ readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS }));
    refuseNewer(readonly, path);
    // quick_check reads every page (O(size)) but skips the index-vs-table cross-check that makes
    // integrity_check slow. It catches truncated and overwritten files before we write to them.
    const problems = readonly.pragma('quick_check') as Array<{ quick_check: string }>;
    const first = problems[0]?.quick_check;
    if (first !== 'ok') {
      const detail = problems.slice(0, 3).map((row) => row.quick_check).join('; ');
      throw corrupt(path, detail);
    }
  } catch (error) {
    // A read-only connection cannot roll back a hot journal left by a crash in rollback mode; the
    // writable connection will recover it and still check the version before writing.
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_READONLY')) return;
    throw toStoreError(error, path);
  } finally {
    readonly?.close();
  }
}

function refuseNewer(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new GlassboxError('internal', 'PRAGMA user_version returned no number');
  if (version > LATEST_SCHEMA_VERSION) {
    throw new GlassboxError(
      'database-newer',
      `The conversation database at ${path} was written by a newer version of Glassbox ` +
        `(schema ${version}; this version understands up to ${LATEST_SCHEMA_VERSION}). ` +
        'Update Glassbox to open it; the file was not changed.',
    );
  }
}

function corrupt(path: string, detail: string, cause?: unknown): GlassboxError {
  return new GlassboxError(
    'database-corrupt',
    `The conversation database at ${path} is damaged (${detail}). ` +
      'Glassbox did not change it; move it aside or restore a backup to start again.',
    { cause },
  );
}

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE']);

/** Maps SQLite's error codes onto the app's kinds; GlassboxErrors pass through. */
export function toStoreError(error: unknown, path: string): unknown {
  if (error instanceof GlassboxError) return error;
  if (error instanceof Database.SqliteError && CORRUPT_CODES.has(error.code)) {
    return corrupt(path, error.message, error);
  }
  return error;
}
