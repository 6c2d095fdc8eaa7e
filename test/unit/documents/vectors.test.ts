import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Embeddings } from '../../../electron/contract/engine-protocol';
import { indexInProcess } from '../../../electron/documents/indexer';
import { reciprocalRankFusion, RRF_K } from '../../../electron/documents/retrieval';
import { DocumentService, type Embedder } from '../../../electron/documents/service';
import { VECTOR_BATCH } from '../../../electron/documents/vectors';
import type { EmbeddingStatus } from '../../../electron/contract/documents';
import { EventHub } from '../../../electron/contract/rpc';
import { DocumentsStore, vectorModelId, type NewChunk } from '../../../electron/documents/documents-store';
import { openStore } from '../../../electron/store/sqlite-store';
import type { SqliteStore } from '../../../electron/store/sqlite-store';

const dir = mkdtempSync(join(tmpdir(), 'gb-docs-vec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reciprocal rank fusion', () => {
  it('scores Σ 1/(k + rank), merges duplicates and sorts best first', () => {
    const bm25 = ['a', 'b', 'c', 'd'];
    const vectors = ['c', 'e', 'a'];
    const fused = reciprocalRankFusion([bm25, vectors], (x) => x);
    const score = (...ranks: number[]): number => ranks.reduce((sum, r) => sum + 1 / (RRF_K + r), 0);
    expect(RRF_K).toBe(60);
    expect(fused.map((f) => f.item)).toEqual(['a', 'c', 'b', 'e', 'd']);
    expect(fused[0]?.score).toBeCloseTo(score(1, 3), 12);
    expect(fused[1]?.score).toBeCloseTo(score(3, 1), 12);
    expect(fused[2]?.score).toBeCloseTo(score(2), 12);
    expect(fused[3]?.score).toBeCloseTo(score(2), 12); // tie with b: b came first (list 0)
    expect(fused[4]?.score).toBeCloseTo(score(4), 12);
  });

  it('keeps the first copy of an item, counts a repeated item once per list, and handles empty lists', () => {
    const fused = reciprocalRankFusion(
      [
        [{ id: 1, from: 'bm25' }, { id: 1, from: 'bm25-again' }],
        [{ id: 1, from: 'vector' }],
      ],
      (x) => x.id,
      10,
    );
    expect(fused).toHaveLength(1);
    expect(fused[0]?.item.from).toBe('bm25');
    expect(fused[0]?.score).toBeCloseTo(2 / 11, 12);
    expect(reciprocalRankFusion<string, string>([[], []], (x) => x)).toEqual([]);
    expect(reciprocalRankFusion([[], ['x']], (x) => x).map((f) => f.item)).toEqual(['x']);
  });
});

function chunk(text: string, i: number): NewChunk {
  return { page: null, start: i * 100, end: i * 100 + text.length, heading: '', text, tokens: Math.ceil(text.length / 4) };
}

const doc = (sha: string) => ({ sha256: sha, name: `${sha}.txt`, kind: 'text' as const, bytes: 1, pages: 1, chars: 1, tokenSource: 'approx', warnings: [] });

describe('vectors in sqlite-vec', () => {
  let store: SqliteStore;
  let documents: DocumentsStore;
  beforeEach(() => {
    store = openStore(':memory:');
    documents = new DocumentsStore(() => store.database);
  });
  afterEach(() => store.close());

  it('loads the extension and stores a vector per chunk in the same transaction as the chunks', () => {
    expect(documents.vectorsAvailable).toBe(true);
    const model = vectorModelId('m.gguf', 3);
    const info = documents.add(doc('a'), [chunk('one', 0), chunk('two', 1), chunk('three', 2)], 1, {
      model,
      dimensions: 3,
      vectors: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    });
    expect(documents.vectorCount(model)).toBe(3);
    const ids = documents.chunksOf(info.id).map((c) => c.id);
    const near = documents.nearest([0.1, 0.9, 0], model, 3);
    expect(near.map((h) => h.id)).toEqual([ids[1], ids[0], ids[2]]);
    expect(near[0]?.score).toBeGreaterThan(0.9);
    expect(store.database.prepare('SELECT count(*) AS n FROM document_vectors_3').get()).toEqual({ n: 3 });
    // Another model's partition, another size, or no documents: nothing.
    expect(documents.nearest([0, 1, 0], vectorModelId('other.gguf', 3), 3)).toEqual([]);
    expect(documents.nearest([0, 1, 0, 0], vectorModelId('m.gguf', 4), 3)).toEqual([]);
    expect(documents.nearest([0, 1, 0], model, 3, [])).toEqual([]);
  });

  it('writes nothing when the vectors do not fit (all or nothing), and filters KNN by document', () => {
    const model = vectorModelId('m.gguf', 2);
    expect(() => documents.add(doc('bad'), [chunk('x', 0), chunk('y', 1)], 1, { model, dimensions: 2, vectors: [[1, 0], [1, 0, 0]] })).toThrow(/3 numbers/);
    expect(documents.list()).toEqual([]);
    expect(documents.vectorCount(model)).toBe(0);
    const a = documents.add(doc('a'), [chunk('a', 0)], 1, { model, dimensions: 2, vectors: [[1, 0]] });
    const b = documents.add(doc('b'), [chunk('b', 0)], 1, { model, dimensions: 2, vectors: [[0.9, 0.1]] });
    expect(documents.nearest([1, 0], model, 5).map((h) => h.documentId)).toEqual([a.id, b.id]);
    expect(documents.nearest([1, 0], model, 5, [b.id]).map((h) => h.documentId)).toEqual([b.id]);
    // Removing a document removes its vectors too.
    documents.remove(a.id);
    expect(documents.vectorCount(model)).toBe(1);
    expect(store.database.prepare('SELECT count(*) AS n FROM document_vectors_2').get()).toEqual({ n: 1 });
    expect(documents.nearest([1, 0], model, 5).map((h) => h.documentId)).toEqual([b.id]);
  });

  it('re-indexes chunks without a vector from a model, and remembers the chosen model', () => {
    const old = vectorModelId('old.gguf', 2);
    documents.add(doc('a'), [chunk('a', 0), chunk('b', 1)], 1, { model: old, dimensions: 2, vectors: [[1, 0], [0, 1]] });
    const fresh = vectorModelId('new.gguf', 4);
    const missing = documents.chunksWithoutVectors(fresh, 10);
    expect(missing).toHaveLength(2);
    documents.addVectors(fresh, 4, missing.map((c, i) => ({ chunk: c, vector: [i, 1, 0, 0] })));
    expect(documents.chunksWithoutVectors(fresh, 10)).toEqual([]);
    expect(documents.vectorCount(fresh)).toBe(2);
    // One vector per chunk: the new model's replaced the old one's (in another vec0 table, another size).
    expect(documents.vectorCount(old)).toBe(0);
    expect(store.database.prepare('SELECT count(*) AS n FROM document_vectors_2').get()).toEqual({ n: 0 });
    expect(store.database.prepare('SELECT count(*) AS n FROM document_vectors_4').get()).toEqual({ n: 2 });
    expect(documents.embeddingModel()).toBeNull();
    documents.setEmbeddingModel('/models/new.gguf');
    expect(documents.embeddingModel()).toBe('/models/new.gguf');
    documents.setEmbeddingModel(null);
    expect(documents.embeddingModel()).toBeNull();
  });
});

/** A fake embedding model: a vector of letter counts (a-h), so equal texts are nearest. */
class LetterEmbedder implements Embedder {
  calls = 0;
  constructor(private readonly fileName = 'letters.gguf') {}
  async embed(_modelPath: string, texts: string[]): Promise<Embeddings> {
    this.calls++;
    const vectors = texts.map((text) => {
      const v = 'abcdefgh'.split('').map((c) => text.split(c).length - 1 + 0.01);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
    return { model: this.fileName, dimensions: 8, vectors };
  }
}

describe('hybrid retrieval in the service', () => {
  const paragraphs = ['aaaa bbbb zebra', 'cccc dddd zebra', 'eeee ffff giraffe', 'gggg hhhh giraffe'];
  const text = paragraphs.join('\n\n');
  const path = join(dir, 'letters.txt');
  writeFileSync(path, text);
  const modelPath = join(dir, 'letters.gguf');
  writeFileSync(modelPath, 'not really a model');

  async function service(embedder: Embedder | null) {
    const store = openStore(':memory:');
    const documents = new DocumentService({
      store: new DocumentsStore(() => store.database),
      uploadsDir: join(dir, 'up'),
      indexer: indexInProcess,
      chunking: { targetTokens: 8, overlapTokens: 0 },
      embedder,
    });
    return { store, documents };
  }

  it('fuses BM25 and vector rankings, and uses BM25 alone without vectors or with another model', async () => {
    const embedder = new LetterEmbedder();
    const { store, documents } = await service(embedder);
    // Before a model is chosen: BM25 only, and no vectors are made.
    await documents.ingestPath(path, { jobId: 'j1' });
    expect(embedder.calls).toBe(0);
    const status = await documents.setEmbeddingModel(modelPath);
    expect(status).toMatchObject({ model: modelPath, identity: 'letters.gguf#8', vectors: 0, available: true, problem: null });
    expect(status.chunks).toBeGreaterThanOrEqual(2);
    // Vectors absent: the hybrid search is the BM25 search.
    expect(await documents.searchHybrid('zebra', 5)).toEqual(documents.search('zebra', 5));
    const reindexed = await documents.reindexVectors();
    expect(reindexed.vectors).toBe(reindexed.chunks);
    // "cccc dddd" has no word in common with any passage's "cccc dddd zebra"? It does: BM25 and vectors agree.
    const hybrid = await documents.searchHybrid('gggg hhhh', 5);
    expect(hybrid[0]?.text).toContain('gggg hhhh');
    expect(hybrid[0]?.score).toBeLessThan(1); // an RRF score, not BM25's
    // A question with no word in the documents still finds a passage by its vector.
    expect(documents.search('eeeeeeee', 5)).toEqual([]);
    expect((await documents.searchHybrid('eeeeeeee', 5))[0]?.text).toContain('eeee ffff');
    store.close();
  });

  it('falls back to BM25 when the vectors come from another model, until re-indexed', async () => {
    const { store, documents } = await service(new LetterEmbedder('letters.gguf'));
    await documents.setEmbeddingModel(modelPath);
    await documents.ingestPath(path, { jobId: 'j1' });
    const count = (await documents.embeddingStatus()).vectors;
    expect(count).toBeGreaterThan(0);
    store.close();

    const store2 = openStore(':memory:');
    const other = new LetterEmbedder('letters-v2.gguf');
    const documentsStore = new DocumentsStore(() => store2.database);
    const first = new DocumentService({ store: documentsStore, uploadsDir: join(dir, 'up2'), indexer: indexInProcess, chunking: { targetTokens: 8, overlapTokens: 0 }, embedder: new LetterEmbedder('letters.gguf') });
    await first.setEmbeddingModel(modelPath);
    await first.ingestPath(path, { jobId: 'j2' });
    // The same store seen by a service whose model now reports another identity (the file was replaced).
    const second = new DocumentService({ store: documentsStore, uploadsDir: join(dir, 'up3'), indexer: indexInProcess, chunking: { targetTokens: 8, overlapTokens: 0 }, embedder: other });
    const status = await second.embeddingStatus();
    expect(status).toMatchObject({ identity: 'letters-v2.gguf#8', vectors: 0 });
    expect(await second.searchHybrid('eeeeeeee', 5)).toEqual([]);
    expect(await second.searchHybrid('giraffe', 5)).toEqual(second.search('giraffe', 5));
    await second.reindexVectors();
    expect((await second.searchHybrid('eeeeeeee', 5))[0]?.text).toContain('eeee ffff');
    store2.close();
  });

  it('adds a document without vectors, with a warning, when the embedding model fails', async () => {
    const failing: Embedder = {
      embed: async (_path, texts) => {
        if (texts[0] === 'probe') return { model: 'x.gguf', dimensions: 2, vectors: [[1, 0]] };
        throw new Error('model crashed');
      },
    };
    const { store, documents } = await service(failing);
    await documents.setEmbeddingModel(modelPath);
    const { document } = await documents.ingestPath(path, { jobId: 'j' });
    expect(document.chunks).toBeGreaterThan(0);
    expect(document.warnings.join(' ')).toMatch(/no vectors.*model crashed/);
    expect(documents.search('zebra', 5).length).toBeGreaterThan(0);
    store.close();
  });

  it('re-indexes in the background a batch at a time with status events, and stops early when turned off', async () => {
    const store = openStore(':memory:');
    const hub = new EventHub();
    const statuses: EmbeddingStatus[] = [];
    hub.subscribe((event) => {
      if (event.name === 'documents.embedding') statuses.push(event.payload as EmbeddingStatus);
    });
    // Each embed call waits for the test, like a real model busy on a batch.
    const letters = new LetterEmbedder();
    const gates: Array<() => void> = [];
    const gated: Embedder = {
      embed: async (modelPath, texts) => {
        if (texts[0] !== 'probe') await new Promise<void>((resolve) => gates.push(resolve));
        return letters.embed(modelPath, texts);
      },
    };
    const documents = new DocumentService({
      store: new DocumentsStore(() => store.database),
      hub,
      uploadsDir: join(dir, 'up-bg'),
      indexer: indexInProcess,
      chunking: { targetTokens: 8, overlapTokens: 0 },
      embedder: gated,
    });
    const many = join(dir, 'many-letters.txt');
    writeFileSync(many, Array.from({ length: 3 * VECTOR_BATCH }, (_, i) => `abab cdcd efef ghgh ${i} abab cdcd efef`).join('\n\n'));
    const { document } = await documents.ingestPath(many, { jobId: 'many' });
    expect(document.chunks).toBeGreaterThan(2 * VECTOR_BATCH);
    await documents.setEmbeddingModel(modelPath);
    const indexing = documents.reindexVectors();
    const next = async (): Promise<void> => {
      await vi.waitFor(() => expect(gates.length).toBeGreaterThan(0));
      gates.shift()?.();
    };
    await next();
    await vi.waitFor(() => expect(statuses.at(-1)?.vectors).toBe(VECTOR_BATCH));
    expect(statuses.at(-1)).toMatchObject({ indexing: true, chunks: document.chunks });
    expect((await documents.embeddingStatus()).indexing).toBe(true);

    // Turned off while the second batch is being embedded: that batch is dropped, no error.
    await vi.waitFor(() => expect(gates.length).toBe(1));
    const off = await documents.setEmbeddingModel(null);
    expect(off).toMatchObject({ model: null, vectors: 0 });
    await next();
    const ended = await indexing;
    expect(ended).toMatchObject({ model: null, indexing: false });
    expect(statuses.at(-1)).toMatchObject({ indexing: false });
    expect(documents.search('abab', 50).length).toBeGreaterThan(0);
    expect(store.database.prepare('SELECT count(*) AS n FROM document_chunk_vectors').get()).toEqual({ n: VECTOR_BATCH });

    // A document removed while its passages are embedded: the batch skips them, the job goes on.
    await documents.setEmbeddingModel(modelPath);
    const again = documents.reindexVectors();
    await vi.waitFor(() => expect(gates.length).toBe(1));
    documents.remove(document.id);
    await next();
    await expect(again).resolves.toMatchObject({ chunks: 0, vectors: 0, indexing: false });
    expect(store.database.prepare('SELECT count(*) AS n FROM document_chunk_vectors').get()).toEqual({ n: 0 });
    await expect(documents.setEmbeddingModel(null).then(() => documents.reindexVectors())).rejects.toMatchObject({ kind: 'invalid-argument' });
    store.close();
  });

  it('refuses a model file that does not exist, or when there is no engine', async () => {
    const { store, documents } = await service(new LetterEmbedder());
    await expect(documents.setEmbeddingModel(join(dir, 'missing.gguf'))).rejects.toMatchObject({ kind: 'not-found' });
    const without = await service(null);
    await expect(without.documents.setEmbeddingModel(modelPath)).rejects.toMatchObject({ kind: 'invalid-argument' });
    expect(await without.documents.embeddingStatus()).toMatchObject({ model: null, available: false });
    store.close();
    without.store.close();
  });
});
