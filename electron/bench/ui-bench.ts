/// <reference lib="dom" />
import { spawn } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { CHROMIUM } from '../../test/chromium';
import { writeGguf } from '../../test/fixtures/gguf-writer';
import { presetModel } from '../../test/fixtures/synthetic-models';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServices } from '../services/services';
import { outDir } from '../cli/paths';
import type { GeneratedToken } from '../contract/token';
import { SECURITY_HEADERS } from '../web/csp';
import { startWebServer } from '../web/server';
import { median, percentile } from './stats';
import type { BenchContext, BenchSection } from './section';
import { ScriptedEngine } from './scripted-engine';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/**
 * The renderer under load: a long conversation open while an answer streams at 100 tokens/s from
 * a scripted engine (the renderer is what is measured), and web mode's time to an interactive page.
 */
export const uiBench: BenchSection = {
  name: 'ui',
  async run(context) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const stream = await streamFrames(context, browser);
      const startup = await startupTimes(context, browser, context.quick ? 2 : 5);
      const overheads = startup.app.map((t, i) => t - (startup.bare[i] ?? Number.NaN)).filter(Number.isFinite);
      return {
        streamFrameP95Ms: round(stream.p95),
        streamFrameMedianMs: round(stream.median),
        streamFrames: stream.frames,
        streamMessages: stream.messages,
        startupMs: round(median(startup.app)),
        startupBarePageMs: round(median(startup.bare)),
        startupAppOverheadMs: round(median(overheads)),
      };
    } finally {
      await browser.close();
    }
  },
};


async function streamFrames(context: BenchContext, browser: Browser): Promise<{ p95: number; median: number; frames: number; messages: number }> {
  const dataDir = join(context.workDir, 'ui-stream');
  mkdirSync(dataDir, { recursive: true });
  // A real (tiny, synthetic) GGUF header: the model service checks it before any engine sees it.
  const modelPath = join(dataDir, 'scripted.gguf');
  await writeGguf(modelPath, presetModel('llama'), { mode: 'sparse' });
  const services = createServices({ dataDir, mode: 'web', version: 'bench', engine: new ScriptedEngine(100) });
  const pairs = context.quick ? 200 : 1000;
  seedConversation(services.store, pairs);
  await services.models.load(modelPath);
  const server = await startWebServer({ router: services.router, hub: services.hub, rendererDir: join(outDir(), 'renderer') });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(server.url);
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('main li, main article').length > 0, undefined, { timeout: 60_000 });
    await message.fill('Tell me a story');
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __recording: boolean };
      w.__frames = [];
      w.__recording = true;
      let last = performance.now();
      const tick = (now: number): void => {
        w.__frames.push(now - last);
        last = now;
        if (w.__recording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForTimeout(context.quick ? 2000 : 5000);
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __recording: boolean };
      w.__recording = false;
      return w.__frames.slice(2);
    });
    context.log(`ui: ${frames.length} frames while streaming into a ${pairs * 2}-message conversation`);
    return { p95: percentile(frames, 0.95), median: median(frames), frames: frames.length, messages: pairs * 2 };
  } finally {
    await page.close();
    await server.close();
    await services.dispose();
  }
}

/** Writes a conversation of `pairs` prompts and answers, each answer with its tokens and alternatives. */
function seedConversation(store: ReturnType<typeof createServices>['store'], pairs: number): void {
  const conversation = store.createConversation('A long conversation');
  let parentId: string | null = null;
  for (let i = 0; i < pairs; i += 1) {
    const user = store.appendMessage({ conversationId: conversation.id, parentId, role: 'user', content: `Question ${i}: what happened next in the story?`, status: 'complete' });
    const answer = store.appendMessage({ conversationId: conversation.id, parentId: user.id, role: 'assistant', content: '', status: 'streaming' });
    const tokens: GeneratedToken[] = Array.from({ length: 60 }, (_, k) => ({
      id: k,
      text: k % 12 === 11 ? '.\n\n' : ` word${k}`,
      p: 0.5,
      top: [{ id: k, text: ` word${k}`, p: 0.5 }, { id: k + 1, text: ' and', p: 0.2 }],
    }));
    store.finishMessage(answer.id, { content: tokens.map((t) => t.text).join(''), tokens, status: 'complete', stats: null, error: null });
    parentId = answer.id;
  }
}

/** What a start-up run measured, in ms from spawning the server. */
interface StartupRun {
  total: number;
  steps: string;
}

/**
 * From starting `glassbox web` to a page where the message box is ready, in a browser already
 * running; alternated with the same steps against a bare page (a Node HTTP server sending the same
 * security headers and a page with only a message box and a button), so that what the browser and
 * the harness cost on this machine is measured beside what the app adds. The log line splits each
 * run into its steps, which the figures do not.
 */
async function startupTimes(context: BenchContext, browser: Browser, runs: number): Promise<{ app: number[]; bare: number[] }> {
  const bin = process.argv[1];
  if (!bin) throw new Error('Cannot find the glassbox command to start web mode.');
  const bareServer = join(context.workDir, 'bare-page-server.mjs');
  writeFileSync(bareServer, BARE_PAGE_SERVER);
  const app: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    // Alternating which goes first cancels slow drifts in background load.
    const order = run % 2 === 0 ? (['app', 'bare'] as const) : (['bare', 'app'] as const);
    for (const which of order) {
      const args = which === 'app' ? [bin, 'web', '--data-dir', join(context.workDir, `ui-startup-${run}`)] : [bareServer, JSON.stringify(SECURITY_HEADERS)];
      const measured = await startOnce(browser, args, which === 'app');
      (which === 'app' ? app : bare).push(measured.total);
      context.log(`ui: startup ${which} (ms from spawn): ${measured.steps}`);
    }
  }
  context.log(`ui: startup app ${app.map((t) => t.toFixed(0)).join(', ')} ms; bare page ${bare.map((t) => t.toFixed(0)).join(', ')} ms`);
  return { app, bare };
}

/** `socket`: whether the page opens a WebSocket whose first answer is worth waiting for (the bare page has none). */
async function startOnce(browser: Browser, args: string[], socket: boolean): Promise<StartupRun> {
  const started = performance.now();
  const since = (): string => (performance.now() - started).toFixed(0);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`${args[1] ?? 'server'} exited with ${code}`)));
    });
    const urlAt = since();
    const page = await browser.newPage();
    const pageAt = since();
    // The first answer on the socket: when the services are up and the page has its data.
    const answered = new Promise<string>((resolve) => {
      page.on('websocket', (socket) => socket.once('framereceived', () => resolve(since())));
    });
    await page.goto(url);
    const loadedAt = since();
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'New chat' }).waitFor({ state: 'visible' });
    const total = performance.now() - started;
    const readyAt = since();
    const answeredAt = await Promise.race([answered, new Promise<string>((resolve) => setTimeout(() => resolve('-'), socket ? 10_000 : 0))]);
    await page.close();
    return { total, steps: `url ${urlAt}, page ${pageAt}, loaded ${loadedAt}, ready ${readyAt}, first socket answer ${answeredAt}` };
  } finally {
    child.kill('SIGTERM');
  }
}

/** The baseline's server: no app, the same headers, a page with only what the bench waits for. */
const BARE_PAGE_SERVER = `
import { createServer } from 'node:http';
const headers = JSON.parse(process.argv[2]);
const page = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Glassbox</title></head>' +
  '<body><button type="button">New chat</button><textarea aria-label="Message"></textarea></body></html>';
const server = createServer((request, response) => {
  response.writeHead(request.url === '/' ? 200 : 404, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
  response.end(request.url === '/' ? page : '');
});
server.listen(0, '127.0.0.1', () => process.stdout.write('http://127.0.0.1:' + server.address().port + '/\\n'));
`;

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
