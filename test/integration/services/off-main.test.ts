import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParentToHost } from '../../../electron/services/host-protocol';
import { ServicesProcess } from '../../../electron/services/services-process';
import { DATABASE_FILE } from '../../../electron/services/services';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { openStore } from '../../../electron/store/sqlite-store';
import { STORIES_260K } from '../../models';
import { tempDir } from '../../unit/store/helpers';

// Issue 17: the Electron main process froze during heavy store work. The services now run in the
// services host (app/services-host.ts) and the main process only routes messages
// (app/services-process.ts). This runs that same code under Node, with this test's process in the
// main process's place, and measures its event-loop delay while the host backs up, checks and
// exports 10,000 conversations, beside the same three done on this thread (as before the move).
// Needs the build (out/main/services-host.js): run under the build lock.

const CONVERSATIONS = 10_000;
const P99_LIMIT_MS = 50;
let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  const store = openStore(join(dir, DATABASE_FILE));
  const token = (text: string, p: number) => ({ id: 1, text, p, top: [{ id: 1, text, p }] });
  store.database.transaction(() => {
    for (let i = 0; i < CONVERSATIONS; i++) {
      const c = store.createConversation(`Conversation ${i}`);
      const q = store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content: `Question ${i} about onions and butter?`, status: 'complete' });
      const a = store.appendMessage({ conversationId: c.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
      const tokens = ['Slowly', ', ', 'with', ' butter', '.'].map((text, k) => token(text, 0.5 + k / 20));
      store.finishMessage(a.id, { content: tokens.map((t) => t.text).join(''), tokens, status: 'complete', stats: null, error: null });
    }
  })();
  store.close();
}, 600_000);
afterAll(() => cleanup());

/** Runs `work` while sampling this thread's event-loop delay every 10 ms; returns p99 and max in ms. */
async function delayDuring(work: () => Promise<unknown>): Promise<{ p99: number; max: number; samples: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  await work();
  // One more turn so a block that ends the work is sampled too.
  await new Promise((resolve) => setTimeout(resolve, 30));
  histogram.disable();
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, samples: histogram.count };
}

describe('heavy store work and the main thread', () => {
  it('on the main thread (before): a backup, the integrity check and Export all stall it for seconds', { timeout: 600_000 }, async () => {
    const store = openStore(join(dir, DATABASE_FILE));
    const delay = await delayDuring(async () => {
      store.backup();
      await new Promise((resolve) => setImmediate(resolve));
      expect(store.integrityCheck()).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(store.exportAll().content.length).toBeGreaterThan(0);
    });
    store.close();
    console.log(`main thread, services in process: p99 ${delay.p99.toFixed(1)} ms, max ${delay.max.toFixed(1)} ms (${delay.samples} samples)`);
    expect(delay.p99).toBeGreaterThan(P99_LIMIT_MS);
  });

  it(`in the services host (after): the main thread's p99 delay stays under ${P99_LIMIT_MS} ms`, { timeout: 600_000 }, async () => {
    const services = new ServicesProcess({
      host: createNodeLauncher<ParentToHost>({ workerFile: 'services-host.js' }).launch(),
      launchWorker: (kind) => createNodeLauncher<object>(kind === 'trace' ? { workerFile: 'trace-worker.js' } : {}).launch(),
      options: { dataDir: dir, mode: 'web', version: 'test', modelPath: null },
      secrets: { hosted: { kind: 'memory', canStore: true, refusal: '', entries: {} }, set: () => {}, delete: () => {} },
    });
    try {
      await services.ready;
      let archive = '';
      const delay = await delayDuring(async () => {
        await services.maintenance('backup');
        expect(await services.maintenance('integrity-check')).toEqual([]);
        const exported = await services.dispatch('conversations.exportAll', {});
        if (!exported.ok) throw new Error(exported.error.message);
        archive = (exported.value as { content: string }).content;
      });
      console.log(`main thread, services in their host: p99 ${delay.p99.toFixed(1)} ms, max ${delay.max.toFixed(1)} ms (${delay.samples} samples)`);
      expect(Object.keys(unzipSync(Buffer.from(archive, 'base64')))).toHaveLength(2 * CONVERSATIONS);
      expect(delay.p99).toBeLessThanOrEqual(P99_LIMIT_MS);

      // The engine the host asks for is started by this side and relayed: a model loads and answers.
      const loaded = await services.dispatch('model.load', { path: STORIES_260K() });
      expect(loaded).toMatchObject({ ok: true, value: { architecture: 'llama' } });
      const tokens = await services.dispatch('model.tokenize', { text: 'Once upon a time' });
      expect(tokens.ok && Array.isArray(tokens.value) && tokens.value.length > 0).toBe(true);
    } finally {
      await services.dispose();
    }
  });
});
