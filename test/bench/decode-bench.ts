/**
 * Runs the `decode` bench section on its own (the same code `glassbox bench --only decode` runs).
 *
 *   npx electron-vite build && npx rolldown test/bench/decode-bench.ts --platform node --format esm \
 *     --external node-llama-cpp --external zod --external better-sqlite3 -o out/decode-bench.mjs && \
 *   node out/decode-bench.mjs [--quick]
 *
 * The synthetic model is kept in $BENCH_WORK_DIR (default: <tmp>/glassbox-decode-bench) between runs.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBench } from '../../electron/bench/decode-bench';

const workDir = process.env.BENCH_WORK_DIR ?? join(tmpdir(), 'glassbox-decode-bench');
mkdirSync(workDir, { recursive: true });
const figures = await decodeBench.run({ workDir, quick: process.argv.includes('--quick'), log: (line) => void process.stderr.write(`${line}\n`) });
process.stdout.write(`${JSON.stringify({ decode: figures }, null, 2)}\n`);
