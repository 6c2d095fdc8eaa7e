import type Database from 'better-sqlite3';
import { GlassboxError } from '../contract/errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';

function userVersion(db: Database.Database): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new GlassboxError('internal', 'PRAGMA user_version returned no number');
  return version;
}

/**
 * Brings the schema to LATEST_SCHEMA_VERSION, one transaction per migration. Each transaction is
 * IMMEDIATE and re-reads user_version inside it, so two processes opening the same file at once
 * cannot both apply a migration. Returns the version before migrating.
 */
export function runMigrations(db: Database.Database): number {
  const before = userVersion(db);
  if (before > LATEST_SCHEMA_VERSION) {
    throw new GlassboxError('database-newer', `Database schema ${before} is newer than ${LATEST_SCHEMA_VERSION}`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= before) continue;
    const apply = db.transaction(() => {
      if (userVersion(db) >= migration.version) return;
      migration.up(db);
      // PRAGMA user_version lives in the header page, which is journalled like any page: it
      // commits or rolls back together with the migration.
      db.pragma(`user_version = ${migration.version}`);
    });
    apply.immediate();
  }
  return before;
}
