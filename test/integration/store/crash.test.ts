import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../electron/engine/sampler';
import { openStore } from '../../../electron/store/sqlite-store';
import type { Store } from '../../../electron/store/store';
import { PROJECT_ROOT } from '../../models';
import { digest, messageDigest } from './crash-digest';

/**
 * Kill -9 while answers stream: a child process (store-crash-writer.ts) writes into the store as the
 * app does and reports each write that returned; the parent kills it at a random moment, reopens the
 * database and checks that every reported write is there, byte for byte, and that the database and
 * its search index are sound. GLASSBOX_CRASH_RUNS sets how many kills (default 50).
 */
const RUNS = Number(process.env.GLASSBOX_CRASH_RUNS ?? 50);

interface Final {
  op: 'final';
  id: string;
  conversationId: string;
  digest: string;
}
interface Progress {
  op: 'progress';
  id: string;
  contentLength: number;
  content: string;
  tokenCount: number;
  tokens: string;
}
type Line = { op: 'ready' } | Final | Progress;

let work: string;
let writer: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'glassbox-crash-'));
  writer = join(work, 'store-crash-writer.cjs');
  // Node 20 cannot run TypeScript: bundle the child. CommonJS so that NODE_PATH finds the native
  // better-sqlite3 from this folder outside the project.
  await build({
    input: join(PROJECT_ROOT, 'test/integration/store/crash-writer.ts'),
    platform: 'node',
    external: ['better-sqlite3'],
    logLevel: 'silent',
    output: { format: 'cjs', file: writer },
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the writer until killed `delayMs` after it is ready (or after spawn), returns the lines it reported. */
function runAndKill(path: string, seed: number, delayMs: number, afterReady: boolean): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, path, String(seed)], {
      env: { ...process.env, NODE_PATH: join(PROJECT_ROOT, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    if (!afterReady) timer = setTimeout(kill, delayMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (afterReady && timer === undefined && out.length + chunk.length > 0) timer = setTimeout(kill, delayMs);
      out += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer ended by itself (code ${code}): ${err}`));
        return;
      }
      // A line cut by the kill has no newline yet and was never a completed report.
      const complete = out.slice(0, out.lastIndexOf('\n') + 1);
      resolve(complete.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line));
    });
  });
}

function checkFinal(store: Store, expected: Final): void {
  const message = store.getMessage(expected.id);
  expect(messageDigest(message), `message ${expected.id}`).toBe(expected.digest);
}

function checkProgress(store: Store, expected: Progress): void {
  const message = store.getMessage(expected.id);
  // The answer may have gone further than the last report (a write returned, then the kill came
  // before its report): what was reported must be a prefix of what is there.
  expect(digest(message.content.slice(0, expected.contentLength)), `content of ${expected.id}`).toBe(expected.content);
  expect(digest((message.tokens ?? []).slice(0, expected.tokenCount)), `tokens of ${expected.id}`).toBe(expected.tokens);
  expect(['interrupted', 'complete', 'stopped']).toContain(message.status);
}

describe('the store under kill -9', () => {
  it(`keeps every write that returned, across ${RUNS} kills`, async () => {
    const path = join(work, 'crash.sqlite');
    openStore(path).close();
    const finals = new Map<string, Final>();
    let seed = Number(process.env.GLASSBOX_CRASH_SEED ?? Date.now() % 100000);
    const seedForReport = seed;
    // The kill moments come from the same seed as the writers' work, so GLASSBOX_CRASH_SEED replays a failure.
    const delays = createRng(seedForReport >>> 0 || 1);
    console.log(`[store-crash] ${RUNS} kills; replay with GLASSBOX_CRASH_SEED=${seedForReport}`);
    let interrupted = 0;
    let reported = 0;

    for (let run = 0; run < RUNS; run++) {
      // One run in eight is killed while starting up (Node's own start, then opening, recovering the
      // WAL, migrating), timed from the spawn; the others while writing, timed from "ready".
      const early = run % 8 === 7;
      const delay = early ? delays() * 120 : delays() * 60;
      const lines = await runAndKill(path, ++seed, delay, !early);
      reported += lines.length;

      const last = new Map<string, Final | Progress>();
      for (const line of lines) if (line.op !== 'ready') last.set(line.id, line);

      const store = openStore(path);
      try {
        store.markUnfinishedAsInterrupted();
        for (const expected of last.values()) {
          if (expected.op === 'final') {
            finals.set(expected.id, expected);
            checkFinal(store, expected);
          } else {
            checkProgress(store, expected);
            if (store.getMessage(expected.id).status === 'interrupted') interrupted++;
          }
        }
        expect(store.integrityCheck(), `run ${run} (seed ${seedForReport})`).toEqual([]);
      } finally {
        store.close();
      }
    }

    // Nothing written in an earlier run was lost or changed by a later one.
    const store = openStore(path);
    try {
      for (const expected of finals.values()) checkFinal(store, expected);
    } finally {
      store.close();
    }
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    // The kills did land mid-answer, not only between answers.
    expect(interrupted).toBeGreaterThan(RUNS / 4);
    expect(reported).toBeGreaterThan(RUNS * 10);
  });
});
