import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../models';

// The boundary rules (eslint.boundaries.js) run on deliberate violations in
// test/fixtures/lint-violations/, linted under the path each pretends to have. Every line marked
// "boundary" must be reported, and nothing else.

const root = PROJECT_ROOT;
const fixtures = path.join(root, 'test/fixtures/lint-violations');
const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(fixture: string, pretendPath: string): Promise<{ lines: number[]; messages: string[] }> {
  const code = readFileSync(path.join(fixtures, fixture), 'utf8');
  const [result] = await eslint.lintText(code, { filePath: path.join(root, pretendPath) });
  if (result === undefined) throw new Error(`ESLint returned nothing for ${fixture}`);
  const fatal = result.messages.filter((m) => m.fatal === true);
  expect(fatal.map((m) => m.message)).toEqual([]);
  const boundary = result.messages.filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId));
  return { lines: boundary.map((m) => m.line).sort((a, b) => a - b), messages: boundary.map((m) => m.message) };
}

function markedLines(fixture: string): number[] {
  const lines = readFileSync(path.join(fixtures, fixture), 'utf8').split('\n');
  return lines.flatMap((line, i) => (/\/\/ boundary$/.test(line) ? [i + 1] : []));
}

const CASES = [
  { rule: 'the renderer imports only the contract (static, type-only and dynamic imports; Electron and Node too)', fixture: 'renderer-state.ts', as: 'renderer/src/lib/state/fixture.svelte.ts', count: 5, message: 'only through electron/contract/' },
  { rule: 'the renderer rule also bites inside a Svelte component', fixture: 'renderer-component.svelte', as: 'renderer/src/lib/components/Fixture.svelte', count: 1, message: 'only through electron/contract/' },
  { rule: 'services never import Electron, not even through main/', fixture: 'service.ts', as: 'electron/store/fixture.ts', count: 4, message: 'Services never import Electron' },
  { rule: 'the contract imports nothing of ours outside contract/, nor Node', fixture: 'contract.ts', as: 'electron/contract/fixture.ts', count: 4, message: 'The contract imports nothing of ours' },
];

describe('ESLint boundary rules', () => {
  it.each(CASES)('$rule', async ({ fixture, as, count, message }) => {
    const found = await boundaryErrors(fixture, as);
    expect(found.lines).toEqual(markedLines(fixture));
    expect(found.lines).toHaveLength(count);
    expect(found.messages.every((m) => m.includes(message))).toBe(true);
  });

  it('electron/main/ may import Electron: the same file raises nothing there', async () => {
    const found = await boundaryErrors('service.ts', 'electron/main/fixture.ts');
    expect(found.lines).toEqual([]);
  });
});
