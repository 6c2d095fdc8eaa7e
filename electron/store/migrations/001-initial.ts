import type { Migration } from './migration';

/**
 * Schema 1: conversations, messages as a tree, settings.
 *
 * - Tables are STRICT so a wrong type is an error at write time, not a surprise at read time.
 * - role and status carry no CHECK constraint on purpose: SQLite cannot alter a CHECK without
 *   rebuilding the table, and a later version may add a status. Values are validated on read.
 * - A message's parent must be in the same conversation: the composite foreign key
 *   (conversation_id, parent_id) → messages(conversation_id, id) says so in the schema.
 * - Deleting a conversation deletes its messages; deleting a message deletes its subtree.
 * - tokens is one compact JSON value per finished message (see codec.ts). While an answer
 *   streams, its tokens are appended in chunks to message_token_chunks instead, so a progress
 *   save writes only the new tokens, not the whole list again; finishing folds them into tokens.
 */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY NOT NULL,
        title TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        current_leaf_id TEXT REFERENCES messages(id) ON DELETE SET NULL
      ) STRICT;

      CREATE INDEX conversations_updated_at ON conversations(updated_at);
      -- Deleting a message looks up conversations pointing at it (ON DELETE SET NULL).
      CREATE INDEX conversations_current_leaf_id ON conversations(current_leaf_id);

      CREATE TABLE messages (
        id TEXT PRIMARY KEY NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id TEXT,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        tokens TEXT,
        stats TEXT,
        model TEXT,
        sampling TEXT,
        error TEXT,
        UNIQUE (conversation_id, id),
        FOREIGN KEY (conversation_id, parent_id) REFERENCES messages(conversation_id, id) ON DELETE CASCADE
      ) STRICT;

      -- Redundant with the UNIQUE (conversation_id, id) index today, but named so queries and
      -- later migrations can rely on it whatever happens to that constraint.
      CREATE INDEX messages_conversation_id ON messages(conversation_id);
      CREATE INDEX messages_parent_id ON messages(parent_id);
      -- Start-up looks for answers a crash left streaming; a partial index stays tiny.
      CREATE INDEX messages_streaming ON messages(id) WHERE status = 'streaming';

      CREATE TABLE message_token_chunks (
        message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (message_id, start)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
