import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GlassboxError } from '../contract/errors';
import { checkModelFileName } from './model-file-name';

/**
 * Downloads one file over HTTP(S) with resume: the bytes go to `<dest>.part`, and a later download of
 * the same file asks for the rest with a Range request (a server that answers 200 instead of 206
 * starts it over). When complete, the size is checked against the server's
 * length and the sha256 against the expected one (given, or the server's X-Linked-ETag, which Hugging
 * Face sets to an LFS file's sha256); only then is the file renamed into place.
 *
 * Why not node-llama-cpp's createModelDownloader: it can be pointed at another endpoint
 * (endpoints.huggingFace, HF_ENDPOINT), but it downloads through ipull with parallel connections,
 * retries on its own, keeps its own temporary-file format and does not verify a checksum, so neither
 * resume nor errors can be shown and tested the way the app needs. hf: URIs are resolved here the way
 * node-llama-cpp resolves `hf:user/repo/file.gguf`.
 */

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number;
  secondsLeft: number | null;
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  /** Exact size when known in advance (a mismatch is an incomplete or wrong file). */
  expectedSize?: number | null;
  sha256?: string | null;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Minimum milliseconds between progress reports (default 200). */
  progressIntervalMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  resumedFrom: number;
  sha256: string;
  /** Whether the sha256 was checked against a known value (else only the size was). */
  verified: boolean;
  seconds: number;
}

/** Where the partial bytes of `dest` are kept between attempts. */
export function partPath(dest: string): string {
  return `${dest}.part`;
}

/** The Hugging Face endpoint: GLASSBOX_HF_ENDPOINT, then node-llama-cpp's MODEL_ENDPOINT / HF_ENDPOINT, then huggingface.co. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.GLASSBOX_HF_ENDPOINT ?? env.MODEL_ENDPOINT ?? env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT;
  return value.replace(/\/+$/, '');
}

/**
 * `hf:user/repo/path/file.gguf[#branch]` → `<endpoint>/user/repo/resolve/branch/path/file.gguf`;
 * http(s) URLs pass through. The file name is the URI's last path segment.
 */
export function resolveModelUri(uri: string, endpoint = hfEndpoint()): { url: string; fileName: string } {
  if (/^https?:\/\//i.test(uri)) {
    const parsed = new URL(uri);
    const fileName = decodeSegment(parsed.pathname.split('/').pop() ?? '', uri);
    if (!fileName) throw new GlassboxError('invalid-argument', `${uri} does not name a file.`);
    return { url: parsed.href, fileName: checkModelFileName(fileName, uri) };
  }
  const m = /^(?:hf:|huggingface:)([^/\s#]+)\/([^/\s#]+)\/([^#\s]+\.gguf)(?:#([^\s]+))?$/i.exec(uri);
  if (!m) {
    throw new GlassboxError('invalid-argument', `"${uri}" is not a model address Glassbox can download. Use hf:user/repo/file.gguf or an https:// link to a .gguf file.`);
  }
  const [, user = '', repo = '', file = '', branch = 'main'] = m;
  const segments = file.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new GlassboxError('invalid-argument', `"${uri}" has an empty, "." or ".." folder in its path.`);
  }
  const path = segments.map(encodeURIComponent).join('/');
  return {
    url: `${endpoint}/${encodeURIComponent(user)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(branch)}/${path}`,
    fileName: checkModelFileName(segments.at(-1) ?? file, uri),
  };
}

function decodeSegment(segment: string, uri: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GlassboxError('invalid-argument', `${uri} has a malformed %-escape in its file name.`);
  }
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ENETDOWN']);

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const started = Date.now();
  const part = partPath(options.dest);
  const host = safeHost(options.url);
  let have = await sizeOf(part);

  const headers: Record<string, string> = { 'User-Agent': 'Glassbox (llama.cpp GGUF downloader)' };
  if (have > 0) headers.Range = `bytes=${have}-`;
  let response: Response;
  try {
    response = await fetch(options.url, { headers, signal: options.signal, redirect: 'follow' });
  } catch (error) {
    throw networkError(error, host, options.signal);
  }

  if (response.status === 416 && have > 0) {
    // The part is already whole (or longer than the file): check it as it is, else start over.
    await response.body?.cancel();
    const total = contentRangeTotal(response.headers.get('content-range'));
    if (total !== null && total === have) return finish(options, part, have, have, started, null, null);
    await rm(part, { force: true });
    return downloadFile(options);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw httpError(response.status, host, options.url);
  }
  if (response.status !== 206 && have > 0) {
    // The server ignored the Range (or the file changed): start from the beginning.
    await rm(part, { force: true });
    have = 0;
  }
  const resumedFrom = have;
  const length = numberHeader(response.headers.get('content-length'));
  const total = response.status === 206 ? (contentRangeTotal(response.headers.get('content-range')) ?? (length !== null ? have + length : null)) : length;
  if (options.expectedSize != null && total !== null && total !== options.expectedSize) {
    await response.body?.cancel();
    throw new GlassboxError('model-invalid', `The server offers ${total} bytes for ${fileNameOf(options.dest)}, but ${options.expectedSize} were expected. It may be a different file; nothing was kept.`);
  }
  const serverSha = shaFromHeaders(response.headers);

  const hash = createHash('sha256');
  if (have > 0) await hashFile(part, hash);
  const body = response.body;
  if (body === null) throw new GlassboxError('model-load-failed', `${host} sent an empty answer for ${fileNameOf(options.dest)}.`);

  const meter = new SpeedMeter();
  let received = have;
  let lastReport = 0;
  const interval = options.progressIntervalMs ?? 200;
  const report = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastReport < interval) return;
    lastReport = now;
    const speed = meter.rate(now);
    options.onProgress?.({
      receivedBytes: received,
      totalBytes: total,
      bytesPerSecond: speed,
      secondsLeft: total !== null && speed > 0 ? Math.max(0, (total - received) / speed) : null,
      resumedFrom,
    });
  };
  report(true);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      hash.update(chunk);
      meter.add(Date.now(), chunk.length);
      report(false);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), counter, createWriteStream(part, { flags: have > 0 ? 'a' : 'w' }), {
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) {
      throw new GlassboxError('cancelled', `Download of ${fileNameOf(options.dest)} cancelled; ${formatMb(received)} are kept, and downloading it again resumes there.`);
    }
    const of = total !== null ? ` of ${formatMb(total)}` : '';
    throw new GlassboxError(
      'model-load-failed',
      `The download of ${fileNameOf(options.dest)} was interrupted after ${formatMb(received)}${of} (${describeCause(error)}). Download it again to resume where it stopped.`,
      { cause: error },
    );
  }
  report(true);
  return finish(options, part, received, resumedFrom, started, total, hash.digest('hex'), serverSha);
}

async function finish(
  options: DownloadOptions,
  part: string,
  received: number,
  resumedFrom: number,
  started: number,
  total: number | null,
  digest: string | null,
  serverSha: string | null = null,
): Promise<DownloadResult> {
  const name = fileNameOf(options.dest);
  const size = await sizeOf(part);
  const expected = options.expectedSize ?? total;
  if (expected !== null && size !== expected) {
    // Fewer bytes than announced: keep them, a later attempt resumes. More: the file is wrong.
    if (size > expected) await rm(part, { force: true });
    throw new GlassboxError('model-invalid', `${name} is incomplete: ${size} of ${expected} bytes arrived. Download it again to ${size > expected ? 'start over' : 'resume'}.`);
  }
  let sha = digest;
  if (sha === null) {
    const hash = createHash('sha256');
    await hashFile(part, hash);
    sha = hash.digest('hex');
  }
  const wanted = (options.sha256 ?? serverSha)?.toLowerCase() ?? null;
  if (wanted !== null && sha !== wanted) {
    await rm(part, { force: true });
    throw new GlassboxError('model-invalid', `${name} failed its checksum (sha256 ${sha.slice(0, 12)}…, expected ${wanted.slice(0, 12)}…); the damaged file was deleted. Download it again.`);
  }
  await rename(part, options.dest);
  return { path: options.dest, bytes: size, resumedFrom, sha256: sha, verified: wanted !== null, seconds: (Date.now() - started) / 1000 };
}

/** Bytes per second over the last few seconds (a sliding window of 250 ms buckets). */
class SpeedMeter {
  private readonly buckets: { t: number; bytes: number }[] = [];
  private readonly start = Date.now();

  add(now: number, bytes: number): void {
    const slot = Math.floor(now / 250) * 250;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.t === slot) last.bytes += bytes;
    else this.buckets.push({ t: slot, bytes });
    while (this.buckets.length > 0 && (this.buckets[0]?.t ?? now) < now - 3000) this.buckets.shift();
  }

  rate(now: number): number {
    if (this.buckets.length === 0) return 0;
    const from = Math.max(this.buckets[0]?.t ?? now, this.start);
    const seconds = Math.max(0.25, (now - from) / 1000);
    return this.buckets.reduce((sum, b) => sum + b.bytes, 0) / seconds;
  }
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function shaFromHeaders(headers: Headers): string | null {
  for (const name of ['x-linked-etag', 'etag']) {
    const value = headers.get(name)?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
    if (value && /^[0-9a-f]{64}$/.test(value)) return value;
  }
  return null;
}

function contentRangeTotal(value: string | null): number | null {
  const m = value ? /\/(\d+)\s*$/.exec(value) : null;
  return m ? Number(m[1]) : null;
}

function numberHeader(value: string | null): number | null {
  if (value === null) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function httpError(status: number, host: string, url: string): GlassboxError {
  if (status === 404) return new GlassboxError('not-found', `${host} has no file at ${url} (HTTP 404). The model may have been moved or renamed.`);
  if (status === 401 || status === 403) {
    return new GlassboxError('unauthorized', `${host} refused the download (HTTP ${status}). This model may need you to accept its licence on its page first.`);
  }
  if (status === 429) return new GlassboxError('busy', `${host} asks to slow down (HTTP 429). Try again in a few minutes.`);
  if (status >= 500) return new GlassboxError('model-load-failed', `${host} had a problem (HTTP ${status}). Try again later; the download resumes where it stopped.`);
  return new GlassboxError('model-load-failed', `${host} answered HTTP ${status} for ${url}.`);
}

function networkError(error: unknown, host: string, signal: AbortSignal | undefined): GlassboxError {
  if (signal?.aborted) return new GlassboxError('cancelled', 'Download cancelled.');
  const code = causeCode(error);
  if (code !== null && NETWORK_CODES.has(code)) {
    return new GlassboxError('model-load-failed', `You appear to be offline: ${host} could not be reached (${code}). Check the connection and try again; a partial download resumes where it stopped.`, { cause: error });
  }
  return new GlassboxError('model-load-failed', `Could not connect to ${host}: ${describeCause(error)}.`, { cause: error });
}

function causeCode(error: unknown): string | null {
  let e: unknown = error;
  for (let i = 0; i < 4 && typeof e === 'object' && e !== null; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

function describeCause(error: unknown): string {
  const code = causeCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code !== null ? `${message}, ${code}` : message;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function fileNameOf(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function formatMb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
