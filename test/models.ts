import { existsSync } from 'node:fs';
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
