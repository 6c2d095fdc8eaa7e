import { FTS_TOKENIZE, registerSearchFunction, SEARCH_FUNCTION } from '../search-terms';
import type { Migration } from './migration';

/**
 * Schema 2: a complete, searchable history.
 *
 * - conversations gain `pinned`, `system_prompt`, `sampling` (JSON: only the settings the user
 *   changed; defaults fill the rest when read, so a better default reaches old chats), `deleted_at`
 *   (soft delete: hidden from list and search until purged) and `visit_seq`, a per-conversation
 *   counter.
 * - messages gain `visit_seq`: the conversation's counter when the message was last on the shown
 *   branch. Going back to a message follows, at each level, the child with the highest visit_seq,
 *   which returns to the branch last shown under it. A counter rather than a time: two switches in
 *   the same millisecond still have an order.
 * - The list reads `conversations_list` (pinned, updated_at) backwards, never messages.
 * - presets: named system prompts.
 * - Search: two contentless FTS5 tables (`message_search`, `conversation_search`) keyed by the rowid
 *   of messages and conversations, holding the terms computed by `glassbox_search_terms` (see
 *   search-terms.ts for what a word is), kept in sync by triggers. Contentless because the text is
 *   already in messages and the terms differ from the text; contentless_delete=1 lets a trigger
 *   delete a row by rowid alone. An answer is indexed once it stops streaming: re-indexing a growing
 *   answer on every progress save would cost more than the save itself.
 * - Existing rows are back-filled: titles and messages indexed, each current branch marked visited.
 */
export const migration002: Migration = {
  version: 2,
  name: 'history',
  up(db) {
    registerSearchFunction(db);
    db.exec(`
      ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversations ADD COLUMN system_prompt TEXT NOT NULL DEFAULT '';
      ALTER TABLE conversations ADD COLUMN sampling TEXT;
      ALTER TABLE conversations ADD COLUMN deleted_at INTEGER;
      ALTER TABLE conversations ADD COLUMN visit_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE messages ADD COLUMN visit_seq INTEGER NOT NULL DEFAULT 0;

      DROP INDEX conversations_updated_at;
      CREATE INDEX conversations_list ON conversations(pinned, updated_at) WHERE deleted_at IS NULL;
      CREATE INDEX conversations_deleted ON conversations(deleted_at) WHERE deleted_at IS NOT NULL;
      -- The roots of a conversation (siblings of a first message) without scanning its messages.
      CREATE INDEX messages_roots ON messages(conversation_id) WHERE parent_id IS NULL;

      CREATE TABLE presets (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE VIRTUAL TABLE message_search USING fts5(
        terms, content = '', contentless_delete = 1, tokenize = "${FTS_TOKENIZE}"
      );
      CREATE VIRTUAL TABLE conversation_search USING fts5(
        terms, content = '', contentless_delete = 1, tokenize = "${FTS_TOKENIZE}"
      );

      CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
      WHEN new.status != 'streaming' BEGIN
        INSERT INTO message_search (rowid, terms) VALUES (new.rowid, ${SEARCH_FUNCTION}(new.content));
      END;
      -- Progress saves (streaming to streaming) do not touch the index.
      CREATE TRIGGER messages_search_update AFTER UPDATE OF content, status ON messages
      WHEN (old.status != 'streaming' OR new.status != 'streaming')
        AND (old.content IS NOT new.content OR old.status IS NOT new.status) BEGIN
        DELETE FROM message_search WHERE rowid = old.rowid AND old.status != 'streaming';
        INSERT INTO message_search (rowid, terms)
          SELECT new.rowid, ${SEARCH_FUNCTION}(new.content) WHERE new.status != 'streaming';
      END;
      CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
      WHEN old.status != 'streaming' BEGIN
        DELETE FROM message_search WHERE rowid = old.rowid;
      END;

      CREATE TRIGGER conversations_search_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversation_search (rowid, terms) VALUES (new.rowid, ${SEARCH_FUNCTION}(new.title));
      END;
      CREATE TRIGGER conversations_search_update AFTER UPDATE OF title ON conversations
      WHEN old.title IS NOT new.title BEGIN
        DELETE FROM conversation_search WHERE rowid = old.rowid;
        INSERT INTO conversation_search (rowid, terms) VALUES (new.rowid, ${SEARCH_FUNCTION}(new.title));
      END;
      CREATE TRIGGER conversations_search_delete AFTER DELETE ON conversations BEGIN
        DELETE FROM conversation_search WHERE rowid = old.rowid;
      END;

      INSERT INTO message_search (rowid, terms)
        SELECT rowid, ${SEARCH_FUNCTION}(content) FROM messages WHERE status != 'streaming';
      INSERT INTO conversation_search (rowid, terms)
        SELECT rowid, ${SEARCH_FUNCTION}(title) FROM conversations;

      UPDATE messages SET visit_seq = 1 WHERE id IN (
        WITH RECURSIVE path(id, parent_id, depth) AS (
          SELECT m.id, m.parent_id, 0 FROM conversations c JOIN messages m ON m.id = c.current_leaf_id
          UNION ALL
          SELECT m.id, m.parent_id, path.depth + 1 FROM messages m JOIN path ON m.id = path.parent_id
          WHERE path.depth < 100000
        )
        SELECT id FROM path
      );
      UPDATE conversations SET visit_seq = 1 WHERE current_leaf_id IS NOT NULL;
    `);
  },
};
