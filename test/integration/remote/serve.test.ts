import { spawn, type ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../electron/services/services';
import { ScriptedEngine } from '../../../electron/bench/scripted-engine';
import type { EventPayload } from '../../../electron/contract/api';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { createInMemoryClient, type PortClient } from '../../../electron/contract/rpc';
import { isGlassboxError } from '../../../electron/contract/errors';
import { RemoteEngine } from '../../../electron/remote/remote-engine';
import { PROJECT_ROOT, STORIES_260K } from '../../models';
import { startTestServer, type TestServer } from './test-server';

/**
 * The whole path through the services (store, chat, events) with a remote engine: our own
 * `glassbox serve` in another process (real logprobs), the misbehaving test server, and
 * llama-server when LLAMA_SERVER names one. Every outgoing connection of this process is traced.
 */
async function startServe(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'serve', '--model', STORIES_260K(), '--port', '0', '--threads', '1'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [null])])) as [string | null];
  if (first === null) throw new Error(`glassbox serve exited:\n${stderr}`);
  return { url: first.trim(), child };
}

const connections: string[] = [];
const onSocket = (message: unknown): void => {
  const socket = (message as { socket: Socket }).socket;
  socket.once('connect', () => connections.push(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`));
};

let serve: { url: string; child: ChildProcess };
let bad: TestServer;
let services: Services;
let app: PortClient & { close(): void };

beforeAll(async () => {
  subscribe('net.client.socket', onSocket);
  [serve, bad] = await Promise.all([startServe(), startTestServer()]);
  services = createServices({ dataDir: mkdtempSync(join(tmpdir(), 'gb-remote-')), mode: 'web', version: 'test', engine: new ScriptedEngine(500) });
  app = createInMemoryClient(services.router, services.hub);
});

afterAll(async () => {
  unsubscribe('net.client.socket', onSocket);
  app?.close();
  await services?.dispose();
  await bad?.close();
  if (serve?.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await once(serve.child, 'exit');
  }
});

async function chat(conversationId: string, send: () => Promise<unknown>) {
  const tokens: GeneratedToken[] = [];
  const offToken = app.on('chat.tokens', (e) => {
    if (e.conversationId === conversationId) tokens.push(...e.tokens);
  });
  const ended = new Promise<EventPayload<'chat.end'>>((resolve) => {
    const off = app.on('chat.end', (e) => {
      if (e.conversationId !== conversationId) return;
      off();
      offToken();
      resolve(e);
    });
  });
  await send();
  return { end: await ended, tokens };
}

async function conversationOn(engine: string): Promise<string> {
  const conversation = await app.call('conversations.create', {});
  const detail = await app.call('conversations.setEngine', { id: conversation.id, engine });
  expect(detail.engine).toBe(engine);
  return conversation.id;
}

describe('remote engines through the services', () => {
  it('chats through `glassbox serve` with its probabilities, then switches back to the local engine', async () => {
    const { models } = await app.call('endpoints.test', { baseUrl: serve.url });
    expect(models.map((m) => m.id)).toEqual(['stories260K']);
    const endpoint = await app.call('endpoints.save', { name: 'serve', baseUrl: serve.url, model: 'stories260K', apiKey: 'not-needed-key' });
    expect(endpoint).toMatchObject({ hasApiKey: true, keyStorage: 'memory', baseUrl: serve.url });
    expect(JSON.stringify(await app.call('endpoints.list', {}))).not.toContain('not-needed-key');

    const id = await conversationOn(endpoint.id);
    const sampling = { temperature: 0, maxTokens: 8, seed: 3 };
    const { end, tokens } = await chat(id, () => app.call('chat.send', { conversationId: id, text: 'Once upon a time', sampling }));
    expect(end.status, JSON.stringify(end.error)).toBe('complete');
    expect(tokens.length).toBeGreaterThan(0);
    expect(end.stats?.probabilities).toBeUndefined();

    // The same request straight to the server: its logprobs are the probabilities the app showed.
    const direct = new RemoteEngine({ id: 'x', name: 'x', baseUrl: serve.url, model: 'stories260K', contextLength: null, apiKey: () => null });
    const reference: number[] = [];
    await direct.generate(
      { messages: [{ role: 'user', content: 'Once upon a time' }], sampling: { ...DEFAULT_SAMPLING, ...sampling }, topAlternatives: 10 },
      (batch) => reference.push(...batch.tokens.map((t) => t.p)),
    ).result;
    for (const [i, token] of tokens.slice(0, 4).entries()) {
      expect(token.p).toBeGreaterThan(0);
      expect(token.p).toBeCloseTo(reference[i]!, 6);
      expect(token.top[0]!.p).toBeGreaterThanOrEqual(token.top.at(-1)!.p);
    }
    const detail = await app.call('conversations.get', { id });
    const answer = detail.messages.at(-1)!;
    expect(answer.content).toBe(end.content);
    expect(answer.tokensOmitted).toBe(true);
    const stored = await app.call('messages.tokens', { conversationId: id, messageId: answer.id });
    expect(stored.tokens?.length).toBe(tokens.length);
    expect(answer.model?.architecture).toBe('remote');

    // What a remote engine cannot do is said, not faked.
    const user = detail.messages.at(-2)!;
    const scored = await app.call('chat.promptProbabilities', { conversationId: id, messageId: user.id }).catch((e: unknown) => e);
    expect(isGlassboxError(scored, 'remote-unsupported')).toBe(true);
    const first = stored.tokens![0]!;
    const branch = await chat(id, () =>
      app.call('chat.branchFromToken', { conversationId: id, messageId: answer.id, tokenIndex: 0, tokenId: first.top.at(-1)!.id }),
    );
    expect(branch.end.status).toBe('error');
    expect(branch.end.error?.kind).toBe('remote-unsupported');

    // Back to the local engine (scripted here): the same conversation goes on locally.
    await app.call('model.load', { path: STORIES_260K() });
    await app.call('conversations.setEngine', { id, engine: 'local' });
    const local = await chat(id, () => app.call('chat.send', { conversationId: id, text: 'And then?', sampling: { maxTokens: 3 } }));
    expect(local.end.status).toBe('complete');
    expect((await app.call('conversations.get', { id })).engine).toBe('local');
  });

  it('keeps a cut answer as interrupted and marks an answer without probabilities', async () => {
    const cutEndpoint = await app.call('endpoints.save', { name: 'cut', baseUrl: bad.baseUrl('cut'), model: 'good-model' });
    const cut = await conversationOn(cutEndpoint.id);
    const { end } = await chat(cut, () => app.call('chat.send', { conversationId: cut, text: 'hi' }));
    expect(end.status).toBe('interrupted');
    expect(end.error?.kind).toBe('remote-stream-cut');
    expect(end.content).toBe('Hello world');
    const kept = (await app.call('conversations.get', { id: cut })).messages.at(-1)!;
    expect(kept).toMatchObject({ status: 'interrupted', content: 'Hello world' });

    const plain = await app.call('endpoints.save', { name: 'plain', baseUrl: bad.baseUrl('nologprobs'), model: 'good-model' });
    const id = await conversationOn(plain.id);
    const none = await chat(id, () => app.call('chat.send', { conversationId: id, text: 'hi' }));
    expect(none.end.status).toBe('complete');
    expect(none.end.stats?.probabilities).toBe('none');
    expect((await app.call('conversations.get', { id })).messages.at(-1)!.stats?.probabilities).toBe('none');

    const auth = await app.call('endpoints.test', { baseUrl: bad.baseUrl('auth') }).catch((e: unknown) => e);
    expect(isGlassboxError(auth, 'remote-auth')).toBe(true);
    expect(await app.call('endpoints.remove', { id: plain.id })).toEqual({ removed: true });
    const orphan = await app.call('chat.send', { conversationId: id, text: 'again' }).catch((e: unknown) => e);
    expect(isGlassboxError(orphan, 'not-found')).toBe(true);
  });

  it('connected to no host but the ones configured', () => {
    const allowed = new Set([`127.0.0.1:${new URL(serve.url).port}`, `127.0.0.1:${bad.port}`]);
    expect(connections.length).toBeGreaterThan(0);
    expect(connections.filter((c) => !allowed.has(c))).toEqual([]);
  });

  it.skipIf(!process.env.LLAMA_SERVER)('chats with probabilities through llama-server (LLAMA_SERVER)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const child = spawn(process.env.LLAMA_SERVER!, ['-m', STORIES_260K(), '--host', '127.0.0.1', '--port', String(port), '-t', '1', '-c', '512'], { stdio: 'ignore' });
    try {
      const engine = new RemoteEngine({ id: 'l', name: 'llama-server', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'stories260K', contextLength: null, apiKey: () => null });
      let facts = null;
      for (let i = 0; i < 100 && facts === null; i++) {
        facts = await engine.load('', { threads: null, gpu: 'auto', contextSize: null }).catch(async () => {
          await new Promise((r) => setTimeout(r, 300));
          return null;
        });
      }
      const tokens: number[] = [];
      const result = await engine.generate(
        { messages: [{ role: 'user', content: 'Once upon a time' }], sampling: { ...DEFAULT_SAMPLING, maxTokens: 8 }, topAlternatives: 5 },
        (batch) => tokens.push(...batch.tokens.map((t) => t.p)),
      ).result;
      expect(result.probabilities).toBe('exact');
      expect(tokens.length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
