import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../electron/services/services';
import type { EventPayload } from '../../../electron/contract/api';
import { createInMemoryClient, type PortClient } from '../../../electron/contract/rpc';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import type { GeneratedToken } from '../../../electron/contract/token';
import { openStore } from '../../../electron/store/sqlite-store';
import { STORIES_260K } from '../../models';

type End = EventPayload<'chat.end'>;
type TokensEvent = EventPayload<'chat.tokens'>;

/** Whether the answer's token `index` has streamed once this batch has. */
const reached = (event: TokensEvent, index: number): boolean => event.first + event.tokens.length > index;

let services: Services;
let client: PortClient & { close(): void };
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gb-chat-'));
  services = createServices({ dataDir, mode: 'web', version: 'test', engine: new EngineHost(createNodeLauncher()) });
  client = createInMemoryClient(services.router, services.hub);
  await client.call('model.load', { path: STORIES_260K() });
});

afterAll(async () => {
  client.close();
  await services.dispose();
});

/** Sends a prompt and collects its streamed batches (and their tokens, in order) until the answer ends. */
async function ask(conversationId: string, text: string, maxTokens = 40, onTokens?: (e: TokensEvent) => void) {
  const batches: TokensEvent[] = [];
  const tokens: GeneratedToken[] = [];
  let offToken = (): void => {};
  const ended = new Promise<End>((resolve) => {
    const offEnd = client.on('chat.end', (e) => {
      if (e.conversationId !== conversationId) return;
      offEnd();
      offToken();
      resolve(e);
    });
  });
  offToken = client.on('chat.tokens', (e) => {
    if (e.conversationId !== conversationId) return;
    batches.push(e);
    tokens.push(...e.tokens);
    onTokens?.(e);
  });
  const sent = await client.call('chat.send', { conversationId, text, sampling: { temperature: 0, maxTokens } });
  return { sent, batches, tokens, end: await ended };
}

describe('a prompt through the real engine into SQLite', () => {
  it('streams tokens with probabilities and saves them with the answer', async () => {
    const conversation = await client.call('conversations.create', {});
    const { sent, tokens, end } = await ask(conversation.id, 'Once upon a time');

    expect(end.status).toBe('complete');
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.map((t) => t.text).join('')).toBe(end.content);
    for (const token of tokens) {
      expect(token.p).toBeGreaterThan(0);
      expect(token.p).toBeLessThanOrEqual(1);
      expect(token.top.length).toBeGreaterThan(0);
      const ps = token.top.map((a) => a.p);
      expect([...ps].sort((a, b) => b - a)).toEqual(ps);
      // temperature 0 is greedy: the chosen token is the most probable one.
      expect(token.top[0]?.id).toBe(token.id);
    }

    const saved = await client.call('conversations.get', { id: conversation.id });
    expect(saved.title).toBe('Once upon a time');
    expect(saved.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const answer = saved.messages[1];
    expect(answer?.id).toBe(sent.assistantMessage.id);
    expect(answer?.status).toBe('complete');
    expect(answer?.content).toBe(end.content);
    expect(answer?.tokensOmitted).toBe(true);
    const fetched = await client.call('messages.tokens', { conversationId: conversation.id, messageId: sent.assistantMessage.id });
    expect(fetched.tokens).toEqual(tokens);
    expect(answer?.stats?.tokens).toBe(tokens.length);
    expect(answer?.stats?.ttftMs).toBeGreaterThan(0);
    expect(answer?.model?.fileName).toBe('stories260K.gguf');
    expect(answer?.sampling?.temperature).toBe(0);
  });

  it('streams a fast answer in fewer chat.tokens events than tokens, contiguous and complete', async () => {
    const conversation = await client.call('conversations.create', {});
    // Greedy stories260K runs to 200 tokens at ~2,000 tokens/s: the worker's batcher groups
    // what comes within 16 ms, and every hop after it keeps a batch as one event.
    const { batches, tokens, end } = await ask(conversation.id, 'Once upon a time', 200);
    expect(end.status).toBe('complete');
    const count = end.stats?.tokens ?? 0;
    expect(count).toBeGreaterThanOrEqual(100);
    expect(tokens).toHaveLength(count);
    let next = 0;
    for (const batch of batches) {
      expect(batch.first).toBe(next);
      expect(batch.tokens.length).toBeGreaterThan(0);
      next += batch.tokens.length;
    }
    expect(next).toBe(count);
    expect(tokens.map((t) => t.text).join('')).toBe(end.content);
    console.log(`stories260K: ${count} tokens in ${batches.length} chat.tokens events (${(count / batches.length).toFixed(1)} a batch)`);
    // At the very least two a batch on average; one event per token was the old path.
    expect(batches.length * 2).toBeLessThanOrEqual(count);
  });

  it('reuses the KV cache on the second turn', async () => {
    const conversation = await client.call('conversations.create', {});
    const first = await ask(conversation.id, 'Once upon a time', 20);
    const second = await ask(conversation.id, 'Then what happened?', 20);
    const s1 = first.end.stats;
    const s2 = second.end.stats;
    expect(s1 && s2).toBeTruthy();
    if (!s1 || !s2) return;
    // Turn 2 evaluates only what is new: at most the new prompt and the template around it,
    // never the first turn again.
    expect(s2.promptTokens).toBeGreaterThan(s1.promptTokens + first.tokens.length);
    expect(s2.evaluatedPromptTokens).toBeLessThan(s2.promptTokens - s1.promptTokens);
    const saved = await client.call('conversations.get', { id: conversation.id });
    expect(saved.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('stops on request and keeps what was written', async () => {
    const conversation = await client.call('conversations.create', {});
    let stopped = false;
    const { end } = await ask(conversation.id, 'Once upon a time', 2000, (e) => {
      if (reached(e, 3) && !stopped) {
        stopped = true;
        void client.call('chat.stop', { conversationId: conversation.id });
      }
    });
    expect(end.status).toBe('stopped');
    const saved = await client.call('conversations.get', { id: conversation.id });
    expect(saved.messages[1]?.status).toBe('stopped');
    const kept = await client.call('messages.tokens', { conversationId: conversation.id, messageId: saved.messages[1]?.id ?? '' });
    expect(kept.tokens?.length).toBeGreaterThanOrEqual(4);
  });

  it('keeps a half-written answer as interrupted when the engine dies, and answers the next prompt', async () => {
    const conversation = await client.call('conversations.create', {});
    const crashed = new Promise<string>((resolve) => {
      const off = client.on('engine.crashed', (e) => {
        off();
        resolve(e.message);
      });
    });
    let killed = false;
    const { end, tokens } = await ask(conversation.id, 'Once upon a time', 2000, (e) => {
      if (reached(e, 5) && !killed) {
        killed = true;
        const pid = services.engine.pid;
        if (pid) process.kill(pid, 'SIGKILL');
      }
    });
    expect(killed).toBe(true);
    expect(await crashed).toMatch(/engine/i);
    expect(end.status).toBe('interrupted');
    expect(end.error?.kind).toBe('engine-crashed');
    const saved = await client.call('conversations.get', { id: conversation.id });
    const partial = saved.messages[1];
    expect(partial?.status).toBe('interrupted');
    expect(partial?.content).toBe(tokens.map((t) => t.text).join(''));
    expect(partial?.content.length).toBeGreaterThan(0);

    const next = await ask(conversation.id, 'Tell me another story', 10);
    expect(next.end.status).toBe('complete');
    expect(next.tokens.length).toBeGreaterThan(0);
  });

  it('stops the answer of a conversation that is deleted while it is written', async () => {
    const conversation = await client.call('conversations.create', {});
    let deleted = false;
    const { end } = await ask(conversation.id, 'Once upon a time', 2000, (e) => {
      if (reached(e, 3) && !deleted) {
        deleted = true;
        void client.call('conversations.delete', { id: conversation.id });
      }
    });
    expect(deleted).toBe(true);
    expect(end.status).toBe('stopped');
    // Purged for good: the app keeps working and the next answer elsewhere is fine.
    services.store.purgeDeleted(0);
    const other = await client.call('conversations.create', {});
    expect((await ask(other.id, 'Once upon a time', 5)).end.status).toBe('complete');
  });

  it('refuses a prompt while another answer is being written', async () => {
    const conversation = await client.call('conversations.create', {});
    const running = ask(conversation.id, 'Once upon a time', 200);
    await new Promise((r) => setTimeout(r, 20));
    await expect(client.call('chat.send', { conversationId: conversation.id, text: 'again' })).rejects.toMatchObject({ kind: 'busy' });
    await client.call('chat.stop', { conversationId: conversation.id });
    await running;
  });

  it('survives a restart: the history is read back from the SQLite file', async () => {
    const conversation = await client.call('conversations.create', {});
    const { end } = await ask(conversation.id, 'Once upon a time', 10);
    await services.chat.settled();
    const store = openStore(join(dataDir, 'glassbox.sqlite'));
    try {
      const reopened = store.getConversation(conversation.id);
      expect(reopened.messages[1]?.content).toBe(end.content);
      expect(store.messageTokens(conversation.id, reopened.messages[1]?.id ?? '')?.length).toBe(end.stats?.tokens);
    } finally {
      store.close();
    }
  });
});

describe('errors a user can act on', () => {
  it('says when no model is loaded', async () => {
    const fresh = createServices({
      dataDir: mkdtempSync(join(tmpdir(), 'gb-nomodel-')),
      mode: 'web',
      version: 'test',
      engine: new EngineHost(createNodeLauncher()),
    });
    const c = createInMemoryClient(fresh.router, fresh.hub);
    try {
      const conversation = await c.call('conversations.create', {});
      await expect(c.call('chat.send', { conversationId: conversation.id, text: 'hi' })).rejects.toMatchObject({ kind: 'no-model' });
      await expect(c.call('model.load', { path: '/nonexistent/model.gguf' })).rejects.toMatchObject({ kind: 'not-found' });
      await expect(c.call('conversations.get', { id: 'missing' })).rejects.toMatchObject({ kind: 'not-found' });
    } finally {
      c.close();
      await fresh.dispose();
    }
  });
});
