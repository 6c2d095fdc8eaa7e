import type { Migration } from './migration';

/**
 * Schema 6: an imported conversation remembers the id it had where it was exported (`origin_id`),
 * and exports carry it on, so importing the same file twice, or an export back into the database
 * it came from, finds the conversation already there instead of adding a copy.
 */
export const migration006: Migration = {
  version: 6,
  name: 'import-origin',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN origin_id TEXT;
      CREATE INDEX conversations_origin ON conversations (origin_id) WHERE origin_id IS NOT NULL;
    `);
  },
};
