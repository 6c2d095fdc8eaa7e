import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The build output folder (out/), found by walking up from this module's file: the bundler may
 * put this code in out/main/cli.js or in a chunk below it, so no fixed relative path is safe.
 */
export function outDir(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (let i = 0; i < 5; i += 1) {
    if (existsSync(join(dir, 'renderer', 'index.html'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('The built renderer (out/renderer) was not found. Run `npm run build`.');
}
