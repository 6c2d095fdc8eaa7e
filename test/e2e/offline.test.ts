/// <reference lib="dom" />
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, STORIES_260K } from '../models';
import { launchChromium } from './harness';

/**
 * The app makes no network request until the user asks for a download. Web mode (and the engine
 * process it forks) runs with a preload that logs, and refuses, every connection or DNS lookup that
 * is not for this machine; Chromium's requests are recorded too. Start-up, the first-run catalogue,
 * loading a model and chatting must leave the log empty and every request on the 127.0.0.1 origin.
 */

const GUARD = join(PROJECT_ROOT, 'test', 'fixtures', 'net-guard.cjs');
const work = mkdtempSync(join(tmpdir(), 'gb-offline-'));
const NET_LOG = join(work, 'net.log');
const PIDS = join(work, 'pids.log');
let child: ChildProcess;
let url = '';
let stderr = '';
let browser: Browser;

function guardedEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${GUARD}`.trim(),
    GLASSBOX_NET_LOG: NET_LOG,
    GLASSBOX_NET_GUARD_PIDS: PIDS,
    // Make sure nothing would be pointed elsewhere by the test machine's environment.
    GLASSBOX_HF_ENDPOINT: '',
  };
}

beforeAll(async () => {
  child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'web', '--data-dir', join(work, 'data'), '--threads', '1'], {
    cwd: PROJECT_ROOT,
    env: guardedEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode printed no URL:\n${stderr}`)), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code}:\n${stderr}`)));
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
});

describe('offline by default', () => {
  it('the guard itself catches and refuses outbound connections and lookups', () => {
    const probe = `
      const net = require('node:net'); const dns = require('node:dns');
      dns.lookup('example.com', () => {});
      net.connect(443, '203.0.113.7').on('error', () => {});
      setTimeout(() => {}, 50);`;
    const log = join(work, 'probe.log');
    const run = spawnSync(process.execPath, ['-e', probe], { env: { ...guardedEnv(), GLASSBOX_NET_LOG: log, GLASSBOX_NET_GUARD_PIDS: join(work, 'probe-pids.log') }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8');
    expect(lines).toMatch(/dns example\.com/);
    expect(lines).toMatch(/connect 203\.0\.113\.7:443/);
  });

  it('makes no request beyond 127.0.0.1 at start-up, in the first-run catalogue, while loading and chatting', async () => {
    const origin = new URL(url).origin;
    const requests: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (request) => requests.push(request.url()));
    let ended = false;
    page.on('websocket', (socket) => {
      requests.push(socket.url());
      socket.on('framereceived', ({ payload }) => {
        if (payload.toString().includes('"name":"chat.end"')) ended = true;
      });
    });
    await page.goto(url);

    // First run: the catalogue is shown from static data, with the recommended model first.
    const firstRun = page.getByRole('region', { name: 'Choose a model to start' });
    await expect.poll(() => firstRun.textContent(), { timeout: 30_000 }).toMatch(/Llama 3\.2 1B Instruct/);
    const text = (await firstRun.textContent()) ?? '';
    expect(text).toMatch(/Recommended/);
    expect(text).toMatch(/Qwen2\.5 0\.5B Instruct[\s\S]*Apache 2\.0/);
    expect(text).toMatch(/Fits on GPU|Partly on GPU|CPU only|Does not fit/);
    await expect.poll(() => page.getByRole('button', { name: /^Download Llama 3\.2 1B Instruct$/ }).count()).toBe(1);

    // Load a model through the path field, with a context size from the load settings.
    await page.getByRole('button', { name: 'Open a GGUF file…' }).click();
    const pathField = page.getByRole('textbox', { name: 'Model file (.gguf)' });
    await expect.poll(() => pathField.evaluate((el) => el === document.activeElement)).toBe(true);
    await pathField.fill(STORIES_260K());
    const context = page.getByLabel('Context (tokens)');
    await expect.poll(() => context.count(), { timeout: 10_000 }).toBe(1);
    await context.selectOption('1024');
    const models = page.getByRole('dialog', { name: 'Models' });
    await expect.poll(() => models.textContent(), { timeout: 10_000 }).toMatch(/Runs on the CPU: about/);
    await page.getByRole('button', { name: 'Load model' }).click();
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/Unload model/);

    // Chat.
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('textbox', { name: 'Message' }).fill('Once upon a time');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => ended, { timeout: 60_000 }).toBe(true);
    await page.close();

    const foreign = requests.filter((r) => {
      const u = new URL(r);
      return u.hostname !== '127.0.0.1' || (u.protocol.startsWith('http') && u.origin !== origin);
    });
    expect(foreign).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);

    // The guard ran in web mode and in the engine worker, and nothing tried to leave the machine.
    const pids = readFileSync(PIDS, 'utf8').trim().split('\n');
    expect(pids.some((line) => /glassbox\.mjs web/.test(line))).toBe(true);
    expect(pids.some((line) => /engine-worker/.test(line))).toBe(true);
    expect(existsSync(NET_LOG) ? readFileSync(NET_LOG, 'utf8') : '').toBe('');
  });
});
