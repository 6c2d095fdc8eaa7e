import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { openStore, type SqliteStore } from '../../../electron/store/sqlite-store';
import { awkwardTokens, tempDir } from './helpers';

// "Export all" streams a deflated zip to disk, and "Import…" reads it back (issue 18 item 2).

let dir: string;
let cleanup: () => void;
const opened: SqliteStore[] = [];
const open = (name: string): SqliteStore => {
  const store = openStore(join(dir, name, 'glassbox.sqlite'));
  opened.push(store);
  return store;
};
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  cleanup();
});

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isGlassboxError(error) ? `${error.kind}: ${error.message}` : `not a GlassboxError: ${String(error)}`;
  }
  return 'no error';
}

/** Three conversations, one with a branch and token probabilities, one pinned, one deleted. */
function fill(store: SqliteStore): string[] {
  const a = store.createConversation('Onions');
  const q = store.appendMessage({ conversationId: a.id, parentId: null, role: 'user', content: 'How do I caramelise onions?', status: 'complete' });
  const first = store.appendMessage({ conversationId: a.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
  store.finishMessage(first.id, { content: 'Slowly.', tokens: awkwardTokens, status: 'complete', stats: null, error: null });
  const second = store.appendMessage({ conversationId: a.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
  store.finishMessage(second.id, { content: 'With butter.', tokens: null, status: 'complete', stats: null, error: null });
  store.selectBranch(a.id, first.id);
  const b = store.createConversation('Второй 💬');
  store.setPinned(b.id, true);
  store.setSystemPrompt(b.id, 'Be brief.');
  store.appendMessage({ conversationId: b.id, parentId: null, role: 'user', content: 'привет', status: 'complete' });
  const gone = store.createConversation('Deleted');
  store.deleteConversation(gone.id);
  return [a.id, b.id];
}

/** What a person sees of every conversation: title, pin, system prompt, the branch shown with its tokens. */
function shown(store: SqliteStore) {
  return store
    .listConversations()
    .map((c) => store.getConversation(c.id))
    .map((c) => ({
      title: c.title,
      pinned: c.pinned,
      systemPrompt: c.systemPrompt,
      messages: c.messages.map((m) => ({ role: m.role, content: m.content, tokens: m.tokens, siblings: m.siblingIds.length })),
    }))
    .sort((x, y) => x.title.localeCompare(y.title));
}

describe('export all, streamed to disk', () => {
  it('writes a deflated zip with a JSON and a Markdown file per conversation, nothing else beside it', () => {
    const store = open('a');
    const [a] = fill(store);
    const target = join(dir, 'export.zip');
    expect(store.exportAllTo(target)).toMatchObject({ conversations: 2 });
    expect(readdirSync(dir).filter((name) => name.includes('export'))).toEqual(['export.zip']);
    const bytes = readFileSync(target);
    const files = unzipSync(bytes);
    expect(Object.keys(files)).toHaveLength(4);
    // Deflated (method 8 in every local header), so the archive is smaller than what it holds.
    expect(bytes.readUInt16LE(8)).toBe(8);
    const held = Object.values(files).reduce((sum, data) => sum + data.length, 0);
    expect(bytes.length).toBeLessThan(held);
    const json = Object.entries(files).find(([name]) => name.includes((a ?? '').slice(0, 8)) && name.endsWith('.json'));
    expect(JSON.parse(Buffer.from(json?.[1] ?? []).toString('utf8'))).toMatchObject({ format: 'glassbox.conversation', conversation: { id: a } });
  });

  it('leaves no file behind when the export fails half-way', () => {
    const store = open('a');
    fill(store);
    // The second conversation in list order has a damaged row: the first is already in the archive.
    const second = store.listConversations()[1]?.id ?? '';
    store.database.prepare("UPDATE messages SET tokens = '[[broken' WHERE conversation_id = ?").run(second);
    const target = join(dir, 'export.zip');
    expect(kindOf(() => store.exportAllTo(target))).toMatch(/damaged|broken|decode|Message/i);
    expect(readdirSync(dir).filter((name) => name.includes('export'))).toEqual([]);
  });
});

describe('Import… reads what Export all writes', () => {
  it('restores a full export into an empty store, all of it', () => {
    const source = open('a');
    fill(source);
    const archive = readFileSync((source.exportAllTo(join(dir, 'export.zip')), join(dir, 'export.zip')));
    const target = open('b');
    const result = target.importFile(archive);
    expect(result.imported.map((c) => c.title).sort()).toEqual(['Onions', 'Второй 💬']);
    expect(result.alreadyPresent).toEqual([]);
    expect(shown(target)).toEqual(shown(source));
    expect(target.integrityCheck()).toEqual([]);
  });

  it('reads the base64 archive the app hands to the browser', () => {
    const source = open('a');
    fill(source);
    const target = open('b');
    expect(target.importFile(Buffer.from(source.exportAll().content, 'base64')).imported).toHaveLength(2);
  });

  it('does not add a conversation twice: importing the same archive again finds them all', () => {
    const source = open('a');
    fill(source);
    source.exportAllTo(join(dir, 'export.zip'));
    const archive = readFileSync(join(dir, 'export.zip'));
    const target = open('b');
    target.importFile(archive);
    const again = target.importFile(archive);
    expect(again.imported).toEqual([]);
    expect(again.alreadyPresent.map((c) => c.title).sort()).toEqual(['Onions', 'Второй 💬']);
    expect(target.listConversations()).toHaveLength(2);
  });

  it('finds the originals when an export is imported back where it came from, and brings back only what was deleted', () => {
    const store = open('a');
    const [a] = fill(store);
    store.exportAllTo(join(dir, 'export.zip'));
    const archive = readFileSync(join(dir, 'export.zip'));
    expect(store.importFile(archive)).toMatchObject({ imported: [] });
    store.deleteConversation(a ?? '');
    const result = store.importFile(archive);
    expect(result.imported.map((c) => c.title)).toEqual(['Onions']);
    expect(store.listConversations()).toHaveLength(2);
  });

  it('knows a conversation by where it came from, across a second export', () => {
    const first = open('a');
    fill(first);
    const second = open('b');
    second.importFile(Buffer.from(first.exportAll().content, 'base64'));
    // Exported again from b (new ids there), then imported into a: still the same conversations.
    expect(first.importFile(Buffer.from(second.exportAll().content, 'base64')).imported).toEqual([]);
  });

  it('does not add a single JSON export twice either', () => {
    const store = open('a');
    const [a] = fill(store);
    const json = Buffer.from(store.exportConversation(a ?? '', 'json').content, 'utf8');
    const target = open('b');
    expect(target.importFile(json).imported).toHaveLength(1);
    expect(target.importFile(json)).toMatchObject({ imported: [], alreadyPresent: [{ title: 'Onions' }] });
  });

  it('imports all of an archive or none of it', () => {
    const source = open('a');
    fill(source);
    const files = unzipSync(Buffer.from(source.exportAll().content, 'base64'));
    const damaged = { ...files, 'glassbox-export/zz (broken).json': new TextEncoder().encode('{"format":"glassbox.conversation","version":1}') };
    const target = open('b');
    expect(kindOf(() => target.importFile(zipSync(damaged)))).toMatch(/^invalid-argument: .*zz \(broken\)\.json in this archive: This Glassbox export is damaged/);
    expect(target.listConversations()).toEqual([]);
  });

  it('refuses a zip that lies about its sizes, and one that is not an export', () => {
    const target = open('b');
    // One entry declaring 10 bytes whose data inflates to a megabyte.
    const honest = zipSync({ 'a.json': new Uint8Array(10) }, { level: 0 });
    const lying = Buffer.from(honest);
    const payload = deflateRawSync(Buffer.alloc(1024 * 1024));
    const local = lying.subarray(0, 30 + 'a.json'.length);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(payload.length, 18);
    const rest = lying.subarray(30 + 'a.json'.length + 10);
    const central = Buffer.from(rest);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(payload.length, 20);
    central.writeUInt32LE(local.length + payload.length, central.length - 6);
    const bomb = Buffer.concat([local, payload, central]);
    expect(kindOf(() => target.importFile(bomb))).toMatch(/^invalid-argument: This file is not an archive written by "Export all"/);
    expect(kindOf(() => target.importFile(zipSync({ 'notes.txt': new Uint8Array([1]) })))).toMatch(/^invalid-argument: This archive holds no Glassbox conversations/);
    expect(kindOf(() => target.importFile(Buffer.from('not json')))).toMatch(/^invalid-argument: This file is not JSON/);
  });
});
