import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledRelease, findLlamaBench } from '../../../electron/bench/llama-bench-binary';
import { bundledRelease as scriptRelease } from '../../../scripts/llama-bench.mjs';

describe('the decode bench finds llama-bench', () => {
  const cache = mkdtempSync(join(tmpdir(), 'gb-llama-bench-'));

  it('agrees with the build script on the release folder, read from node-llama-cpp (not a fallback)', () => {
    expect(bundledRelease()).toBe(scriptRelease());
    expect(bundledRelease()).not.toBe('bundled');
  });

  it('in LLAMA_BENCH first, else in the cache scripts/llama-bench.mjs builds into (by the bundled release), else not at all', () => {
    expect(findLlamaBench({ LLAMA_BENCH: '/opt/llama-bench', GLASSBOX_LLAMA_BENCH_CACHE: cache })).toBe('/opt/llama-bench');
    expect(findLlamaBench({ GLASSBOX_LLAMA_BENCH_CACHE: cache })).toBeNull();
    const built = join(cache, bundledRelease(), 'bin', 'llama-bench');
    mkdirSync(dirname(built), { recursive: true });
    writeFileSync(built, '#!/bin/sh\n');
    chmodSync(built, 0o755);
    expect(findLlamaBench({ GLASSBOX_LLAMA_BENCH_CACHE: cache })).toBe(built);
    expect(findLlamaBench({ LLAMA_BENCH: '', GLASSBOX_LLAMA_BENCH_CACHE: cache })).toBe(built);
  });
});
