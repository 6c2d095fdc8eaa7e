import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../electron/services/services';
import type { EventPayload } from '../../../electron/contract/api';
import { createInMemoryClient, type PortClient } from '../../../electron/contract/rpc';
import { resolveCliBundle, workerIndexer } from '../../../electron/documents/indexer';
import { DEFAULT_LIMITS } from '../../../electron/documents/limits';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { PROJECT_ROOT, STORIES_260K } from '../../models';
import { docxBytes, longLine, pdfBytes } from '../../fixtures/documents/writers';

const dir = mkdtempSync(join(tmpdir(), 'gb-docs-int-'));
let services: Services;
let client: PortClient & { close(): void };

beforeAll(async () => {
  services = createServices({ dataDir: join(dir, 'data'), mode: 'web', version: 'test', engine: new EngineHost(createNodeLauncher()) });
  client = createInMemoryClient(services.router, services.hub);
  await client.call('model.load', { path: STORIES_260K() });
});

afterAll(async () => {
  client.close();
  await services.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('documents off the main thread', () => {
  it('parses and chunks in a worker thread running the built CLI bundle, with progress', async () => {
    const bundle = resolveCliBundle();
    expect(bundle).not.toBeNull();
    const pages = Array.from({ length: 12 }, (_, i) => ({ heading: `Chapter ${i + 1}`, paragraphs: [`Page ${i + 1} is about item ${i * 7}.`] }));
    const path = write('book.pdf', await pdfBytes(pages));
    const progress: number[] = [];
    const result = await workerIndexer(bundle ?? '')({
      path,
      name: 'book.pdf',
      limits: DEFAULT_LIMITS,
      signal: new AbortController().signal,
      onProgress: (f) => progress.push(f),
      measure: async () => 4,
    });
    expect(result.pageCount).toBe(12);
    expect(result.chunks.map((c) => c.page)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(progress.at(-1)).toBe(1);
  });

  it('keeps the services answering while a 10 MB single-line file is indexed', async () => {
    const path = write('line.txt', longLine(10 * 1024 * 1024));
    const ingest = client.call('documents.addPath', { path, jobId: 'line' });
    const started = performance.now();
    await client.call('documents.list', {});
    expect(performance.now() - started).toBeLessThan(500);
    const { document } = await ingest;
    expect(document.chunks).toBeGreaterThan(1000);
    expect(document.tokenSource).toBe('stories260K.gguf');
  });
});

describe('asking about attached documents with stories260K', () => {
  it('retrieves passages into the prompt and stores the sources with the answer', async () => {
    const conversation = await client.call('conversations.create', {});
    const events: Array<EventPayload<'documents.progress'>> = [];
    const off = client.on('documents.progress', (e) => events.push(e));
    const docx = write(
      'garden.docx',
      docxBytes([
        { heading: 1, text: 'Garden notes' },
        { text: 'The blue heron visits the pond every Tuesday at dawn.' },
        { heading: 2, text: 'Vegetables' },
        { text: 'Tomatoes need staking in June.' },
      ]),
    );
    const pdf = write('atlas.pdf', await pdfBytes([{ paragraphs: ['Mountains cover the north.'] }, { paragraphs: ['The capital city of Zembla is Onhava.'] }]));
    await client.call('documents.addPath', { path: docx, jobId: 'g', conversationId: conversation.id });
    await client.call('documents.addPath', { path: pdf, jobId: 'p', conversationId: conversation.id });
    off();
    expect(events.filter((e) => e.stage === 'done').map((e) => e.name)).toEqual(['garden.docx', 'atlas.pdf']);
    expect((await client.call('documents.attached', { conversationId: conversation.id })).map((d) => d.name)).toEqual(['garden.docx', 'atlas.pdf']);

    const ended = new Promise<EventPayload<'chat.end'>>((resolve) => {
      const offEnd = client.on('chat.end', (e) => {
        if (e.conversationId === conversation.id) {
          offEnd();
          resolve(e);
        }
      });
    });
    const sent = await client.call('chat.send', { conversationId: conversation.id, text: 'What is the capital of Zembla?', sampling: { maxTokens: 8 } });
    const sources = sent.assistantMessage.sources ?? [];
    expect(sources.length).toBeGreaterThan(0);
    const zembla = sources.find((s) => s.text.includes('Onhava'));
    expect(zembla).toMatchObject({ documentName: 'atlas.pdf', page: 2 });
    await ended;

    const reloaded = await client.call('conversations.get', { id: conversation.id });
    expect(reloaded.messages.at(-1)?.sources).toEqual(sources);
  });
});

describe('CLI', () => {
  it('ingests files and searches them as JSON', () => {
    const dataDir = join(dir, 'cli-data');
    const md = write('cli.md', '# Ferns\n\nFerns reproduce with spores.\n\n# Mosses\n\nMosses lack true roots.\n');
    const bad = write('cli-empty.txt', '');
    const glassbox = join(PROJECT_ROOT, 'bin', 'glassbox.mjs');
    const ingest = spawnSync(process.execPath, [glassbox, 'ingest', md, bad, '--data-dir', dataDir], { encoding: 'utf8' });
    expect(ingest.status).toBe(1);
    expect(ingest.stdout).toContain('cli.md: added');
    expect(ingest.stderr).toContain('empty (0 bytes)');
    const search = spawnSync(process.execPath, [glassbox, 'search', 'how do ferns reproduce', '--data-dir', dataDir, '--top', '1', '--json'], {
      encoding: 'utf8',
    });
    expect(search.status).toBe(0);
    const hits = JSON.parse(search.stdout) as Array<{ document: string; page: number | null; text: string; score: number }>;
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ document: 'cli.md', page: null });
    expect(hits[0]?.text).toContain('spores');
    expect(Object.keys(hits[0] ?? {}).sort()).toEqual(['document', 'page', 'score', 'text']);
  });
});
