import type Database from 'better-sqlite3';
import { messageRoleSchema, type SearchHit } from '../contract/conversation';
import { parseQuery, snippet } from './search-terms';

interface MessageHitRow {
  id: string;
  conversation_id: string;
  role: string;
  content: string;
  title: string;
  updated_at: number;
  score: number;
}

interface TitleHitRow {
  id: string;
  title: string;
  updated_at: number;
  score: number;
}

function prepare(db: Database.Database) {
  return {
    // bm25: lower is better. Deleted conversations are skipped here rather than removed from the
    // index, so a restore costs nothing.
    // The best `candidates` index hits are ranked inside FTS5 first, then joined: joining every
    // match of a common word before ranking costs a second per 100,000 matches. Only the newest
    // `recent` matches are ranked (FTS5 walks its index newest first and stops there): bm25 reads
    // each match's length, ~1.4 µs a match, so a word in every 7th of a million messages took
    // 199 ms to rank in full; for a word that common, the best of its newest matches are the hits.
    searchMessages: db.prepare<[string, number, number, number], MessageHitRow>(`
      SELECT m.id, m.conversation_id, m.role, m.content, c.title, c.updated_at, s.score
      FROM (SELECT rowid, score FROM (SELECT rowid, bm25(message_search) AS score FROM message_search
                                      WHERE message_search MATCH ? ORDER BY rowid DESC LIMIT ?)
            ORDER BY score LIMIT ?) s
      JOIN messages m ON m.rowid = s.rowid
      JOIN conversations c ON c.id = m.conversation_id
      WHERE c.deleted_at IS NULL
      ORDER BY s.score LIMIT ?`),
    searchTitles: db.prepare<[string, number, number], TitleHitRow>(`
      SELECT c.id, c.title, c.updated_at, s.score
      FROM (SELECT rowid, bm25(conversation_search) AS score FROM conversation_search WHERE conversation_search MATCH ?
            ORDER BY score LIMIT ?) s
      JOIN conversations c ON c.rowid = s.rowid
      WHERE c.deleted_at IS NULL
      ORDER BY s.score LIMIT ?`),
  };
}

/** Messages ranked per query: all the matches of any but a very common word (conversation-search's SQL says why). */
export const RECENT_MATCHES = 5000;

/** Full-text search (FTS5) over conversation titles and message text. */
export class ConversationSearch {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.sql = prepare(db);
  }

  search(query: string, limit: number): SearchHit[] {
    const parsed = parseQuery(query);
    if (parsed === null || !(limit >= 1)) return [];
    const max = Math.min(Math.floor(limit), 1000);
    return this.db.transaction(() => {
      // Hits in deleted conversations take candidate places; if they left the page short, the
      // query runs again over every match (-1: no limit).
      const candidates = max * 2 + 20;
      let messages = this.sql.searchMessages.all(parsed.match, RECENT_MATCHES, candidates, max);
      if (messages.length < max) messages = this.sql.searchMessages.all(parsed.match, -1, -1, max);
      let titles = this.sql.searchTitles.all(parsed.match, candidates, max);
      if (titles.length < max) titles = this.sql.searchTitles.all(parsed.match, -1, max);
      const hits: Array<{ score: number; hit: SearchHit }> = [];
      for (const row of titles) {
        hits.push({
          score: row.score,
          hit: {
            conversationId: row.id,
            title: row.title,
            messageId: null,
            role: null,
            snippet: snippet(row.title, parsed.phrases, Math.max(180, row.title.length)),
            updatedAt: row.updated_at,
          },
        });
      }
      for (const row of messages) {
        const role = messageRoleSchema.safeParse(row.role);
        hits.push({
          score: row.score,
          hit: {
            conversationId: row.conversation_id,
            title: row.title,
            messageId: row.id,
            role: role.success ? role.data : null,
            snippet: snippet(row.content, parsed.phrases),
            updatedAt: row.updated_at,
          },
        });
      }
      // Stable: equal scores keep titles before messages.
      return hits.sort((a, b) => a.score - b.score).slice(0, max).map(({ hit }) => hit);
    })();
  }
}
