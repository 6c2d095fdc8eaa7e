import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * llama.cpp's llama-bench for the decode bench's baselines: LLAMA_BENCH when set, else the build
 * scripts/llama-bench.mjs leaves in its cache (same folder rule: the cache, then the bundled
 * llama.cpp release's tag), else null (the `*ToLlamaBench` ratios are left out, and said so).
 */
export function findLlamaBench(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env.LLAMA_BENCH;
  if (given !== undefined && given.length > 0) return given;
  const cache = env.GLASSBOX_LLAMA_BENCH_CACHE ?? join(homedir(), '.cache', 'glassbox', 'llama-bench');
  const path = join(cache, bundledRelease(), 'bin', 'llama-bench');
  return existsSync(path) ? path : null;
}

/** The bundled llama.cpp release's tag (node-llama-cpp's llama/llama.cpp.info.json). */
export function bundledRelease(): string {
  try {
    const info = JSON.parse(readFileSync(join(packageRoot(), 'llama', 'llama.cpp.info.json'), 'utf8')) as { tag?: unknown };
    return typeof info.tag === 'string' && /^[\w.-]+$/.test(info.tag) ? info.tag : 'bundled';
  } catch {
    return 'bundled';
  }
}

/** node-llama-cpp's folder: its exports hide package.json, so walk up from its entry point. */
function packageRoot(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
  while (!existsSync(join(dir, 'llama', 'llama.cpp.info.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('node-llama-cpp has no llama/llama.cpp.info.json');
    dir = parent;
  }
  return dir;
}
