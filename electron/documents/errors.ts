import { GlassboxError } from '../contract/errors';

/**
 * A file that cannot be added, with a message that says what is wrong and what to do. These cross
 * the boundary as 'invalid-argument' (the file is the argument); nothing of the file is kept.
 */
export function badDocument(name: string, problem: string): GlassboxError {
  return new GlassboxError('invalid-argument', `“${name}” was not added: ${problem}`);
}

export function cancelled(name: string): GlassboxError {
  return new GlassboxError('cancelled', `Adding “${name}” was cancelled.`);
}
