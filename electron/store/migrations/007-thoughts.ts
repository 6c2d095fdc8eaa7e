import type { Migration } from './migration';

/**
 * Schema 7: a reasoning model's thought, kept apart from the answer (electron/engine/segments.ts).
 * `content` stays the answer alone, so search, titles, copies and the next prompt never take the
 * thinking for the answer; `thought` is NULL for a message without one. The tokens of both are in
 * `tokens`, each labelled with its segment.
 */
export const migration007: Migration = {
  version: 7,
  name: 'thoughts',
  up(db) {
    db.exec('ALTER TABLE messages ADD COLUMN thought TEXT;');
  },
};
