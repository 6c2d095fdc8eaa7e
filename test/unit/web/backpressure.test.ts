import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CALL_NAMES } from '../../../electron/contract/api';
import { WEB_SOCKET_PATH } from '../../../electron/contract/bridge';
import { EventHub, Router, type Handlers } from '../../../electron/contract/rpc';
import type { GeneratedToken } from '../../../electron/contract/token';
import { MAX_BATCH_TOKENS } from '../../../electron/contract/token-batch';
import { DEFAULT_LIMITS } from '../../../electron/web/socket-sender';
import { startWebServer, type WebServer } from '../../../electron/web/server';

// Web mode with a tab that stops reading (its socket paused, as a frozen or throttled tab leaves
// it): the server's memory for it stays bounded while an answer streams on, and once the tab reads
// again it gets every token of the answer, in order, exactly once, then the answer's end. Tokens
// travel in batches ('chat.tokens'), as the engine sends them; the catch-up is batches too.

const hub = new EventHub();
const router = new Router(Object.fromEntries(CALL_NAMES.map((n) => [n, async () => []])) as unknown as Handlers);
/** The answer being written, as the chat service holds it. */
const answer: GeneratedToken[] = [];
let server: WebServer;

beforeAll(async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gb-bp-')), 'renderer');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  server = await startWebServer({ router, hub, rendererDir: dir, tokensSince: (messageId, from) => (messageId === 'm1' ? answer.slice(from) : null) });
});
afterAll(() => server.close());

const TOKENS = 60_000;
/** Tokens per streamed event, about what the engine batches for a fast small model. */
const BATCH = 20;
const alternatives = Array.from({ length: 10 }, (_, i) => ({ id: i, text: ` word${i}`, p: 0.05 }));

it('holds a stalled tab to bounded memory, then catches it up with every token once', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEB_SOCKET_PATH}?token=${server.token}`);
  await new Promise((resolve) => ws.once('open', resolve));
  const indexes: number[] = [];
  const frameSizes: number[] = [];
  let ended = false;
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { name?: string; payload?: { first?: number; tokens?: unknown[] } };
    const { first, tokens } = message.payload ?? {};
    if (message.name === 'chat.tokens' && typeof first === 'number' && Array.isArray(tokens)) {
      frameSizes.push(tokens.length);
      tokens.forEach((_, i) => indexes.push(first + i));
    }
    if (message.name === 'chat.end') ended = true;
  });
  // The hub subscription is made once the (already resolved) services are seen.
  await new Promise((resolve) => setTimeout(resolve, 20));
  ws.pause();

  let peak = 0;
  let streamedBytes = 0;
  for (let first = 0; first < TOKENS; first += BATCH) {
    const tokens = Array.from({ length: BATCH }, (_, i) => ({ id: (first + i) % 500, text: ` t${first + i}`, p: 0.5, top: alternatives }));
    answer.push(...tokens);
    const payload = { conversationId: 'c1', messageId: 'm1', first, tokens };
    streamedBytes += JSON.stringify(payload).length;
    hub.emit('chat.tokens', payload);
    if (first % 1000 === 0) {
      // Let the socket write what the kernel takes, as a real stream leaves it time to.
      await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, server.pendingBytes);
    }
  }
  hub.emit('chat.end', { conversationId: 'c1', messageId: 'm1', status: 'complete', content: '', stats: null, error: null });
  peak = Math.max(peak, server.pendingBytes);
  expect(streamedBytes).toBeGreaterThan(16 * DEFAULT_LIMITS.highWater);
  // Bounded by the high-water mark (plus the message that crossed it), not by what was streamed.
  expect(peak).toBeLessThan(2 * DEFAULT_LIMITS.highWater);

  ws.resume();
  const deadline = Date.now() + 20_000;
  while (!ended && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(ended).toBe(true);
  expect(indexes.length).toBe(TOKENS);
  expect(indexes.every((value, i) => value === i)).toBe(true);
  // The catch-up came as batches (at most MAX_BATCH_TOKENS each), not a frame per missed token.
  expect(frameSizes.length).toBeLessThan(TOKENS / BATCH);
  expect(Math.max(...frameSizes)).toBeLessThanOrEqual(MAX_BATCH_TOKENS);
  expect(server.pendingBytes).toBe(0);
  ws.close();
}, 60_000);
