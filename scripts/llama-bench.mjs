#!/usr/bin/env node
// llama.cpp's own benchmark (llama-bench), built from the very llama.cpp source node-llama-cpp
// bundles (node_modules/node-llama-cpp/llama/gitRelease.bundle), for `glassbox bench`'s
// `decode.*ToLlamaBench` ratios: the same llama.cpp release as the app's, CPU only, native. Needs
// git, CMake and a C++ compiler (a test/bench tool: the app never builds llama.cpp). Built once into
// ~/.cache/glassbox/llama-bench/<release> (GLASSBOX_LLAMA_BENCH_CACHE); prints the binary's path.
// The decode bench uses LLAMA_BENCH when set, else this cache when it holds a build.
// Usage: node scripts/llama-bench.mjs   (about 10 minutes on 2 cores)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const llamaDir = join(root, 'node_modules', 'node-llama-cpp', 'llama');

/** The bundled release's tag (llama.cpp.info.json), so a newer node-llama-cpp gets its own build. */
export function bundledRelease() {
  try {
    const info = JSON.parse(readFileSync(join(llamaDir, 'llama.cpp.info.json'), 'utf8'));
    return typeof info.tag === 'string' && /^[\w.-]+$/.test(info.tag) ? info.tag : 'bundled';
  } catch {
    return 'bundled';
  }
}

export function llamaBenchPath() {
  const cache = process.env.GLASSBOX_LLAMA_BENCH_CACHE ?? join(homedir(), '.cache', 'glassbox', 'llama-bench');
  return join(cache, bundledRelease(), 'bin', 'llama-bench');
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal ?? result.error?.message})`);
}

function build() {
  const target = llamaBenchPath();
  if (existsSync(target)) return target;
  const bundle = join(llamaDir, 'gitRelease.bundle');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm install first`);
  const work = `${dirname(dirname(target))}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(dirname(work), { recursive: true });
  run('git', ['clone', '--quiet', bundle, join(work, 'src')]);
  const buildDir = join(work, 'build');
  run('cmake', ['-S', join(work, 'src'), '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DGGML_NATIVE=ON', '-DLLAMA_CURL=OFF', '-DLLAMA_BUILD_SERVER=OFF', '-DBUILD_SHARED_LIBS=OFF']);
  run('cmake', ['--build', buildDir, '--target', 'llama-bench', '-j', String(availableParallelism())]);
  mkdirSync(dirname(target), { recursive: true });
  renameSync(join(buildDir, 'bin', 'llama-bench'), target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(`${build()}\n`);
  } catch (error) {
    process.stderr.write(`llama-bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
