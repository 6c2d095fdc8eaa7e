import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueOutcome } from '../../../electron/services/engine-queue';
import { createServices, type Services } from '../../../electron/services/services';
import { startApiServer, type ApiServer } from '../../../electron/api-server/server';
import type { ApiRequestLog } from '../../../electron/contract/api-server';
import { createInMemoryClient, type PortClient } from '../../../electron/contract/rpc';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { listenOn } from '../../../electron/net/http-listen';
import { launchChromium } from '../../e2e/harness';
import { STORIES_260K } from '../../models';

/**
 * A web page the user happens to visit, served by another program on another loopback port, tries
 * every way a page has to make the local API generate without a CORS preflight.
 */
const ATTACK_PAGE = `<!doctype html><meta charset="utf-8"><title>a page</title><body><script>
const body = JSON.stringify({ model: 'stories260K', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 4 });
window.attack = async (api) => {
  const results = {};
  const attempt = async (name, init) => {
    try {
      const r = await fetch(api + '/v1/chat/completions', { method: 'POST', ...init });
      results[name] = r.type === 'opaque' ? 'opaque' : r.status;
    } catch (e) {
      results[name] = 'blocked';
    }
  };
  await attempt('blob without a type', { mode: 'no-cors', body: new Blob([body]) });
  await attempt('text/plain', { mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body });
  await attempt('form-urlencoded', { mode: 'no-cors', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
  await attempt('json with a preflight', { headers: { 'Content-Type': 'application/json' }, body });
  // A form posted into a hidden frame: a navigation, with text/plain.
  const frame = document.createElement('iframe');
  frame.name = 'sink';
  await new Promise((resolve) => {
    frame.onload = resolve;
    document.body.append(frame);
  });
  await new Promise((resolve) => {
    frame.onload = resolve;
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = api + '/v1/chat/completions';
    form.enctype = 'text/plain';
    form.target = 'sink';
    const input = document.createElement('input');
    input.name = body.slice(0, -1) + ', "x": "';
    input.value = '"}';
    form.append(input);
    document.body.append(form);
    form.submit();
  });
  results.form = 'sent';
  return results;
};
window.allowedChat = async (api) => {
  const r = await fetch(api + '/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  return { status: r.status, json: await r.json() };
};
</script>`;

let services: Services;
let app: PortClient & { close(): void };
let api: ApiServer;
let allowing: ApiServer;
let page: Server;
let pageOrigin = '';
let browser: Browser;
const outcomes: QueueOutcome[] = [];
const log: ApiRequestLog[] = [];

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-api-browser-'));
  services = createServices({ dataDir, mode: 'web', version: 'test', engine: new EngineHost(createNodeLauncher()) });
  app = createInMemoryClient(services.router, services.hub);
  await app.call('model.load', { path: STORIES_260K() });
  services.queue.onOutcome((o) => outcomes.push(o));
  page = createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(ATTACK_PAGE));
  pageOrigin = `http://127.0.0.1:${await listenOn(page, 0, '127.0.0.1')}`;
  const modelState = () => services.models.current;
  api = await startApiServer({ queue: services.queue, modelState, port: 0, onRequest: (e) => log.push(e) });
  allowing = await startApiServer({ queue: services.queue, modelState, port: 0, allowedOrigins: [pageOrigin] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await allowing?.close();
  page?.close();
  app?.close();
  await services?.dispose();
});

describe('the local API and web pages in a real browser', () => {
  it('generates nothing for a page on another loopback port, whatever it sends', async () => {
    const tab = await browser.newPage();
    await tab.goto(pageOrigin);
    const results = await tab.evaluate(async (base) => (window as unknown as { attack(api: string): Promise<Record<string, unknown>> }).attack(base), api.baseUrl.replace(/\/v1$/, ''));
    await tab.close();
    // Each attempt reached the server (so the test sees real refusals, not a browser that sent nothing)…
    expect(Object.keys(results).sort()).toEqual(['blob without a type', 'form', 'form-urlencoded', 'json with a preflight', 'text/plain']);
    const posts = log.filter((e) => e.method === 'POST');
    const preflights = log.filter((e) => e.method === 'OPTIONS');
    expect(posts.length, JSON.stringify(log)).toBe(4);
    expect(preflights.length).toBe(1);
    // …and every one was refused before the queue: no generation ran or waited.
    expect([...new Set(log.map((e) => e.status))]).toEqual([403]);
    expect(results['json with a preflight']).toBe('blocked');
    expect(outcomes.filter((o) => o.source.startsWith('api:'))).toEqual([]);
    expect(services.queue.stats).toMatchObject({ running: null, waiting: 0 });
  });

  it('serves a page whose origin the user allowed, which can read the answer', async () => {
    const tab = await browser.newPage();
    await tab.goto(pageOrigin);
    const answer = await tab.evaluate(
      async (base) => (window as unknown as { allowedChat(api: string): Promise<{ status: number; json: { choices: { message: { content: string } }[] } }> }).allowedChat(base),
      allowing.baseUrl.replace(/\/v1$/, ''),
    );
    await tab.close();
    expect(answer.status).toBe(200);
    expect(answer.json.choices[0]?.message.content.length).toBeGreaterThan(0);
  });
});
