import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, STORIES_260K } from '../../models';

const BIN = join(PROJECT_ROOT, 'bin', 'glassbox.mjs');

function glassbox(...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface TokenLine {
  text: string;
  id: number;
  p: number;
  top: { text: string; id: number; p: number }[];
}

describe('glassbox generate --json', () => {
  it('prints one JSON object per token, then a summary', () => {
    const run = glassbox('generate', STORIES_260K(), '--prompt', 'Once upon a time', '--max-tokens', '24', '--temperature', '0', '--json');
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const done = lines.pop();
    expect(done).toMatchObject({ done: true, tokens: lines.length, meaning: 'top-k-share' });
    expect(done?.ttftMs).toBeGreaterThan(0);
    expect(done?.tokensPerSecond).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines as unknown as TokenLine[]) {
      expect(Object.keys(line).sort()).toEqual(['id', 'p', 'text', 'top']);
      expect(line.p).toBeGreaterThan(0);
      expect(line.p).toBeLessThanOrEqual(1);
      expect(line.top.map((a) => a.p)).toEqual([...line.top.map((a) => a.p)].sort((a, b) => b - a));
      expect(line.top[0]?.id).toBe(line.id);
      for (const alt of line.top) expect(Object.keys(alt).sort()).toEqual(['id', 'p', 'text']);
    }
  });

  it('--exact gives every token its whole-vocabulary probability: the same tokens, p at most the share', () => {
    const args = ['generate', STORIES_260K(), '--prompt', 'Once upon a time', '--max-tokens', '12', '--temperature', '0', '--top-k', '10', '--json'];
    const parsed = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const shares = parsed(glassbox(...args).stdout);
    const exact = parsed(glassbox(...args, '--exact').stdout);
    expect(exact.at(-1)).toMatchObject({ done: true, meaning: 'whole-vocabulary' });
    const tokens = (lines: Record<string, unknown>[]) => lines.slice(0, -1) as unknown as TokenLine[];
    expect(tokens(exact).map((t) => t.id)).toEqual(tokens(shares).map((t) => t.id));
    let below = 0;
    tokens(exact).forEach((token, i) => {
      const share = tokens(shares)[i]!;
      expect(token.p).toBeLessThanOrEqual(share.p + 1e-6);
      if (token.p < share.p - 1e-4) below++;
      // Shares of the top 10 sum to 1; exact probabilities leave the rest of the vocabulary its part.
      expect(share.top.reduce((sum, a) => sum + a.p, 0)).toBeCloseTo(1, 5);
    });
    expect(below).toBeGreaterThan(0);
  });

  it('gives the same answer for the same seed', () => {
    const args = ['generate', STORIES_260K(), '--prompt', 'Once upon a time', '--max-tokens', '16', '--temperature', '0.8', '--seed', '7', '--json'];
    const a = glassbox(...args);
    const b = glassbox(...args);
    expect(a.code).toBe(0);
    const texts = (out: string) => out.trim().split('\n').slice(0, -1).map((l) => (JSON.parse(l) as TokenLine).text).join('');
    expect(texts(a.stdout)).toBe(texts(b.stdout));
  });

  it('explains bad usage and missing models', () => {
    const usage = glassbox('generate', STORIES_260K());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--prompt/);
    const missing = glassbox('generate', '/nonexistent/model.gguf', '--prompt', 'hi');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not-found/);
  });
});
