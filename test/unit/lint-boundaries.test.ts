import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The boundary rules (eslint.boundaries.js) run on deliberate violations in
// test/fixtures/lint-violations/, linted under the path each pretends to have. Every line marked
// "boundary" must be reported, and nothing else.

const root = path.resolve(import.meta.dirname, '../..');
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

describe('ESLint boundary rules', () => {
  it('the renderer imports only the contract (static, type-only and dynamic imports; Electron and Node too)', async () => {
    const found = await boundaryErrors('renderer-state.ts', 'renderer/src/lib/state/fixture.svelte.ts');
    expect(found.lines).toEqual(markedLines('renderer-state.ts'));
    expect(found.lines).toHaveLength(5);
    expect(found.messages.every((m) => m.includes('only through electron/contract/'))).toBe(true);
  });

  it('the rule also bites inside a Svelte component', async () => {
    const found = await boundaryErrors('renderer-component.svelte', 'renderer/src/lib/components/Fixture.svelte');
    expect(found.lines).toEqual(markedLines('renderer-component.svelte'));
    expect(found.lines).toHaveLength(1);
  });

  it('services never import Electron, not even through main/', async () => {
    const found = await boundaryErrors('service.ts', 'electron/store/fixture.ts');
    expect(found.lines).toEqual(markedLines('service.ts'));
    expect(found.lines).toHaveLength(4);
    expect(found.messages.every((m) => m.includes('Services never import Electron'))).toBe(true);
  });

  it('electron/main/ may import Electron: the same file raises nothing there', async () => {
    const found = await boundaryErrors('service.ts', 'electron/main/fixture.ts');
    expect(found.lines).toEqual([]);
  });

  it('the contract imports nothing of ours outside contract/, nor Node', async () => {
    const found = await boundaryErrors('contract.ts', 'electron/contract/fixture.ts');
    expect(found.lines).toEqual(markedLines('contract.ts'));
    expect(found.lines).toHaveLength(4);
    expect(found.messages.every((m) => m.includes('The contract imports nothing of ours'))).toBe(true);
  });
});
