/// <reference lib="dom" />
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT, STORIES_260K } from '../models';
import { launchChromium, startWebMode, type WebMode } from './harness';

let web: WebMode;
let browser: Browser;
let serve: ChildProcess;
let serveUrl: string;

beforeAll(async () => {
  serve = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'serve', '--model', STORIES_260K(), '--port', '0', '--threads', '1'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [line] = (await once(createInterface({ input: serve.stdout! }), 'line')) as [string];
  serveUrl = line.trim();
  web = await startWebMode(['--model', STORIES_260K()]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await once(serve, 'exit');
  }
});

interface Seen {
  tokens: { messageId: string; p: number }[];
  ended: { messageId: string; status: string }[];
  errors: string[];
}

function watch(page: Page): Seen {
  const seen: Seen = { tokens: [], ended: [], errors: [] };
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(payload.toString()) as { type?: string; name?: string; payload?: unknown };
      if (frame.type !== 'event') return;
      if (frame.name === 'chat.tokens') {
        const e = frame.payload as { messageId: string; tokens: { p: number }[] };
        for (const token of e.tokens) seen.tokens.push({ messageId: e.messageId, p: token.p });
      }
      if (frame.name === 'chat.end') seen.ended.push(frame.payload as { messageId: string; status: string });
    });
  });
  return seen;
}

describe('remote engines in the browser', () => {
  it('adds an endpoint, chats through it with probabilities, and switches back to the local engine', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const seen = watch(page);
    await page.goto(web.url);
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/llama/i);
    await page.getByRole('button', { name: 'New chat' }).click();

    // Models › Engines: add `glassbox serve` as an endpoint.
    await page.getByRole('button', { name: 'Models…' }).click();
    await page.getByLabel('Endpoint name').fill('Serve');
    await page.getByLabel('Endpoint base URL').fill(serveUrl);
    await page.getByRole('button', { name: 'Connect and list models' }).click();
    await expect.poll(() => page.getByLabel('Endpoint model').inputValue()).toBe('stories260K');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Remote endpoints' }).textContent()).toMatch(/Serve/);
    await page.getByRole('dialog', { name: 'Models' }).getByRole('button', { name: 'Close' }).click();

    // The chat header's picker: this conversation uses the endpoint.
    const picker = page.getByLabel('Engine', { exact: true });
    await expect.poll(() => picker.locator('option').count()).toBe(2);
    await picker.selectOption({ label: 'Serve · stories260K' });
    await expect.poll(() => panel.textContent()).toMatch(/This chat uses\s*Serve/);

    await page.getByRole('tab', { name: 'Sampling' }).click();
    await page.getByLabel('Max tokens', { exact: true }).fill('16');
    await page.getByLabel('Max tokens', { exact: true }).press('Tab');
    await page.waitForTimeout(500);

    await page.getByRole('textbox', { name: 'Message' }).fill('Once upon a time');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => seen.ended.length, { timeout: 60_000 }).toBe(1);
    expect(seen.ended[0]!.status).toBe('complete');
    const remote = seen.tokens.filter((t) => t.messageId === seen.ended[0]!.messageId);
    expect(remote.length).toBeGreaterThan(0);
    expect(remote.every((t) => t.p > 0 && t.p <= 1)).toBe(true);
    expect(remote.some((t) => t.p < 1)).toBe(true);

    await page.getByRole('button', { name: 'Show probabilities' }).first().click();
    await expect.poll(() => page.locator('main [role="group"][aria-label^="Answer coloured"] .tok').count()).toBe(remote.length);
    expect(await page.getByText('This server returned no probabilities').count()).toBe(0);

    // Back to the local engine for the next answer.
    await picker.selectOption({ label: 'Local model' });
    await page.waitForTimeout(300);
    await page.getByRole('textbox', { name: 'Message' }).fill('And then?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => seen.ended.length, { timeout: 60_000 }).toBe(2);
    expect(seen.ended[1]!.status).toBe('complete');
    await page.reload();
    await expect.poll(() => page.getByLabel('Engine', { exact: true }).inputValue(), { timeout: 30_000 }).toBe('local');
    expect(seen.errors).toEqual([]);
  });
});
