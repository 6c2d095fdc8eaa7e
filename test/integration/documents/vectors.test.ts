import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../../electron/services/services';
import type { EventPayload } from '../../../electron/contract/api';
import { EMBED_MAX_TEXTS, type GenerateRequest } from '../../../electron/contract/engine-protocol';
import { createInMemoryClient } from '../../../electron/contract/rpc';
import { RRF_K } from '../../../electron/documents/retrieval';
import type { Engine } from '../../../electron/engine/engine';
import { indexInProcess } from '../../../electron/documents/indexer';
import { DocumentService } from '../../../electron/documents/service';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { DocumentsStore, vectorModelId } from '../../../electron/documents/documents-store';
import { openStore } from '../../../electron/store/sqlite-store';
import { STORIES_260K } from '../../models';

// Runs the built worker (out/main/engine-worker.js): run `npx electron-vite build` first.
// stories260K is a tiny Llama, not an embedding model: its vectors are weak but real (64 numbers).

const dir = mkdtempSync(join(tmpdir(), 'gb-docs-vec-int-'));
const engine = new EngineHost(createNodeLauncher());
afterAll(async () => {
  await engine.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const PARAGRAPHS = [
  'Once upon a time there was a little girl named Lily who loved to play in the park with her red ball.',
  'The quarterly tax rate for small businesses rose to fifteen percent, according to the treasury report.',
  'Tom found a shiny blue rock near the river and showed it to his mom, who smiled and hugged him.',
  'Kubernetes schedules pods onto nodes by comparing resource requests with the capacity that is free.',
  'The old dog slept under the tree all afternoon while the birds sang songs in the branches above.',
];

describe('document vectors from a real GGUF embedding model (stories260K)', () => {
  it('embeds through the engine: one unit vector of the model’s size per text, no chat model needed', async () => {
    const result = await engine.embed(STORIES_260K(), ['Once upon a time', '', 'word '.repeat(5000)]);
    expect(result).toMatchObject({ model: 'stories260K.gguf', dimensions: 64 });
    expect(result.vectors).toHaveLength(3);
    for (const v of result.vectors) {
      expect(v).toHaveLength(64);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
    // Deterministic: the same text gives the same vector.
    const again = await engine.embed(STORIES_260K(), ['Once upon a time']);
    expect(again.vectors[0]?.[0]).toBeCloseTo(result.vectors[0]?.[0] ?? NaN, 5);
    await expect(engine.embed(STORIES_260K(), Array.from({ length: EMBED_MAX_TEXTS + 1 }, () => 'x'))).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(engine.embed(join(dir, 'missing.gguf'), ['x'])).rejects.toMatchObject({ kind: 'invalid-argument' });
  }, 60_000);

  it('stores 64-dimension vectors with the chunks, finds a chunk by its own text, fuses with BM25, and falls back for another model', async () => {
    const path = join(dir, 'mixed.txt');
    writeFileSync(path, PARAGRAPHS.join('\n\n'));
    const store = openStore(join(dir, 'docs.sqlite'));
    const documentsStore = new DocumentsStore(() => store.database);
    const documents = new DocumentService({
      store: documentsStore,
      uploadsDir: join(dir, 'up'),
      indexer: indexInProcess,
      chunking: { targetTokens: 30, overlapTokens: 0 },
      embedder: engine,
    });
    const status = await documents.setEmbeddingModel(STORIES_260K());
    expect(status).toMatchObject({ model: STORIES_260K(), identity: 'stories260K.gguf#64', available: true, problem: null });
    const { document } = await documents.ingestPath(path, { jobId: 'mixed' });
    expect(document.warnings).toEqual([]);
    const chunks = documentsStore.chunksOf(document.id);
    expect(chunks.length).toBeGreaterThanOrEqual(PARAGRAPHS.length);
    const identity = vectorModelId('stories260K.gguf', 64);
    expect(documentsStore.vectorCount(identity)).toBe(chunks.length);
    const table = store.database.prepare<[], { sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 'document_vectors_64'").get();
    expect(table?.sql).toMatch(/vec0[\s\S]*float\[64\]/);

    // KNN: each chunk's own text, embedded as a query, finds that chunk first.
    for (const chunk of chunks) {
      const query = await engine.embed(STORIES_260K(), [chunk.text]);
      const near = documentsStore.nearest(query.vectors[0] ?? [], identity, 3);
      expect(near[0]?.id).toBe(chunk.id);
      expect(near[0]?.score).toBeCloseTo(1, 3);
    }

    // Hybrid search: BM25 and vectors fused; a passage matched by words is still found.
    const hybrid = await documents.searchHybrid('tax rate for small businesses', 5);
    expect(hybrid[0]?.text).toContain('tax rate');
    expect(hybrid.length).toBeGreaterThan(documents.search('tax rate for small businesses', 5).length); // vectors add candidates

    // Another embedding model (another file name): its identity has no vectors, so BM25 alone until re-indexed.
    const other = join(dir, 'other-embedder.gguf');
    copyFileSync(STORIES_260K(), other);
    const switched = await documents.setEmbeddingModel(other);
    expect(switched).toMatchObject({ identity: 'other-embedder.gguf#64', vectors: 0 });
    expect(await documents.searchHybrid('tax rate for small businesses', 5)).toEqual(documents.search('tax rate for small businesses', 5));
    const reindexed = await documents.reindexVectors();
    expect(reindexed).toMatchObject({ identity: 'other-embedder.gguf#64', vectors: chunks.length });
    expect(documentsStore.vectorCount(identity)).toBe(0);
    expect((await documents.searchHybrid('tax rate for small businesses', 5)).length).toBeGreaterThan(
      documents.search('tax rate for small businesses', 5).length,
    );

    // No model: BM25 alone again.
    await documents.setEmbeddingModel(null);
    expect(await documents.searchHybrid('tax rate', 5)).toEqual(documents.search('tax rate', 5));
    // Removing the document removes its vectors.
    documents.remove(document.id);
    expect(store.database.prepare('SELECT count(*) AS n FROM document_vectors_64').get()).toEqual({ n: 0 });
    store.close();
  }, 120_000);
});

/** The real engine, recording what each generation was asked (the prompt the model saw). */
function recording(inner: EngineHost): { engine: Engine; requests: GenerateRequest[] } {
  const requests: GenerateRequest[] = [];
  const engine: Engine = {
    load: (path, options, onProgress) => inner.load(path, options, onProgress),
    unload: () => inner.unload(),
    generate: (request, onTokens) => {
      requests.push(request);
      return inner.generate(request, onTokens);
    },
    tokenize: (text) => inner.tokenize(text),
    score: (messages, top) => inner.score(messages, top),
    embed: (path, texts) => inner.embed(path, texts),
    onCrash: (listener) => inner.onCrash(listener),
    get pid() {
      return inner.pid;
    },
    dispose: () => inner.dispose(),
  };
  return { engine, requests };
}

describe('chat answers ranked by BM25 and stories260K vectors through the app services', () => {
  it('embeds earlier documents in the background with progress, puts fused passages in the prompt, and refuses a second send while retrieving', async () => {
    const { engine: recorded, requests } = recording(new EngineHost(createNodeLauncher()));
    const services = createServices({ dataDir: join(dir, 'app'), mode: 'web', version: 'test', engine: recorded });
    const client = createInMemoryClient(services.router, services.hub);
    try {
      await client.call('model.load', { path: STORIES_260K() });
      const conversation = await client.call('conversations.create', {});
      const many = Array.from({ length: 30 }, (_, i) => PARAGRAPHS[i % PARAGRAPHS.length]?.replace(/\.$/, ` (copy ${i}).`) ?? '');
      const path = join(dir, 'many.txt');
      writeFileSync(path, many.join('\n\n'));
      // Added before any embedding model is chosen: BM25 only, no vectors.
      const { document } = await client.call('documents.addPath', { path, jobId: 'many', conversationId: conversation.id });

      const statuses: Array<EventPayload<'documents.embedding'>> = [];
      const off = client.on('documents.embedding', (status) => statuses.push(status));
      const chosen = await client.call('documents.setEmbeddingModel', { path: STORIES_260K() });
      expect(chosen).toMatchObject({ identity: 'stories260K.gguf#64', vectors: 0, chunks: document.chunks, indexing: false });
      const done = await client.call('documents.reindexVectors', {});
      off();
      expect(done).toMatchObject({ vectors: document.chunks, indexing: false });
      // Progress after each batch while indexing, then the end.
      const during = statuses.filter((s) => s.indexing).map((s) => s.vectors);
      expect(during.length).toBeGreaterThan(2);
      expect([...during].sort((a, b) => a - b)).toEqual(during);
      expect(statuses.at(-1)).toMatchObject({ indexing: false, vectors: document.chunks });

      const question = 'What is the tax rate for small businesses?';
      const bm25 = await services.documents.search(question, 8, [document.id]);
      const first = client.call('chat.send', { conversationId: conversation.id, text: question, sampling: { maxTokens: 4, temperature: 0 } });
      // Sent at once, while the first one embeds its question: refused, never a second generation.
      await expect(client.call('chat.send', { conversationId: conversation.id, text: 'And again?' })).rejects.toMatchObject({ kind: 'busy' });
      const ended = new Promise<EventPayload<'chat.end'>>((resolve) => {
        const offEnd = client.on('chat.end', (e) => {
          offEnd();
          resolve(e);
        });
      });
      const { assistantMessage } = await first;
      expect((await ended).status).toBe('complete');
      expect(requests).toHaveLength(1);

      const sources = assistantMessage.sources ?? [];
      expect(sources[0]?.text).toContain('tax rate');
      // Fused scores (a sum of 1/(k + rank) over two lists), not BM25's; and passages without any of
      // the question's words, which only the vectors can have brought.
      for (const source of sources) expect(source.score).toBeLessThanOrEqual(2 / (RRF_K + 1));
      const bm25Ids = new Set(bm25.map((hit) => hit.chunkId));
      expect(sources.some((source) => !bm25Ids.has(source.chunkId))).toBe(true);
      const system = requests[0]?.messages[0];
      expect(system?.role).toBe('system');
      for (const source of sources) expect(system?.content).toContain(`<document n="${source.n}"`);
    } finally {
      client.close();
      await services.dispose();
    }
  }, 180_000);
});
