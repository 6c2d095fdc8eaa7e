import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstComment, lineCount, LINE_LIMIT, longFilesWithoutReason } from '../../../scripts/long-files.mjs';
import { PROJECT_ROOT } from '../../models';
import { tempDir } from '../store/helpers';

const root = PROJECT_ROOT;
const body = (n: number): string => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';

describe('long files need a reason in their first comment', () => {
  let dir: { dir: string; cleanup: () => void };
  const write = (file: string, text: string): string => {
    mkdirSync(path.dirname(path.join(dir.dir, file)), { recursive: true });
    writeFileSync(path.join(dir.dir, file), text);
    return file;
  };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('lists a file over the limit without a reason, and only that one', () => {
    const files = [
      write('a/at-limit.ts', `// Short enough.\n${body(LINE_LIMIT - 1)}`),
      write('a/over.ts', `// Does many things.\n${body(LINE_LIMIT)}`),
      write('a/reasoned.ts', `/**\n * A parser table.\n * Long file: one generated table.\n */\n${body(LINE_LIMIT)}`),
      write('a/late-reason.ts', `// Does many things.\n${body(LINE_LIMIT)}// Long file: said too late.\n`),
      write('a/View.svelte', `<!-- A view. Long file: the template is one piece. -->\n${body(LINE_LIMIT)}`),
    ];
    expect(longFilesWithoutReason(dir.dir, files)).toEqual([
      { file: 'a/late-reason.ts', lines: LINE_LIMIT + 2 },
      { file: 'a/over.ts', lines: LINE_LIMIT + 1 },
    ]);
  });

  it('counts lines as wc -l does and finds the first comment after imports', () => {
    expect(lineCount('')).toBe(0);
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
    expect(firstComment("import x from 'y';\n\n// Why: one.\n// Two.\nconst a = 1; // not this\n")).toBe('// Why: one.\n// Two.');
    expect(firstComment('const a = 1;\n')).toBe('');
  });

  it('holds for this repository: no source file over the limit without a reason', () => {
    expect(longFilesWithoutReason(root)).toEqual([]);
  });
});
