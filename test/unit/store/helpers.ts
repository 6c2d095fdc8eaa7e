import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGlassboxError } from '../../../electron/contract/errors';
import type { GeneratedToken } from '../../../electron/contract/token';

/** A fresh temporary folder per test, removed afterwards by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function token(id: number, text: string, p: number, top: Array<[number, string, number]> = []): GeneratedToken {
  return { id, text, p, top: top.map(([altId, altText, altP]) => ({ id: altId, text: altText, p: altP })) };
}

/** Tokens that break naive encodings: empty, extreme doubles, emoji, a lone surrogate, escapes. */
export const awkwardTokens: GeneratedToken[] = [
  token(0, '', 0, []),
  token(1, ' Hello', 1, [[1, ' Hello', 1]]),
  token(2, 'é', 0.1 + 0.2, [
    [2, 'é', 0.30000000000000004],
    [77, '🙂', Number.MIN_VALUE],
  ]),
  token(3, '\ud83d', 5e-324, [[3, '\ud83d', 1 / 3]]), // half an emoji: a lone surrogate
  token(4, '"\\\n\t\u0000', 0.9999999999999999, [[2 ** 31 - 1, '中文', 2 ** -40]]),
];

/** The error kind `fn` throws ('no error' when it returns), for asserting typed store errors. */
export function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isGlassboxError(error) ? error.kind : `not a GlassboxError: ${String(error)}`;
  }
  return 'no error';
}
