import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import { isGlassboxError } from '../../../electron/contract/errors';
import { openStore } from '../../../electron/store/sqlite-store';
import type { Store } from '../../../electron/store/store';
import { awkwardTokens } from './helpers';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

const model = { fileName: 'tiny.gguf', path: '/models/tiny.gguf', architecture: 'llama', fileSizeBytes: 1234 };
const stats = { tokens: 5, promptTokens: 10, evaluatedPromptTokens: 4, ttftMs: 12.5, tokensPerSecond: 33.3, totalMs: 1500 };

function kindAndMessage(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (error) {
    return [isGlassboxError(error) ? error.kind : 'not a GlassboxError', error instanceof Error ? error.message : String(error)];
  }
  return ['no error', ''];
}

/** A conversation with two answers to one question, tokens, stats and settings. */
function sample() {
  const c = store.createConversation('Onions / "caramel" <test>');
  store.setSystemPrompt(c.id, 'You are a chef.');
  store.setSampling(c.id, { temperature: 0.3 });
  const q = store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content: 'How do I caramelise onions?', status: 'complete' });
  const a1 = store.appendMessage({
    conversationId: c.id,
    parentId: q.id,
    role: 'assistant',
    content: '',
    status: 'streaming',
    model,
    sampling: DEFAULT_SAMPLING,
  });
  store.finishMessage(a1.id, { content: 'Slowly.', tokens: awkwardTokens, status: 'complete', stats, error: null });
  const a2 = store.appendMessage({ conversationId: c.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming', model });
  store.finishMessage(a2.id, {
    content: 'With butter',
    tokens: null,
    status: 'error',
    stats: null,
    error: { kind: 'engine-crashed', message: 'The engine stopped.' },
  });
  store.selectBranch(c.id, a1.id);
  return { c, q, a1, a2 };
}

describe('export', () => {
  it('writes a readable Markdown transcript of the branch shown, with stats lines', () => {
    const { c } = sample();
    const file = store.exportConversation(c.id, 'markdown');
    expect(file).toMatchObject({ mimeType: 'text/markdown', encoding: 'utf8' });
    expect(file.fileName).toMatch(/^Onions caramel test \([0-9a-f]{8}\)\.md$/);
    const md = file.content;
    expect(md).toMatch(/^# Onions \/ "caramel" <test>\n/);
    expect(md).toContain('## System prompt\n\nYou are a chef.');
    expect(md).toContain('How do I caramelise onions?');
    expect(md).toContain('Slowly.');
    expect(md).not.toContain('With butter'); // another branch
    expect(md).toContain('> tiny.gguf · 5 tokens · 33.3 tokens/s · first token after 13 ms · 1.50 s in all');
  });

  it('writes the whole tree as a versioned JSON document', () => {
    const { c, q, a1, a2 } = sample();
    const file = store.exportConversation(c.id, 'json');
    expect(file).toMatchObject({ mimeType: 'application/json', encoding: 'utf8' });
    const doc = JSON.parse(file.content) as Record<string, unknown>;
    expect(doc).toMatchObject({
      format: 'glassbox.conversation',
      version: 1,
      conversation: { id: c.id, systemPrompt: 'You are a chef.', sampling: { temperature: 0.3 }, currentLeafId: a1.id },
    });
    const messages = doc.messages as Array<Record<string, unknown>>;
    expect(messages.map((m) => [m.id, m.parentId])).toEqual([
      [q.id, null],
      [a1.id, q.id],
      [a2.id, q.id],
    ]);
    expect(messages[1]).toMatchObject({ tokens: awkwardTokens, stats, model, sampling: DEFAULT_SAMPLING, status: 'complete' });
    expect(messages[2]).toMatchObject({ status: 'error', error: { kind: 'engine-crashed' } });
  });

  it('refuses an unknown or deleted conversation', () => {
    const { c } = sample();
    store.deleteConversation(c.id);
    expect(kindAndMessage(() => store.exportConversation(c.id, 'json'))[0]).toBe('not-found');
  });
});

describe('import', () => {
  it('brings a JSON export back under new ids: tree, tokens, stats and settings kept', () => {
    const { c, a1 } = sample();
    const original = store.getConversation(c.id);
    const json = store.exportConversation(c.id, 'json').content;
    const imported = store.importConversation(json);
    expect(imported.id).not.toBe(c.id);
    expect(imported.title).toBe(original.title);

    const copy = store.getConversation(imported.id);
    expect(copy.systemPrompt).toBe('You are a chef.');
    expect(copy.sampling).toEqual({ ...DEFAULT_SAMPLING, temperature: 0.3 });
    expect(copy.messages.map((m) => m.content)).toEqual(original.messages.map((m) => m.content));
    expect(copy.messages.some((m) => original.messages.some((o) => o.id === m.id))).toBe(false);
    const answer = store.getMessage(copy.messages[1]?.id ?? '');
    expect(answer.tokens).toEqual(store.getMessage(a1.id).tokens);
    answer?.tokens?.forEach((t, i) => expect(Object.is(t.p, awkwardTokens[i]?.p)).toBe(true));
    expect(answer).toMatchObject({ stats, model, sampling: DEFAULT_SAMPLING });
    expect(answer?.siblingIds).toHaveLength(2);

    // The other branch came too.
    const other = answer?.siblingIds.find((id) => id !== answer.id) ?? '';
    expect(store.getMessage(other)).toMatchObject({ content: 'With butter', status: 'error' });
    // Exporting the copy gives the same document, ids aside.
    const again = JSON.parse(store.exportConversation(imported.id, 'json').content) as { messages: Array<{ content: string }> };
    expect(again.messages.map((m) => m.content)).toEqual(['How do I caramelise onions?', 'Slowly.', 'With butter']);
    expect(store.search('caramelise', 10).map((h) => h.conversationId).sort()).toEqual([c.id, imported.id].sort());
    expect(store.integrityCheck()).toEqual([]);
  });

  it('turns an answer exported mid-stream into an interrupted one', () => {
    const c = store.createConversation();
    const m = store.appendMessage({ conversationId: c.id, parentId: null, role: 'assistant', content: 'half', status: 'streaming' });
    store.saveProgress(m.id, 'half', awkwardTokens.slice(0, 2));
    const imported = store.importConversation(store.exportConversation(c.id, 'json').content);
    const half = store.getConversation(imported.id).messages[0];
    expect(half).toMatchObject({ status: 'interrupted', tokensOmitted: true });
    expect(store.messageTokens(imported.id, half?.id ?? '')).toEqual(awkwardTokens.slice(0, 2));
    expect(store.markUnfinishedAsInterrupted()).toBe(1); // only the original
  });

  it('rejects other files with a clear invalid-argument', () => {
    const { c } = sample();
    const good = JSON.parse(store.exportConversation(c.id, 'json').content) as Record<string, unknown> & {
      messages: Array<Record<string, unknown>>;
    };
    const cases: Array<[string, RegExp]> = [
      ['not json', /not JSON/],
      ['[1, 2]', /not a Glassbox conversation export/],
      [JSON.stringify({ format: 'chatgpt', version: 1 }), /format is "chatgpt"/],
      [JSON.stringify({ ...good, version: 2 }), /newer version of Glassbox/],
      [JSON.stringify({ ...good, version: 0 }), /damaged at version/],
      [JSON.stringify({ ...good, conversation: { title: 5 } }), /damaged at conversation/],
      [JSON.stringify({ ...good, messages: [{ ...good.messages[0], role: 'wizard' }] }), /damaged at messages\.0\.role/],
      [JSON.stringify({ ...good, messages: [good.messages[0], good.messages[0]] }), /appears twice/],
      [JSON.stringify({ ...good, messages: [good.messages[1]] }), /not in the file/],
      [
        JSON.stringify({
          ...good,
          messages: [
            { ...good.messages[1], id: 'x', parentId: 'y' },
            { ...good.messages[2], id: 'y', parentId: 'x' },
          ],
          conversation: { ...(good.conversation as object), currentLeafId: null },
        }),
        /do not form a tree/,
      ],
      [
        JSON.stringify({
          ...good,
          messages: [{ ...good.messages[1], parentId: null, tokens: [{ id: 1, text: 'x', p: 1.5, top: [] }] }],
          conversation: { ...(good.conversation as object), currentLeafId: null },
        }),
        /damaged at messages\.0\.tokens/,
      ],
    ];
    for (const [json, message] of cases) {
      const [kind, text] = kindAndMessage(() => store.importConversation(json));
      expect(kind, json.slice(0, 80)).toBe('invalid-argument');
      expect(text).toMatch(message);
    }
    expect(store.listConversations()).toHaveLength(1);
  });
});

/** Reads a zip back with fflate's own reader, which checks every entry's CRC. */
function unzip(archive: Buffer): Map<string, Buffer> {
  return new Map(Object.entries(unzipSync(archive)).map(([name, data]) => [name, Buffer.from(data)]));
}

describe('export all', () => {
  it('writes one zip with a JSON and a Markdown file per conversation', () => {
    const { c } = sample();
    const second = store.createConversation('Второй 💬');
    store.appendMessage({ conversationId: second.id, parentId: null, role: 'user', content: 'привет', status: 'complete' });
    const deleted = store.createConversation('Deleted');
    store.deleteConversation(deleted.id);

    const file = store.exportAll();
    expect(file).toMatchObject({ mimeType: 'application/zip', encoding: 'base64' });
    expect(file.fileName).toMatch(/^glassbox-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const files = unzip(Buffer.from(file.content, 'base64'));
    expect(files.size).toBe(4);
    const names = [...files.keys()];
    expect(names.some((n) => n.endsWith(`Второй 💬 (${second.id.slice(0, 8)}).md`))).toBe(true);
    const json = names.find((n) => n.includes(c.id.slice(0, 8)) && n.endsWith('.json')) ?? '';
    const restored = store.importConversation(files.get(json)?.toString('utf8') ?? '');
    expect(store.getConversation(restored.id).messages.map((m) => m.content)).toEqual(['How do I caramelise onions?', 'Slowly.']);
  });

  it('writes an empty but valid zip when there is nothing', () => {
    expect(unzip(Buffer.from(store.exportAll().content, 'base64')).size).toBe(0);
  });
});

