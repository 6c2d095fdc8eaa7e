import { copyFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { openDatabase } from '../../../electron/store/database';
import { runMigrations } from '../../../electron/store/migrate';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../electron/store/migrations';
import { openStore } from '../../../electron/store/sqlite-store';
import { kindOf, tempDir } from './helpers';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());


/** Tables, without the shadow tables FTS5 keeps for each search table. */
function tableNames(db: Database.Database): string[] {
  return db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT GLOB '*_search_*' ORDER BY name")
    .pluck()
    .all();
}

describe('migrations', () => {
  it('registers versions 1..N in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('migrates a fresh :memory: database', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tableNames(db)).toEqual([
      'conversation_documents',
      'conversation_search',
      'conversations',
      'document_chunk_search',
      'document_chunk_vectors',
      'document_chunk_vocab',
      'document_chunks',
      'document_vector_settings',
      'documents',
      'message_search',
      'message_sources',
      'message_token_chunks',
      'messages',
      'presets',
      'settings',
    ]);
    db.close();
  });

  it('migrates a fresh file in a folder it creates, in WAL mode', () => {
    const path = join(dir, 'nested', 'deeper', 'glassbox.db');
    const db = openDatabase(path);
    expect(existsSync(path)).toBe(true);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    db.close();
  });

  it('does nothing on a second run and leaves the version alone', () => {
    const db = openDatabase(':memory:');
    expect(runMigrations(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('treats an empty existing file as a new database', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const store = openStore(path);
    expect(store.listConversations()).toEqual([]);
    store.close();
  });
});

describe('refusing files it must not touch', () => {
  it('refuses a database from a newer version and leaves it byte-identical', () => {
    const path = join(dir, 'newer.db');
    const foreign = new Database(path);
    foreign.pragma('journal_mode = WAL');
    foreign.exec('CREATE TABLE future (x TEXT); INSERT INTO future VALUES (\'from the future\')');
    foreign.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    foreign.close();
    const before = readFileSync(path);

    let message = '';
    try {
      openStore(path);
    } catch (error) {
      expect(isGlassboxError(error, 'database-newer')).toBe(true);
      message = (error as Error).message;
    }
    expect(message).toMatch(/newer version of Glassbox/);
    expect(message).toContain(`schema ${LATEST_SCHEMA_VERSION + 1}`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a newer database still holding its last writes in the WAL, without checkpointing them', () => {
    const path = join(dir, 'newer-wal.db');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE future (x TEXT)');
    writer.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 7}`);
    // Copy the files while the writer still holds them: the version bump lives only in the WAL,
    // as after a crash of a newer Glassbox.
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    copyFileSync(`${path}-wal`, `${copy}-wal`);
    writer.close();
    const before = readFileSync(copy);

    expect(kindOf(() => openStore(copy))).toBe('database-newer');
    expect(readFileSync(copy).equals(before)).toBe(true);
  });

  it('refuses random bytes and leaves them untouched', () => {
    const path = join(dir, 'random.db');
    const bytes = randomBytes(64 * 1024);
    writeFileSync(path, bytes);
    expect(kindOf(() => openStore(path))).toBe('database-corrupt');
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('refuses a truncated database and leaves it untouched', () => {
    const path = join(dir, 'truncated.db');
    const store = openStore(path);
    const conversation = store.createConversation();
    let parentId: string | null = null;
    for (let i = 0; i < 300; i++) {
      parentId = store.appendMessage({
        conversationId: conversation.id,
        parentId,
        role: 'user',
        content: `message ${i} `.repeat(40),
        status: 'complete',
      }).id;
    }
    store.close(); // checkpoints the WAL into the main file
    expect(existsSync(`${path}-wal`)).toBe(false);
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const before = readFileSync(path);

    expect(kindOf(() => openStore(path))).toBe('database-corrupt');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('says what happened and what to do in a corrupt error', () => {
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not a database, just some text that is long enough to have a header'.repeat(100));
    expect(() => openStore(path)).toThrow(/damaged.*did not change it/);
  });
});

describe('durability', () => {
  it('keeps data across close and reopen', () => {
    const path = join(dir, 'keep.db');
    const first = openStore(path);
    const conversation = first.createConversation('Kept');
    first.appendMessage({ conversationId: conversation.id, parentId: null, role: 'user', content: 'hi', status: 'complete' });
    first.setSetting('theme', 'dark');
    first.close();

    const second = openStore(path);
    expect(second.listConversations().map((c) => c.title)).toEqual(['Kept']);
    expect(second.getConversation(conversation.id).messages.map((m) => m.content)).toEqual(['hi']);
    expect(second.getSetting('theme')).toBe('dark');
    second.close();
  });

  it('keeps a returned write when the process dies without closing', () => {
    // A crash leaves exactly the files on disk, main file plus WAL, with no close or checkpoint.
    // Copying them while the store is still open reproduces that state.
    const path = join(dir, 'live.db');
    const store = openStore(path);
    const conversation = store.createConversation('Before the crash');
    const answer = store.appendMessage({
      conversationId: conversation.id,
      parentId: null,
      role: 'assistant',
      content: '',
      status: 'streaming',
    });
    store.saveProgress(answer.id, 'Half an', []);
    const crashed = join(dir, 'crashed.db');
    copyFileSync(path, crashed);
    copyFileSync(`${path}-wal`, `${crashed}-wal`);
    store.close();

    const recovered = openStore(crashed);
    expect(recovered.markUnfinishedAsInterrupted()).toBe(1);
    const message = recovered.getMessage(answer.id);
    expect(message.content).toBe('Half an');
    expect(message.status).toBe('interrupted');
    recovered.close();
  });
});

describe('foreign keys', () => {
  it('refuses a message for a missing conversation or parent at the SQL level', () => {
    const db = openDatabase(':memory:');
    const insert = db.prepare(
      "INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at) VALUES (?, ?, ?, 'user', '', 'complete', 0)",
    );
    expect(() => insert.run('m1', 'no-such-conversation', null)).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 't', 0, 0)").run();
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c2', 't', 0, 0)").run();
    expect(() => insert.run('m1', 'c1', 'no-such-parent')).toThrow(/FOREIGN KEY/);
    insert.run('m1', 'c1', null);
    // A parent from another conversation breaks the composite key.
    expect(() => insert.run('m2', 'c2', 'm1')).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("UPDATE conversations SET current_leaf_id = 'nope' WHERE id = 'c1'").run()).toThrow(
      /FOREIGN KEY/,
    );
    db.close();
  });

  it('deletes messages and streamed chunks with their conversation', () => {
    const db = openDatabase(':memory:');
    db.exec(`
      INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 't', 0, 0);
      INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at)
        VALUES ('m1', 'c1', NULL, 'user', '', 'complete', 0), ('m2', 'c1', 'm1', 'assistant', '', 'streaming', 0);
      INSERT INTO message_token_chunks (message_id, start, count, data) VALUES ('m2', 0, 0, '[]');
      UPDATE conversations SET current_leaf_id = 'm2' WHERE id = 'c1';
      DELETE FROM conversations WHERE id = 'c1';
    `);
    expect(db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM message_token_chunks').pluck().get()).toBe(0);
    db.close();
  });
});

describe('migration 2 (history) on a version-1 database with data', () => {
  /** A database exactly as version 1 of the app left it, with a branch, an answer mid-stream and chunks. */
  function versionOneDatabase(path: string): void {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    const first = MIGRATIONS[0];
    if (first === undefined) throw new Error('no migration 1');
    db.transaction(() => {
      first.up(db);
      db.pragma('user_version = 1');
    })();
    db.exec(`
      INSERT INTO conversations (id, title, created_at, updated_at) VALUES
        ('c1', 'Soupe à l''oignon', 1000, 5000), ('c2', 'Кошки и 猫', 2000, 3000);
      INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, tokens, stats) VALUES
        ('q', 'c1', NULL, 'user', 'How do I caramelise onions?', 'complete', 1001, NULL, NULL),
        ('a1', 'c1', 'q', 'assistant', 'Slowly, over low heat.', 'complete', 1002, '[[1,"Slowly",0.5,[]]]',
          '{"tokens":1,"promptTokens":5,"evaluatedPromptTokens":5,"ttftMs":null,"tokensPerSecond":null,"totalMs":10}'),
        ('a2', 'c1', 'q', 'assistant', 'Use butter and patience', 'complete', 1003, NULL, NULL),
        ('f', 'c1', 'a1', 'user', 'How long?', 'complete', 1004, NULL, NULL),
        ('s', 'c2', NULL, 'assistant', '我喜欢猫 half-streamed', 'streaming', 2001, NULL, NULL);
      INSERT INTO message_token_chunks (message_id, start, count, data) VALUES ('s', 0, 1, '[[7,"我",0.25,[]]]');
      UPDATE conversations SET current_leaf_id = 'a2' WHERE id = 'c1';
      UPDATE conversations SET current_leaf_id = 's' WHERE id = 'c2';
    `);
    db.close();
  }

  it('keeps every row, back-fills the search index and the visited branch', () => {
    const path = join(dir, 'v1.sqlite');
    versionOneDatabase(path);
    const store = openStore(path);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    raw.close();

    expect(store.listConversations()).toEqual([
      { id: 'c1', title: "Soupe à l'oignon", createdAt: 1000, updatedAt: 5000, pinned: false },
      { id: 'c2', title: 'Кошки и 猫', createdAt: 2000, updatedAt: 3000, pinned: false },
    ]);
    const c1 = store.getConversation('c1');
    expect(c1.messages.map((m) => m.id)).toEqual(['q', 'a2']);
    expect(c1.messages[1]?.siblingIds).toEqual(['a1', 'a2']);
    expect(c1.systemPrompt).toBe('');
    expect(c1.sampling.temperature).toBeGreaterThan(0);
    expect(store.getMessage('a1')).toMatchObject({ tokens: [{ id: 1, text: 'Slowly', p: 0.5, top: [] }], stats: { tokens: 1 } });

    // Titles and finished messages were indexed; the streaming one waits for its end.
    expect(store.search('oignon', 10).map((h) => [h.conversationId, h.messageId])).toEqual([['c1', null]]);
    expect(store.search('ONIONS', 10).map((h) => h.messageId)).toEqual(['q']);
    expect(store.search('猫', 10).map((h) => [h.conversationId, h.messageId])).toEqual([['c2', null]]);
    expect(store.markUnfinishedAsInterrupted()).toBe(1);
    expect(store.getMessage('s')).toMatchObject({ status: 'interrupted', tokens: [{ id: 7, text: '我', p: 0.25, top: [] }] });
    expect(store.search('喜欢', 10).map((h) => h.messageId)).toEqual(['s']);

    // The branch shown before the upgrade is the one marked visited: going back to the question
    // returns to it, not to the other answer.
    expect(store.selectBranch('c1', 'f').currentLeafId).toBe('f');
    expect(store.selectBranch('c1', 'a2').currentLeafId).toBe('a2');
    expect(store.selectBranch('c1', 'q').currentLeafId).toBe('a2');
    expect(store.integrityCheck()).toEqual([]);
    store.close();
  });

  it('applies to a fresh database in one step and leaves nothing to do on reopen', () => {
    const path = join(dir, 'fresh.sqlite');
    openStore(path).close();
    const db = openDatabase(path);
    expect(runMigrations(db)).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('rolls back completely if it fails half way', () => {
    const path = join(dir, 'v1-broken.sqlite');
    versionOneDatabase(path);
    // A table with the name migration 2 creates makes it fail after its first statements.
    const raw = new Database(path);
    raw.exec('CREATE TABLE presets (x TEXT)');
    raw.close();
    expect(() => openStore(path)).toThrow(/presets already exists/);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    const columns = after.prepare<[], string>("SELECT name FROM pragma_table_info('conversations')").pluck().all();
    expect(columns).not.toContain('pinned');
    after.close();
  });
});
