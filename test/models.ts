import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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
