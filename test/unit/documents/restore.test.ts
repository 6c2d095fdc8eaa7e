import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Embeddings } from '../../../electron/contract/engine-protocol';
import { DocumentsStore } from '../../../electron/documents/documents-store';
import { indexInProcess } from '../../../electron/documents/indexer';
import { DocumentService, type Embedder } from '../../../electron/documents/service';
import { VECTOR_BATCH } from '../../../electron/documents/vectors';
import { openStore, type SqliteStore } from '../../../electron/store/sqlite-store';
import { tempDir } from '../store/helpers';

// Restoring a backup while documents are indexed (issue 17): chunk ids are reused by the restored
// database, so a vector made for a passage of the old one must never be written into the new one.

/** A deterministic embedding: how often each of eight letters occurs. Each call can be held by the test. */
class HeldEmbedder implements Embedder {
  readonly held: Array<() => void> = [];
  hold = false;
  /** Set: the model fails, so passages are added without vectors (re-indexing gives them theirs). */
  fail = false;

  static vector(text: string): number[] {
    return 'abcdefgh'.split('').map((c) => text.split(c).length - 1 + 0.01);
  }

  async embed(_modelPath: string, texts: string[]): Promise<Embeddings> {
    if (texts[0] !== 'probe' && this.fail) throw new Error('The embedding model is busy.');
    if (this.hold && texts[0] !== 'probe') await new Promise<void>((resolve) => this.held.push(resolve));
    return { model: 'letters.gguf', dimensions: 8, vectors: texts.map(HeldEmbedder.vector) };
  }
}

let dir: string;
let cleanup: () => void;
let store: SqliteStore;
let embedder: HeldEmbedder;
let documents: DocumentService;
let modelPath: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  store = openStore(join(dir, 'glassbox.sqlite'));
  embedder = new HeldEmbedder();
  documents = new DocumentService({
    store: new DocumentsStore(() => store.database),
    uploadsDir: join(dir, 'uploads'),
    indexer: indexInProcess,
    chunking: { targetTokens: 8, overlapTokens: 0 },
    embedder,
  });
  modelPath = join(dir, 'letters.gguf');
  writeFileSync(modelPath, 'an embedding model stands here');
});
afterEach(() => {
  store.close();
  cleanup();
});

function file(name: string, paragraphs: number, words: string): string {
  const path = join(dir, name);
  writeFileSync(path, Array.from({ length: paragraphs }, (_, i) => `${words} ${i} ${words}`).join('\n\n'));
  return path;
}

/** Passages of "ahhh" with their vectors, backed up; returns the backup's file name. */
async function backupWithVectors(paragraphs: number): Promise<string> {
  await documents.setEmbeddingModel(modelPath);
  await documents.ingestPath(file('backup.txt', paragraphs, 'ahhh hhha'), { jobId: 'b' });
  return store.backup().fileName;
}

/** Adds a document whose passages get no vectors (the model fails meanwhile): re-indexing will have work. */
async function addWithoutVectors(name: string, paragraphs: number, words: string): Promise<void> {
  embedder.fail = true;
  await documents.ingestPath(file(name, paragraphs, words), { jobId: name });
  embedder.fail = false;
}

/** Waits for re-indexing to end, then checks every passage has its own vector and no other. */
async function vectorsInPlace(): Promise<void> {
  await vi.waitFor(async () => expect((await documents.embeddingStatus()).indexing).toBe(false));
  const status = await documents.embeddingStatus();
  expect(status.vectors).toBe(status.chunks);
  expect(misplacedVectors()).toBe(0);
}

/** Every stored vector must be the embedding of the passage it is stored for. */
function misplacedVectors(): number {
  const rows = store.database
    .prepare<[], { text: string; heading: string; embedding: Buffer }>(
      'SELECT c.text, c.heading, v.embedding FROM document_vectors_8 v JOIN document_chunks c ON c.id = v.chunk_id',
    )
    .all();
  return rows.filter((row) => {
    const stored = [...new Float32Array(row.embedding.buffer, row.embedding.byteOffset, 8)];
    const expected = HeldEmbedder.vector(row.heading === '' ? row.text : `${row.heading}\n${row.text}`);
    return stored.some((value, i) => Math.abs(value - (expected[i] ?? 0)) > 1e-4);
  }).length;
}

describe('restoring a backup while documents are indexed', () => {
  it('re-indexing first, then a restore: the batch in flight is dropped and re-indexing starts again on the restored passages', async () => {
    // The backup holds passages of "ahhh" with their vectors; the database then gets other
    // passages, without vectors yet, under the same chunk ids.
    const backup = await backupWithVectors(3 * VECTOR_BATCH);
    const ids = (): number[] => store.database.prepare<[], number>('SELECT id FROM document_chunks ORDER BY id').pluck().all();
    const backupIds = ids();
    documents.remove(documents.list()[0]?.id ?? '');
    await addWithoutVectors('now.txt', 3 * VECTOR_BATCH, 'bbbc cbbb');
    expect(ids()).toEqual(backupIds);

    embedder.hold = true;
    const indexing = documents.reindexVectors();
    await vi.waitFor(() => expect(embedder.held).toHaveLength(1));
    const restoring = documents.exclusive(() => store.restoreBackup(backup));
    embedder.held.shift()?.(); // the old database's batch comes back after the restore was asked for
    await restoring;
    await indexing;
    expect(documents.list().map((d) => d.name)).toEqual(['backup.txt']);
    embedder.hold = false;
    await vectorsInPlace();
  });

  // With the restore itself synchronous, the old code had no window for this order to go wrong;
  // this guards the queueing the fix adds (work asked for while the restore waits is kept, not lost).
  it('a restore first, then a document added: the document waits and lands in the restored database', async () => {
    const backup = await backupWithVectors(4);
    await addWithoutVectors('later.txt', 4, 'cccd dccc');
    embedder.hold = true;
    const indexing = documents.reindexVectors();
    await vi.waitFor(() => expect(embedder.held).toHaveLength(1));

    const restoring = documents.exclusive(() => store.restoreBackup(backup));
    const adding = documents.ingestPath(file('after.txt', 4, 'eeef feee'), { jobId: 'a' });
    embedder.hold = false;
    embedder.held.shift()?.();
    await Promise.all([restoring, indexing, adding]);
    expect(documents.list().map((d) => d.name).sort()).toEqual(['after.txt', 'backup.txt']);
    await vectorsInPlace();
  });

  it('refuses to restore while a document is being added, and leaves the database as it was', async () => {
    const backup = await backupWithVectors(4);
    embedder.hold = true; // the new document's vectors are being made
    const adding = documents.ingestPath(file('big.txt', 4, 'gggh hggg'), { jobId: 'big' });
    await vi.waitFor(() => expect(embedder.held).toHaveLength(1));
    await expect(documents.exclusive(() => store.restoreBackup(backup))).rejects.toMatchObject({
      kind: 'busy',
      message: expect.stringMatching(/being added/),
    });
    embedder.held.shift()?.();
    await adding;
    expect(documents.list().map((d) => d.name).sort()).toEqual(['backup.txt', 'big.txt']);
    // Once it is done, the restore goes ahead.
    await documents.exclusive(() => store.restoreBackup(backup));
    expect(documents.list().map((d) => d.name)).toEqual(['backup.txt']);
    expect(misplacedVectors()).toBe(0);
  });
});
