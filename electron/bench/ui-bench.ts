/// <reference lib="dom" />
import { spawn } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { writeGguf } from '../../test/fixtures/gguf-writer';
import { presetModel } from '../../test/fixtures/synthetic-models';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServices } from '../app/services';
import { outDir } from '../cli/paths';
import type { GeneratedToken } from '../contract/token';
import { startWebServer } from '../web/server';
import { median, percentile } from './stats';
import type { BenchContext, BenchSection } from './section';
import { ScriptedEngine } from './scripted-engine';

const CHROMIUM = process.env.GLASSBOX_CHROMIUM ?? '/usr/bin/chromium';
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
      return {
        streamFrameP95Ms: round(stream.p95),
        streamFrameMedianMs: round(stream.median),
        streamFrames: stream.frames,
        streamMessages: stream.messages,
        startupMs: round(median(startup)),
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

/**
 * From starting `glassbox web` to a page where the message box is ready, in a browser already
 * running. The log line splits each run into its steps, which the figure itself does not.
 */
async function startupTimes(context: BenchContext, browser: Browser, runs: number): Promise<number[]> {
  const bin = process.argv[1];
  if (!bin) throw new Error('Cannot find the glassbox command to start web mode.');
  const times: number[] = [];
  const steps: string[] = [];
  for (let run = 0; run < runs; run += 1) {
    const dataDir = join(context.workDir, `ui-startup-${run}`);
    const started = performance.now();
    const since = (): string => (performance.now() - started).toFixed(0);
    const child = spawn(process.execPath, [bin, 'web', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`web mode exited with ${code}`)));
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
      times.push(performance.now() - started);
      const readyAt = since();
      const answeredAt = await Promise.race([answered, new Promise<string>((resolve) => setTimeout(() => resolve('-'), 10_000))]);
      steps.push(`url ${urlAt}, page ${pageAt}, loaded ${loadedAt}, ready ${readyAt}, first answer ${answeredAt}`);
      await page.close();
    } finally {
      child.kill('SIGTERM');
    }
  }
  context.log(`ui: startup ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  for (const line of steps) context.log(`ui: startup steps (ms from spawn): ${line}`);
  return times;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
