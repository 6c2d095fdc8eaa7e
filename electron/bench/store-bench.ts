import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { GeneratedToken } from '../contract/token';
import { encodeTokens } from '../store/codec';
import { openDatabase } from '../store/database';
import { parseQuery, registerSearchFunction, SEARCH_FUNCTION } from '../store/search-terms';
import { openStore } from '../store/sqlite-store';
import type { BenchContext, BenchSection } from './section';
import { createRng } from '../engine/sampler';
import { median } from './stats';
import { syllableVocabulary } from './synthetic-text';

/**
 * The conversation store at scale: a database of 10,000 conversations and 1,000,000 messages
 * (quick: 1,000 / 50,000), then medians of what the UI waits for. Goals on a 2-core machine:
 * list < 20 ms, open a 1,000-message conversation < 30 ms (also when its 500 answers carry tokens), search < 50 ms, append < 2 ms.
 * `baselineMs` is a one-row read through the same store, to compare machines.
 */
export const GOALS = { listMs: 20, openMs: 30, openWithTokensMs: 30, searchMs: 50, commonWordSearchMs: 50, appendMs: 2 } as const;

/** The same sequence every run (the sampler's seeded mulberry32). */
const rng = (seed: number): (() => number) => createRng(seed);

/** CPU time of this process used by the last `time` call's runs (median), for a busy machine. */
let lastCpuMs = 0;

function time(runs: number, fn: () => unknown): number {
  fn(); // warm up: statement caches, pages
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  lastCpuMs = median(cpu);
  return median(samples);
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

interface Generated {
  /** 1,000 messages of text. */
  textId: string;
  /** 1,000 messages, the 500 answers with 100 tokens and 10 alternatives each, as the app stores them. */
  tokensId: string;
  /** A mid-frequency pair of words to search for. */
  query: string;
  /** One of the most frequent words: the worst case (every 7th message has it). */
  common: string;
}

/**
 * Writes the database in one transaction through prepared statements, journal and sync off (a
 * scratch file). The search triggers are dropped while loading and the index is filled in one
 * statement afterwards: FTS5 flushes its pending terms at the end of every statement, so indexing
 * row by row through triggers costs ~5x more here (the app's one-row writes pay that, ~0.2 ms).
 */
function generate(path: string, conversationCount: number, messageCount: number, log: (line: string) => void): Generated {
  openDatabase(path).close(); // the schema, migrated
  const db = new Database(path);
  registerSearchFunction(db);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF'); // the generator writes parents first; checking costs a lookup per row
  db.pragma('cache_size = -262144'); // 256 MiB
  const triggers = db
    .prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%search%'")
    .all();
  for (const trigger of triggers) db.exec(`DROP TRIGGER ${trigger.name}`);
  const random = rng(42);
  const words = syllableVocabulary(20000);
  const zipf = (): string => {
    // Inverse of the Zipf CDF, approximately: exp(u * ln N) - 1.
    const index = Math.floor(Math.exp(random() * Math.log(words.length)) - 1);
    return words[Math.min(index, words.length - 1)] ?? 'x';
  };
  const sentence = (min: number, max: number): string => {
    const n = min + Math.floor(random() * (max - min + 1));
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(zipf());
    return `${parts.join(' ')}.`;
  };

  const tokens: GeneratedToken[] = Array.from({ length: 100 }, (_, i) => ({
    id: i,
    text: ` ${words[i] ?? ''}`,
    p: 0.5 + random() / 2,
    top: Array.from({ length: 10 }, (_, k) => ({ id: i * 10 + k, text: ` ${words[i + k] ?? ''}`, p: random() / (k + 1) })),
  }));
  const tokensJson = encodeTokens(tokens);
  const statsJson = JSON.stringify({ tokens: 100, promptTokens: 500, evaluatedPromptTokens: 20, ttftMs: 80, tokensPerSecond: 30, totalMs: 3400 });

  const insertConversation = db.prepare<[string, string, number, number]>(
    'INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)',
  );
  const insertMessage = db.prepare<[string, string, string | null, string, string, number, string | null, string | null]>(
    `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, tokens, stats)
     VALUES (?, ?, ?, ?, ?, 'complete', ?, ?, ?)`,
  );
  const setLeaf = db.prepare<[string, string]>('UPDATE conversations SET current_leaf_id = ? WHERE id = ?');

  let textId = '';
  let tokensId = '';
  const start = Date.UTC(2024, 0, 1);
  db.transaction(() => {
    let written = 0;
    for (let c = 0; c < conversationCount; c++) {
      const id = randomUUID();
      const special = c < 2;
      // Two 1,000-message conversations; the rest share what is left.
      const remaining = messageCount - written - (special ? 0 : 2000 - Math.min(c, 2) * 1000);
      const size = special ? 1000 : Math.max(2, Math.round(remaining / (conversationCount - c)));
      if (c === 0) textId = id;
      if (c === 1) tokensId = id;
      const created = start + c * 60_000;
      insertConversation.run(id, sentence(2, 6), created, created + size * 1000);
      let parent: string | null = null;
      let question: string | null = null;
      for (let m = 0; m < size; m++) {
        const messageId = randomUUID();
        const isAnswer = m % 2 === 1;
        // One answer in ten is regenerated: a sibling under the same question.
        const under: string | null = isAnswer && m % 20 === 19 && question !== null ? question : parent;
        insertMessage.run(
          messageId,
          id,
          under,
          isAnswer ? 'assistant' : 'user',
          isAnswer ? sentence(20, 60) : sentence(4, 20),
          created + m * 1000,
          isAnswer && c === 1 ? tokensJson : null,
          isAnswer ? statsJson : null,
        );
        if (!isAnswer) question = messageId;
        parent = messageId;
      }
      if (parent !== null) setLeaf.run(parent, id);
      written += size;
      if (c % 1000 === 999) log(`  ${c + 1} conversations, ${written} messages`);
    }
    log('  indexing for search');
    db.exec(`
      INSERT INTO message_search (rowid, terms) SELECT rowid, ${SEARCH_FUNCTION}(content) FROM messages WHERE status != 'streaming';
      INSERT INTO conversation_search (rowid, terms) SELECT rowid, ${SEARCH_FUNCTION}(title) FROM conversations;
    `);
    for (const trigger of triggers) db.exec(trigger.sql);
  })();
  db.pragma('journal_mode = WAL');
  db.close();
  // Ranks ~50 and ~120 of the vocabulary: each in about 1 message in 30; both in about 1 in 400.
  return { textId, tokensId, query: `${words[50] ?? ''} ${words[120] ?? ''}`, common: words[2] ?? '' };
}

export const storeBench: BenchSection = {
  name: 'store',
  async run({ workDir, quick, log }: BenchContext) {
    const conversations = quick ? 1000 : 10000;
    const messages = quick ? 50000 : 1000000;
    const path = join(workDir, 'store-bench.sqlite');

    const generateStart = performance.now();
    const { textId, tokensId, query, common } = generate(path, conversations, messages, log);
    const generateS = (performance.now() - generateStart) / 1000;
    log(`  generated in ${generateS.toFixed(1)} s`);

    const store = openStore(path);
    try {
      const runs = quick ? 9 : 21;
      const baselineMs = time(runs * 5, () => store.getSetting('bench'));
      const listMs = time(runs, () => store.listConversations({ limit: 50 }));
      const openMs = time(runs, () => store.getConversation(textId));
      const openCpuMs = lastCpuMs;
      const openWithTokensMs = time(runs, () => store.getConversation(tokensId));
      const searchHits = store.search(query, 50).length;
      const searchMs = time(runs, () => store.search(query, 50));
      const searchCpuMs = lastCpuMs;
      const commonWordSearchMs = time(runs, () => store.search(common, 50));
      // Baseline in the same run: the same word ranked over all its matches, as search did before it
      // ranked only the newest RECENT_MATCHES (store/conversation-search.ts).
      const fullRank = store.database.prepare(
        'SELECT rowid, bm25(message_search) AS score FROM message_search WHERE message_search MATCH ? ORDER BY score LIMIT 120',
      );
      const commonMatch = parseQuery(common)?.match ?? common;
      const commonWordFullRankMs = time(runs, () => fullRank.all(commonMatch));
      const total = store.getConversation(textId).messages.length;
      let leaf = store.getConversation(textId).currentLeafId;
      const appendMs = time(runs * 5, () => {
        leaf = store.appendMessage({ conversationId: textId, parentId: leaf, role: 'user', content: 'one more question about kalo', status: 'complete' }).id;
      });
      return {
        conversations,
        messages,
        generateS: round(generateS),
        databaseMiB: round(statSync(path).size / 2 ** 20),
        baselineMs: round(baselineMs),
        listMs: round(listMs),
        openMs: round(openMs),
        openCpuMs: round(openCpuMs),
        openMessages: total,
        openWithTokensMs: round(openWithTokensMs),
        searchMs: round(searchMs),
        searchCpuMs: round(searchCpuMs),
        searchHits,
        commonWordSearchMs: round(commonWordSearchMs),
        commonWordFullRankMs: round(commonWordFullRankMs),
        appendMs: round(appendMs),
        // Medians are wall-clock: on a busy machine (load above the core count) they inflate.
        loadAverage: round(loadavg()[0] ?? 0),
        goals: Object.entries(GOALS)
          .map(([key, goal]) => `${key}<${goal}`)
          .join(' '),
      };
    } finally {
      store.close();
    }
  },
};
