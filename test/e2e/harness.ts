import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM } from '../chromium';
import { PROJECT_ROOT, STORIES_260K } from '../models';

export { CHROMIUM };

export interface WebMode {
  url: string;
  dataDir: string;
  process: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `glassbox web` exactly as a user would and returns the URL it prints first. */
export async function startWebMode(args: string[], dataDir = mkdtempSync(join(tmpdir(), 'gb-e2e-'))): Promise<WebMode> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'web', '--data-dir', dataDir, ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errText = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errText += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode printed no URL within 60 s:\n${errText}`)), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web mode exited with ${code}:\n${errText}`));
    });
  });
  return {
    url,
    dataDir,
    process: child,
    stderr: () => errText,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface AppSession {
  readonly web: WebMode;
  readonly browser: Browser;
}

/**
 * The usual end-to-end set-up: web mode started as a user would (with stories260K unless other
 * arguments are given) and one Chromium, both for the whole file.
 */
export function useWebModeSession(args: () => string[] = () => ['--model', STORIES_260K()]): AppSession {
  let web: WebMode | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    web = await startWebMode(args());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet (use it inside a test).`);
    return value;
  };
  return {
    get web() {
      return ready(web, 'Web mode');
    },
    get browser() {
      return ready(browser, 'Chromium');
    },
  };
}
