import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CALL_NAMES } from '../../../electron/contract/api';
import { WEB_SOCKET_PATH } from '../../../electron/contract/bridge';
import { EventHub, Router, type Handlers } from '../../../electron/contract/rpc';
import { startWebServer, type WebServer } from '../../../electron/web/server';

const hub = new EventHub();
const base = Object.fromEntries(CALL_NAMES.map((n) => [n, async () => []])) as unknown as Handlers;
const router = new Router({ ...base, 'conversations.list': async () => [] });
let server: WebServer;
const SECRET = 'a file beside the renderer folder, never served';

beforeAll(async () => {
  // The served folder is renderer/ inside a folder that holds a real file one level up.
  const parent = mkdtempSync(join(tmpdir(), 'gb-web-'));
  const dir = join(parent, 'renderer');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(parent, 'secret.txt'), SECRET);
  server = await startWebServer({ router, hub, rendererDir: dir });
});
afterAll(() => server.close());

/** A raw GET: node's client sends the path as written, `..` and all. */
function get(path: string, host?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function socket(query: string, origin?: string): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${server.port}${WEB_SOCKET_PATH}${query}`, origin ? { origin } : {});
}

/** Resolves with the next `n` messages the socket receives. */
function nextMessages(ws: WebSocket, n: number): Promise<Record<string, unknown>[]> {
  const received: Record<string, unknown>[] = [];
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      received.push(JSON.parse(data.toString()) as Record<string, unknown>);
      if (received.length < n) return;
      ws.off('message', onMessage);
      resolve(received);
    };
    ws.on('message', onMessage);
  });
}

/**
 * Two ping/pong round trips: the server has handled every frame sent before, and whatever it wrote
 * in answer (even a microtask later) precedes the second pong on the same connection.
 */
async function drained(ws: WebSocket): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const pong = new Promise((resolve) => ws.once('pong', resolve));
    ws.ping();
    await pong;
  }
}

function refusal(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('web mode server', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('serves the renderer with security headers', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get('/', 'evil.example')).status).toBe(421);
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '/x/../../secret.txt', '/.%2e/secret.txt'])(
    'does not serve an existing file outside the renderer: %s',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.body).not.toContain(SECRET);
    },
  );

  it('serves files inside the renderer by the same raw paths', async () => {
    expect((await get('/index.html')).status).toBe(200);
    expect((await get('/x/../index.html')).status).toBe(200);
  });

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    expect(await refusal(socket(''))).toBe(401);
    expect(await refusal(socket('?token=wrong'))).toBe(401);
    expect(await refusal(socket(`?token=${server.token}`, 'http://evil.example'))).toBe(403);
  });

  it('answers calls and pushes events over an authorised socket', async () => {
    const ws = socket(`?token=${server.token}`, `http://127.0.0.1:${server.port}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const results = nextMessages(ws, 2);
    ws.send(JSON.stringify({ type: 'call', id: 1, name: 'conversations.list', args: {} }));
    ws.send(JSON.stringify({ type: 'call', id: 2, name: 'model.load', args: { path: 3 } }));
    const answers = await results;
    expect(answers).toContainEqual({ type: 'result', id: 1, ok: true, value: [] });
    expect(answers).toContainEqual(expect.objectContaining({ type: 'result', id: 2, ok: false }));
    const event = nextMessages(ws, 1);
    hub.emit('engine.crashed', { message: 'test' });
    expect(await event).toEqual([{ type: 'event', name: 'engine.crashed', payload: { message: 'test' } }]);
    ws.close();
  });

  it('answers a malformed upgrade request with 400 and keeps serving', async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const raw = connect(server.port, '127.0.0.1', () => {
        raw.write(
          `GET http://x:99999/rpc HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
      let text = '';
      raw.on('data', (chunk) => (text += chunk.toString()));
      raw.on('close', () => resolve(text));
      raw.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await get('/')).status).toBe(200);
  });

  it('closes a socket that sends something that is not a call', async () => {
    const ws = socket(`?token=${server.token}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send('{not json');
    expect(await code).toBe(1007);
  });
});

describe('web mode server while the services start', () => {
  it('serves the page at once and answers calls made meanwhile, in order, once the services are up', async () => {
    let provide: (backend: { router: Router; hub: EventHub }) => void = () => {};
    const backend = new Promise<{ router: Router; hub: EventHub }>((resolve) => (provide = resolve));
    const dir = mkdtempSync(join(tmpdir(), 'gb-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const early = await startWebServer({ backend, rendererDir: dir });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port: early.port, path: '/' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);

      const ws = new WebSocket(`ws://127.0.0.1:${early.port}${WEB_SOCKET_PATH}?token=${early.token}`);
      await new Promise((resolve) => ws.once('open', resolve));
      // Each message remembers whether the services were up when it arrived.
      let provided = false;
      const beforeUp: unknown[] = [];
      ws.on('message', (data) => {
        if (!provided) beforeUp.push(JSON.parse(data.toString()));
      });
      const answers = nextMessages(ws, 3);
      for (let id = 1; id <= 3; id += 1) ws.send(JSON.stringify({ type: 'call', id, name: 'conversations.list', args: {} }));
      await drained(ws);
      expect(beforeUp).toEqual([]);

      const lateHub = new EventHub();
      provided = true;
      provide({ router, hub: lateHub });
      const messages = await answers;
      expect(messages.map((m) => m.id)).toEqual([1, 2, 3]);
      expect(messages.every((m) => m.ok === true)).toBe(true);
      // The socket subscribes to the late hub once it is there: a round trip later it hears its events.
      await drained(ws);
      const event = nextMessages(ws, 1);
      lateHub.emit('engine.crashed', { message: 'late' });
      expect(await event).toEqual([{ type: 'event', name: 'engine.crashed', payload: { message: 'late' } }]);
      ws.close();
    } finally {
      await early.close();
    }
  });

  it('answers with an error when the services could not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const failed = await startWebServer({ backend: Promise.reject(new Error('database is newer')), rendererDir: dir });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${failed.port}${WEB_SOCKET_PATH}?token=${failed.token}`);
      await new Promise((resolve) => ws.once('open', resolve));
      const answer = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
      ws.send(JSON.stringify({ type: 'call', id: 7, name: 'conversations.list', args: {} }));
      expect(await answer).toEqual({
        type: 'result',
        id: 7,
        ok: false,
        error: { kind: 'internal', message: 'Glassbox could not start: database is newer' },
      });
      ws.close();
    } finally {
      await failed.close();
    }
  });
});
