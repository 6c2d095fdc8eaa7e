import type { Migration } from './migration';

/**
 * Schema 4: a conversation remembers which engine answers it. `engine` is NULL for the local
 * engine (every conversation before this version) or the id of a remote endpoint
 * (electron/remote/endpoints.ts; endpoints themselves are a setting, their keys in the OS keychain).
 * An endpoint that is later removed leaves the id behind: sending then says so and asks for another.
 */
export const migration004: Migration = {
  version: 4,
  name: 'engines',
  up(db) {
    db.exec('ALTER TABLE conversations ADD COLUMN engine TEXT;');
  },
};
