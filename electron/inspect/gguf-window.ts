import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { GlassboxError } from '../contract/errors';

// The GGUF reader's byte window (gguf-reader.ts parses through it): bounds and plausibility checks
// on every length and count, so a corrupt or truncated header is refused with a message, never read
// past its end or trusted with a giant allocation.

const FIRST_CHUNK = 4 << 20;
/** No metadata string is anywhere near this long; a longer length means a corrupt file, not a big one. */
const MAX_STRING = 256 << 20;
const PLAUSIBLE_COUNT = 1 << 24;

/** Thrown by the synchronous parser when the buffered window ends before the file does. */
export const NEED_MORE: unique symbol = Symbol('need-more');

export function invalid(path: string, message: string): GlassboxError {
  return new GlassboxError('model-invalid', `${basename(path)}: ${message}`);
}

/**
 * A window over the file. Parsing is synchronous over the buffered bytes; when it runs past the
 * window the caller rewinds to the last complete entry, reads a larger window and parses that entry
 * again. So the hot loops (128k tokenizer strings) never await, and a 2.5 GB file costs one or a few
 * large reads of its header only.
 */
export class Window {
  buf: Buffer = Buffer.alloc(0);
  base = 0;
  pos = 0;
  /** Start of the entry being parsed: where to rewind to after NEED_MORE. */
  mark = 0;
  bytesRead = 0;

  constructor(
    readonly path: string,
    readonly fileSize: number,
  ) {}

  /** Claims n bytes at pos and returns their index in buf. */
  take(n: number, what: string): number {
    const end = this.pos + n;
    if (end > this.base + this.buf.length) {
      if (end > this.fileSize) {
        throw invalid(this.path, `the file ends inside the GGUF header (reading ${what} at byte ${this.pos}, file has ${this.fileSize} bytes); the download may be incomplete.`);
      }
      throw NEED_MORE;
    }
    const at = this.pos - this.base;
    this.pos = end;
    return at;
  }

  checkpoint(): void {
    this.mark = this.pos;
  }

  u32(what: string): number {
    return this.buf.readUInt32LE(this.take(4, what));
  }

  /** A u64 that must be a safe integer (counts, lengths, dimensions, offsets). */
  size(what: string): number {
    const at = this.take(8, what);
    const hi = this.buf.readUInt32LE(at + 4);
    if (hi >= 0x200000) throw invalid(this.path, `${what} at byte ${this.pos - 8} is absurdly large; the header is corrupt.`);
    return hi * 0x100000000 + this.buf.readUInt32LE(at);
  }

  /** A count of items that each take at least minBytes: more than the rest of the file can hold is corruption. */
  count(what: string, minBytes: number): number {
    const n = this.size(what);
    if (n * minBytes > this.fileSize - this.pos) {
      // A plausible count in a short file is a cut download; an impossible one is corruption.
      if (n <= PLAUSIBLE_COUNT) {
        throw invalid(this.path, `the file ends inside the GGUF header (${what} is ${n}, but only ${this.fileSize - this.pos} bytes follow); the download may be incomplete.`);
      }
      throw invalid(this.path, `the header says ${what} is ${n}, more than the file's ${this.fileSize} bytes could hold; the header is corrupt.`);
    }
    return n;
  }

  stringLength(what: string): number {
    const len = this.size(`length of ${what}`);
    if (len > MAX_STRING || (len > this.fileSize - this.pos && len > 16 << 20)) {
      throw invalid(this.path, `${what} at byte ${this.pos - 8} claims ${len} bytes; the header is corrupt.`);
    }
    return len;
  }

  string(what: string): string {
    const len = this.stringLength(what);
    const at = this.take(len, what);
    return this.buf.toString('utf8', at, at + len);
  }

  /**
   * Skips `count` strings with one tight loop over the buffer: this is where a header with a 128k-token
   * vocabulary and 280k merges spends its time, so no per-string allocation or call chain.
   */
  skipStrings(count: number, what: string): void {
    const buf = this.buf;
    const limit = buf.length;
    let p = this.pos - this.base;
    for (let i = 0; i < count; i++) {
      if (p + 8 > limit) {
        this.pos = this.base + p;
        this.take(8, `length of ${what}`);
      }
      const len = buf.readUInt32LE(p);
      if (buf.readUInt32LE(p + 4) !== 0 || len > MAX_STRING) {
        this.pos = this.base + p;
        this.stringLength(what);
      }
      if (p + 8 + len > limit) {
        this.pos = this.base + p + 8;
        this.take(len, what);
      }
      p += 8 + len;
    }
    this.pos = this.base + p;
  }

  async fill(handle: FileHandle, from: number): Promise<void> {
    const end = this.base + this.buf.length;
    const have = Math.max(0, end - from);
    // Doubling the window bounds re-parsing of a long entry to about twice its length.
    const size = Math.min(this.fileSize - from, Math.max(FIRST_CHUNK, have * 2, this.buf.length * 2));
    if (size <= have) throw invalid(this.path, 'internal reader error: window did not grow.');
    const next = Buffer.allocUnsafe(size);
    if (have > 0) this.buf.copy(next, 0, from - this.base, from - this.base + have);
    let filled = have;
    while (filled < size) {
      const { bytesRead } = await handle.read(next, filled, size - filled, from + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      this.bytesRead += bytesRead;
    }
    // A file that shrank while we read it reads as truncated rather than hanging.
    this.buf = filled === size ? next : next.subarray(0, filled);
    this.base = from;
    this.pos = from;
  }
}
