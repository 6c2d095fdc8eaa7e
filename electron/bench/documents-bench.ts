import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineHost } from '../engine/host';
import { createNodeLauncher } from '../engine/node-launcher';
import { indexInProcess, resolveCliBundle, workerIndexer, type Indexer } from '../documents/indexer';
import type { EvalQuestion } from '../../test/fixtures/documents/eval-corpus';
import { DocumentService } from '../documents/service';
import { DocumentsStore, type NewChunk } from '../documents/documents-store';
import { openStore } from '../store/sqlite-store';
import type { BenchContext, BenchSection } from './section';
import { createRng } from '../engine/sampler';
import { median, percentile } from './stats';
import { syllableVocabulary } from './synthetic-text';

/**
 * Documents: what a user waits for, and whether the right passage is found.
 *
 * - documents.recallAt5 (= recallAt5Bm25): the project's retrieval evaluation
 *   (test/fixtures/documents/eval-corpus.ts: 36 questions over 6 documents), BM25 alone. Goal ≥ 0.9.
 * - documents.recallAt5Hybrid: the same questions with BM25 and vectors fused by reciprocal rank,
 *   the vectors from stories260K (the tiny test model: real but weak embeddings, so this measures the
 *   machinery, not what a real embedding model would give). null when the model or the build is missing.
 * - documents.hybridSearchMedianMs: one such search over the evaluation documents, the question
 *   embedded by stories260K in the engine process: the wait hybrid retrieval adds to a chat question.
 * - documents.recallAt5VectorsMiniLm / recallAt5HybridMiniLm / hybridSearchMedianMsMiniLm: the same
 *   with a real sentence-embedding model, all-MiniLM-L6-v2 (scripts/test-models.mjs), vectors alone
 *   and fused with BM25. null when it is not in the test-model cache.
 * - documents.ingestPagesPerSecond: a generated 300-page text PDF (quick: 30) added end to end
 *   (hash, parse in the worker thread when the build is there, chunk, one transaction).
 * - documents.searchMedianMs / P95: BM25 search at 100,000 chunks (quick: 10,000), for questions of
 *   3-6 words mixing common and rare words. Goal < 20 ms median.
 */
export const GOALS = { recallAt5: 0.9, searchMs: 20 } as const;

/** The same sequence every run (the sampler's seeded mulberry32). */
const rng = (seed: number): (() => number) => createRng(seed);

const COMMON = 'the of and to in is that for it as with was on be by this are from at or an which have not'.split(' ');

/** Word i drawn with probability ~ 1/(i+1): real text's long tail. */
function zipf(random: () => number, words: readonly string[]): string {
  const i = Math.floor(Math.exp(random() * Math.log(words.length + 1))) - 1;
  return words[Math.min(words.length - 1, Math.max(0, i))] ?? 'ka';
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export const documentsBench: BenchSection = {
  name: 'documents',
  async run(context: BenchContext) {
    const dir = join(context.workDir, 'documents');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Fixture writers (pdf-lib) come from the development install, like the other benches' fixtures.
    const { writeEvalCorpus } = await import('../../test/fixtures/documents/eval-corpus');
    const { recallAt } = await import('../../test/fixtures/documents/recall');
    const { pdfBytes } = await import('../../test/fixtures/documents/writers');
    const bundle = resolveCliBundle();
    const indexer = bundle === null ? indexInProcess : workerIndexer(bundle);

    // 1. Retrieval quality.
    const corpus = await writeEvalCorpus(join(dir, 'eval'));
    const evalStore = openStore(':memory:');
    const evalDocs = new DocumentService({ store: new DocumentsStore(() => evalStore.database), uploadsDir: join(dir, 'up1'), indexer });
    let job = 0;
    for (const file of corpus.files) await evalDocs.ingestPath(file, { jobId: `e${job++}` });
    const recall = recallAt(evalDocs, corpus.questions, 5);
    context.log(`documents: recall@5 ${recall.hits}/${recall.total} = ${recall.recall.toFixed(3)} (goal ≥ ${GOALS.recallAt5})`);
    evalStore.close();
    const { STORIES_260K, MINILM_L6_V2 } = await import('../../test/models');
    const recallHybrid = await hybridRecall(corpus, join(dir, 'up4'), indexer, context, STORIES_260K);
    // A real sentence-embedding model (scripts/test-models.mjs): what hybrid ranking gives in use.
    const recallMiniLm = await hybridRecall(corpus, join(dir, 'up5'), indexer, context, MINILM_L6_V2);

    // 2. Ingestion speed.
    const pageCount = context.quick ? 30 : 300;
    const random = rng(7);
    const words = syllableVocabulary(5000, 4);
    const sentence = (): string => Array.from({ length: 14 }, () => (random() < 0.4 ? COMMON[Math.floor(random() * COMMON.length)] : zipf(random, words))).join(' ') + '.';
    const pages = Array.from({ length: pageCount }, (_, i) => ({
      heading: `Section ${i + 1}`,
      paragraphs: Array.from({ length: 6 }, () => Array.from({ length: 5 }, sentence).join(' ')),
    }));
    const pdfPath = join(dir, `generated-${pageCount}.pdf`);
    writeFileSync(pdfPath, await pdfBytes(pages));
    const ingestStore = openStore(join(dir, 'ingest.sqlite'));
    const ingestDocs = new DocumentService({ store: new DocumentsStore(() => ingestStore.database), uploadsDir: join(dir, 'up2'), indexer });
    const started = performance.now();
    const { document } = await ingestDocs.ingestPath(pdfPath, { jobId: 'pdf' });
    const ingestSeconds = (performance.now() - started) / 1000;
    const pagesPerSecond = document.pages / ingestSeconds;
    context.log(
      `documents: ${document.pages}-page PDF (${Math.round(statSync(pdfPath).size / 1024)} KB) added in ${ingestSeconds.toFixed(2)} s = ` +
        `${pagesPerSecond.toFixed(1)} pages/s, ${document.chunks} passages (${bundle === null ? 'in process' : 'worker thread'})`,
    );
    ingestStore.close();

    // 3. Search latency at scale.
    const chunkCount = context.quick ? 10_000 : 100_000;
    const searchStore = openStore(join(dir, 'search.sqlite'));
    const store = new DocumentsStore(() => searchStore.database);
    const perDocument = 1000;
    const buildStarted = performance.now();
    for (let d = 0; d * perDocument < chunkCount; d++) {
      const chunks: NewChunk[] = Array.from({ length: Math.min(perDocument, chunkCount - d * perDocument) }, (_, i) => {
        const text = Array.from({ length: 4 }, sentence).join(' ');
        return { page: Math.floor(i / 4) + 1, start: i * 400, end: i * 400 + text.length, heading: '', text, tokens: Math.ceil(text.length / 4) };
      });
      store.add({ sha256: `bench-${d}`, name: `doc-${d}.pdf`, kind: 'pdf', bytes: 0, pages: perDocument / 4, chars: 0, tokenSource: 'approx', warnings: [] }, chunks);
    }
    context.log(`documents: ${store.chunkCount()} passages indexed in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`);
    const service = new DocumentService({ store, uploadsDir: join(dir, 'up3'), indexer });
    const queries = [
      ...corpus.questions.map((q) => q.question),
      ...Array.from({ length: 64 }, () => Array.from({ length: 3 + Math.floor(random() * 4) }, () => zipf(random, words)).join(' ')),
    ];
    for (const query of queries.slice(0, 10)) service.search(query, 5); // warm the page cache
    const times: number[] = [];
    for (const query of queries) {
      const t = performance.now();
      service.search(query, 5);
      times.push(performance.now() - t);
    }
    const searchMedian = median(times);
    context.log(
      `documents: search at ${chunkCount} passages: median ${searchMedian.toFixed(2)} ms, p95 ${percentile(times, 0.95).toFixed(2)} ms ` +
        `(goal < ${GOALS.searchMs} ms)`,
    );
    searchStore.close();

    return {
      recallAt5: round(recall.recall, 3),
      recallAt5Bm25: round(recall.recall, 3),
      recallAt5Hybrid: recallHybrid === null ? null : round(recallHybrid.recall, 3),
      hybridSearchMedianMs: recallHybrid === null ? null : round(recallHybrid.medianMs, 3),
      recallAt5VectorsMiniLm: recallMiniLm === null ? null : round(recallMiniLm.vectorsAlone, 3),
      recallAt5HybridMiniLm: recallMiniLm === null ? null : round(recallMiniLm.recall, 3),
      hybridSearchMedianMsMiniLm: recallMiniLm === null ? null : round(recallMiniLm.medianMs, 3),
      evalQuestions: recall.total,
      evalDocuments: corpus.files.length,
      ingestPages: document.pages,
      ingestSeconds: round(ingestSeconds),
      ingestPagesPerSecond: round(pagesPerSecond, 1),
      searchChunks: chunkCount,
      searchMedianMs: round(searchMedian, 3),
      searchP95Ms: round(percentile(times, 0.95), 3),
      searchGoalMs: GOALS.searchMs,
    };
  },
};

/**
 * recall@5 with an embedding model's vectors fused with BM25 (see the comment at the top), with its
 * vectors alone (the nearest passages to the question's vector), and the median time of one hybrid
 * search (the question embedded in the engine process, BM25, KNN, fusion), or null.
 */
async function hybridRecall(
  corpus: { files: string[]; questions: readonly EvalQuestion[] },
  uploadsDir: string,
  indexer: Indexer,
  context: BenchContext,
  modelPath: () => string,
): Promise<{ recall: number; vectorsAlone: number; medianMs: number } | null> {
  let model: string;
  try {
    model = modelPath();
  } catch (error) {
    context.log(`documents: hybrid recall skipped (${error instanceof Error ? error.message : String(error)})`);
    return null;
  }
  const engine = new EngineHost(createNodeLauncher({ stderr: 'pipe' }));
  const store = openStore(':memory:');
  try {
    const documentsStore = new DocumentsStore(() => store.database);
    const documents = new DocumentService({ store: documentsStore, uploadsDir, indexer, embedder: engine });
    await documents.setEmbeddingModel(model);
    let job = 0;
    for (const file of corpus.files) await documents.ingestPath(file, { jobId: `h${job++}` });
    let hits = 0;
    const times: number[] = [];
    for (const q of corpus.questions) {
      const started = performance.now();
      const top = await documents.searchHybrid(q.question, 5);
      times.push(performance.now() - started);
      if (top.some((hit) => hit.document === q.document && (q.page === null || hit.page === q.page) && hit.text.includes(q.needle))) hits++;
    }
    const recall = hits / Math.max(1, corpus.questions.length);
    const status = await documents.embeddingStatus();
    const medianMs = median(times);
    let nearHits = 0;
    for (const q of corpus.questions) {
      const vector = (await engine.embed(model, [q.question])).vectors[0] ?? [];
      const near = documentsStore.nearest(vector, status.identity ?? '', 5);
      if (near.some((hit) => hit.document === q.document && (q.page === null || hit.page === q.page) && hit.text.includes(q.needle))) nearHits++;
    }
    const vectorsAlone = nearHits / Math.max(1, corpus.questions.length);
    context.log(`documents: recall@5 with ${status.identity ?? '?'} vectors alone ${nearHits}/${corpus.questions.length} = ${vectorsAlone.toFixed(3)}`);
    context.log(
      `documents: hybrid recall@5 (BM25 + ${status.identity ?? '?'} vectors, RRF k=60) ${hits}/${corpus.questions.length} = ${recall.toFixed(3)}, ` +
        `median ${medianMs.toFixed(2)} ms a search (question embedded)`,
    );
    return { recall, vectorsAlone, medianMs };
  } catch (error) {
    context.log(`documents: hybrid recall failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  } finally {
    store.close();
    await engine.dispose();
  }
}
