import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { appendFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GlassboxError } from '../contract/errors';

const UPLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Web mode's uploads: a dropped file has no path there, so its bytes arrive in parts (each under
 * the socket's message limit) and are assembled in a folder of their own before they are read.
 * Upload ids come from the page: they are checked before they name a file.
 */
export class Uploads {
  constructor(
    private readonly dir: string,
    private readonly maxFileBytes: number,
  ) {
    // Uploads left by a previous run (the app was closed mid-upload) are never resumed.
    rmSync(dir, { recursive: true, force: true });
  }

  /** Appends a part at `offset`, which must be where the previous part ended. */
  async appendPart(uploadId: string, offset: number, base64: string): Promise<{ received: number }> {
    const path = this.pathOf(uploadId);
    mkdirSync(this.dir, { recursive: true });
    const size = existsSync(path) ? (await stat(path)).size : 0;
    if (offset !== size) throw new GlassboxError('invalid-argument', `Upload ${uploadId} expected offset ${size}, not ${offset}.`);
    const data = Buffer.from(base64, 'base64');
    if (size + data.length > this.maxFileBytes) {
      rmSync(path, { force: true });
      throw new GlassboxError('invalid-argument', `The upload is over the ${Math.round(this.maxFileBytes / 2 ** 20)} MB limit.`);
    }
    await appendFile(path, data);
    return { received: size + data.length };
  }

  /** The assembled file's path (an upload with no parts is an empty file). */
  async assembled(uploadId: string): Promise<string> {
    const path = this.pathOf(uploadId);
    if (!existsSync(path)) {
      mkdirSync(this.dir, { recursive: true });
      await appendFile(path, Buffer.alloc(0));
    }
    return path;
  }

  remove(uploadId: string): void {
    rmSync(this.pathOf(uploadId), { force: true });
  }

  private pathOf(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new GlassboxError('invalid-argument', 'An upload id is 1-64 letters, digits, _ or -.');
    return join(this.dir, uploadId);
  }
}
