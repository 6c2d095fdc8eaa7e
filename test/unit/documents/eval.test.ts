import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexInProcess } from '../../../electron/documents/indexer';
import { DocumentService } from '../../../electron/documents/service';
import { DocumentsStore } from '../../../electron/documents/documents-store';
import { openStore } from '../../../electron/store/sqlite-store';
import { writeEvalCorpus } from '../../fixtures/documents/eval-corpus';
import { recallAt } from '../../fixtures/documents/recall';

const dir = mkdtempSync(join(tmpdir(), 'gb-docs-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('retrieval evaluation (BM25 only)', () => {
  it('finds the right passage in the top 5 for at least 90% of 30+ questions over 5+ documents', async () => {
    const corpus = await writeEvalCorpus(join(dir, 'corpus'));
    expect(corpus.questions.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.questions.map((q) => q.document)).size).toBeGreaterThanOrEqual(5);
    const store = openStore(':memory:');
    const documents = new DocumentService({ store: new DocumentsStore(() => store.database), uploadsDir: join(dir, 'up'), indexer: indexInProcess });
    let job = 0;
    for (const file of corpus.files) await documents.ingestPath(file, { jobId: `j${job++}` });
    const result = recallAt(documents, corpus.questions, 5);
    if (result.misses.length > 0) console.log('misses', result.misses);
    expect(result.recall).toBeGreaterThanOrEqual(0.9);
    store.close();
  }, 60_000);
});
