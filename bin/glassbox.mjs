#!/usr/bin/env node
// The `glassbox` command. It runs the built CLI (out/main/cli.js) and builds it first when a fresh
// checkout has no build yet, with the build's own output kept off stdout (web mode's first line
// must be its URL; --json output must stay JSON).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'out', 'main', 'cli.js');

if (!existsSync(cli)) {
  process.stderr.write('Glassbox is not built yet; building it once (electron-vite build)...\n');
  const viteBin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const build = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'error'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (build.status !== 0 || !existsSync(cli)) {
    process.stderr.write('The build failed. Run `npm run build` to see why.\n');
    process.exit(1);
  }
}

await import(pathToFileURL(cli).href);
