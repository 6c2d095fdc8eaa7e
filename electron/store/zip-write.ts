import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Zip, ZipDeflate } from 'fflate';

/**
 * A zip archive written to disk as it is built (fflate, deflated entries): what is in memory at
 * any time is the entry being added, not the archive. The archive is written beside `path` and
 * renamed over it when complete, so a failed export never leaves half a file under the real name.
 */
export class ZipFileWriter {
  private readonly temporary: string;
  private readonly fd: number;
  private readonly zip: Zip;
  private failure: Error | null = null;
  private written = 0;
  private done = false;

  constructor(
    private readonly path: string,
    private readonly mtime: Date = new Date(),
  ) {
    this.temporary = `${path}.${process.pid}.part`;
    this.fd = openSync(this.temporary, 'w');
    // Every callback comes synchronously from add/push/end (ZipDeflate is the synchronous kind).
    this.zip = new Zip((error, chunk) => {
      if (error !== null) this.failure = error;
      else if (this.failure === null) this.write(chunk);
    });
  }

  add(name: string, data: Uint8Array): void {
    const entry = new ZipDeflate(name, { level: 6 });
    entry.mtime = this.mtime;
    this.zip.add(entry);
    entry.push(data, true);
    this.check();
  }

  /** Finishes the archive, makes it durable and gives it its name; returns its size in bytes. */
  finish(): number {
    this.zip.end();
    this.check();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.done = true;
    renameSync(this.temporary, this.path);
    return this.written;
  }

  /** Removes what was written (after an error); harmless once finished. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.zip.terminate();
    closeSync(this.fd);
    rmSync(this.temporary, { force: true });
  }

  private write(chunk: Uint8Array): void {
    for (let offset = 0; offset < chunk.length; ) offset += writeSync(this.fd, chunk, offset, chunk.length - offset);
    this.written += chunk.length;
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }
}
