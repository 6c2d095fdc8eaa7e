import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ERROR_KINDS, GlassboxError, toWireError, type ErrorKind } from '../contract/errors';
import { chunkPages, DEFAULT_CHUNKING, type Chunk, type ChunkOptions } from './chunk';
import type { DocumentKind } from '../contract/documents';
import { cancelled } from './errors';
import type { DocumentLimits } from './limits';
import { parseDocument } from './parse';

/** A file read, checked and cut into chunks: everything the store needs, computed off the main thread. */
export interface IndexedDocument {
  kind: DocumentKind;
  pageCount: number;
  chars: number;
  warnings: string[];
  chunks: Chunk[];
}

export interface IndexJob {
  path: string;
  name: string;
  limits: DocumentLimits;
  chunking?: Omit<ChunkOptions, 'charsPerToken'>;
  signal: AbortSignal;
  /** Reading progress, 0..1. */
  onProgress(fraction: number): void;
  /** Characters per token of the loaded model on samples of this document's text (see chunk.ts). */
  measure(samples: string[]): Promise<number>;
}

export type Indexer = (job: IndexJob) => Promise<IndexedDocument>;

const SAMPLES = 4;
const SAMPLE_CHARS = 2000;

/** A few slices spread over the text, for measuring the tokenizer on this document's language. */
export function samplesOf(pages: readonly { text: string }[]): string[] {
  const text = pages.map((p) => p.text).join('\n\n');
  if (text.length <= SAMPLES * SAMPLE_CHARS) return [text];
  const step = Math.floor((text.length - SAMPLE_CHARS) / (SAMPLES - 1));
  return Array.from({ length: SAMPLES }, (_, i) => text.slice(i * step, i * step + SAMPLE_CHARS));
}

/** The work itself, the same in the worker and in process. */
async function indexBytes(
  bytes: Uint8Array,
  job: Pick<IndexJob, 'name' | 'limits' | 'chunking' | 'onProgress' | 'measure'> & { signal?: AbortSignal },
): Promise<IndexedDocument> {
  const parsed = await parseDocument(bytes, job.name, job.limits, job.onProgress, job.signal);
  if (job.signal?.aborted) throw cancelled(job.name);
  const charsPerToken = await job.measure(samplesOf(parsed.pages));
  const headings = parsed.kind === 'markdown' || parsed.kind === 'html' || parsed.kind === 'docx';
  const chunks = chunkPages(parsed.pages, { ...DEFAULT_CHUNKING, ...job.chunking, charsPerToken, headings });
  return {
    kind: parsed.kind,
    pageCount: parsed.pageCount,
    chars: parsed.pages.reduce((sum, p) => sum + p.text.length, 0),
    warnings: parsed.warnings,
    chunks,
  };
}

/** In the calling thread: for the CLI (no window to keep responsive) and for tests from sources. */
export const indexInProcess: Indexer = async (job) => {
  const bytes = await readFile(job.path);
  if (job.signal.aborted) throw cancelled(job.name);
  return indexBytes(bytes, job);
};

// ---- The worker thread ----

/** The hidden CLI command that the worker thread runs (the worker executes the built CLI bundle). */
export const WORKER_COMMAND = '__documents-worker';

type ToWorker =
  | { type: 'start'; path: string; name: string; limits: DocumentLimits; chunking: Omit<ChunkOptions, 'charsPerToken'> | null }
  | { type: 'ratio'; charsPerToken: number };
type FromWorker =
  | { type: 'progress'; fraction: number }
  | { type: 'measure'; samples: string[] }
  | { type: 'done'; result: IndexedDocument }
  | { type: 'error'; kind: ErrorKind; message: string };

/** Runs inside the worker thread: one job, then the parent terminates the thread. */
export async function runWorkerThread(): Promise<number> {
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new Error(`${WORKER_COMMAND} runs only as a worker thread.`);
  const port = parentPort;
  const post = (message: FromWorker): void => port.postMessage(message);
  let answerRatio: ((ratio: number) => void) | null = null;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'ratio') {
      answerRatio?.(message.charsPerToken);
      return;
    }
    void (async () => {
      try {
        const bytes = await readFile(message.path);
        const result = await indexBytes(bytes, {
          name: message.name,
          limits: message.limits,
          ...(message.chunking ? { chunking: message.chunking } : {}),
          onProgress: (fraction) => post({ type: 'progress', fraction }),
          measure: (samples) =>
            new Promise<number>((resolveRatio) => {
              answerRatio = resolveRatio;
              post({ type: 'measure', samples });
            }),
        });
        post({ type: 'done', result });
      } catch (error) {
        const wire = toWireError(error);
        post({ type: 'error', kind: wire.kind, message: wire.message });
      }
    })();
  });
  // Stays alive on the port until the parent terminates it.
  return new Promise<number>(() => {});
}

/** Where the built CLI bundle is (the worker thread runs it); null when there is no build. */
export function resolveCliBundle(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'cli.js'),
    join(here, '..', 'cli.js'),
    resolve(here, '..', '..', 'out', 'main', 'cli.js'),
    resolve(process.cwd(), 'out', 'main', 'cli.js'),
  ];
  return candidates.find((path) => existsSync(path)) ?? null;
}

/**
 * Parsing and chunking in a worker thread, so a 300-page PDF or a 10 MB line never blocks the
 * services (IPC, WebSocket, token streaming). The worker runs the built CLI bundle with a hidden
 * command: no extra build entry is needed. Cancelling terminates the thread.
 */
export function workerIndexer(cliBundle: string): Indexer {
  return (job) =>
    new Promise<IndexedDocument>((resolveJob, rejectJob) => {
      if (job.signal.aborted) return rejectJob(cancelled(job.name));
      const worker = new Worker(cliBundle, { argv: [WORKER_COMMAND], stdout: false, stderr: false });
      let settled = false;
      const finish = (error: unknown, result?: IndexedDocument): void => {
        if (settled) return;
        settled = true;
        job.signal.removeEventListener('abort', onAbort);
        void worker.terminate();
        if (result !== undefined) resolveJob(result);
        else rejectJob(error);
      };
      const onAbort = (): void => finish(cancelled(job.name));
      job.signal.addEventListener('abort', onAbort);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'progress') job.onProgress(message.fraction);
        else if (message.type === 'measure') {
          job.measure(message.samples).then(
            (charsPerToken) => worker.postMessage({ type: 'ratio', charsPerToken } satisfies ToWorker),
            (error: unknown) => finish(error),
          );
        } else if (message.type === 'done') finish(null, message.result);
        else {
          const kind = (ERROR_KINDS as readonly string[]).includes(message.kind) ? message.kind : 'internal';
          finish(new GlassboxError(kind, message.message));
        }
      });
      worker.on('error', (error) => finish(new GlassboxError('internal', `Reading “${job.name}” failed: ${error.message}`)));
      worker.on('exit', (code) => finish(new GlassboxError('internal', `Reading “${job.name}” stopped unexpectedly (exit ${code}).`)));
      worker.postMessage({ type: 'start', path: job.path, name: job.name, limits: job.limits, chunking: job.chunking ?? null } satisfies ToWorker);
    });
}

/** The worker when the build is there, else in process (tests running from sources without a build). */
export function defaultIndexer(): Indexer {
  const bundle = resolveCliBundle();
  return bundle === null ? indexInProcess : workerIndexer(bundle);
}
