import type Database from 'better-sqlite3';

/**
 * One schema version. `up` runs inside a transaction that also sets `PRAGMA user_version` to
 * `version`, so a migration either applies completely or not at all.
 *
 * foreign_keys is already ON and cannot be switched inside a transaction: a migration that
 * rebuilds a referenced table should set `PRAGMA defer_foreign_keys = ON` first.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}
