import { describe, expect, it } from 'vitest';
import type { DocumentInfo } from '../../../electron/contract/documents';
import { buildContext, fitsWhole, passageTokens, type ContextBudget } from '../../../electron/documents/context-budget';
import type { ChunkHit, ChunkRow } from '../../../electron/documents/documents-store';

// context-budget.ts is pure: documents, chunks and hits go in as data, the passages come out.

function documentInfo(id: string, tokens: number): DocumentInfo {
  return { id, name: `${id}.md`, kind: 'markdown', sha256: id, bytes: tokens * 4, pages: 1, chunks: 2, tokens, tokenSource: 'approx', warnings: [], createdAt: 0 };
}

function chunk(documentId: string, seq: number, text: string, tokens: number, page: number | null = null): ChunkRow {
  return { id: seq + (documentId === 'b' ? 100 : 0), documentId, document: `${documentId}.md`, seq, page, start: seq * 1000, end: seq * 1000 + text.length, heading: '', text, tokens };
}

const CHUNKS: Record<string, ChunkRow[]> = {
  a: [chunk('a', 0, 'Ferns reproduce with spores.', 7), chunk('a', 1, 'Mosses lack true roots.', 6)],
  b: [chunk('b', 0, 'Cycads are seed plants.', 6), chunk('b', 1, 'Ginkgo is a living fossil.', 7)],
};
const chunksOf = (id: string): ChunkRow[] => CHUNKS[id] ?? [];

describe('context budget', () => {
  it('leaves the answer at most a quarter of the context, the prompt its characters and 96 tokens of overhead', () => {
    expect(passageTokens({ contextSize: 2048, answerTokens: 256, promptChars: 400 })).toBe(2048 - 256 - 100 - 96);
    expect(passageTokens({ contextSize: 2048, answerTokens: 4096, promptChars: 0 })).toBe(2048 - 512 - 96);
    expect(passageTokens({ contextSize: 100, answerTokens: 100, promptChars: 1000 })).toBe(48);
  });

  it('gives documents that fit whole, page by page, unscored', () => {
    const budget: ContextBudget = { contextSize: 2048, answerTokens: 256, promptChars: 0 };
    const documents = [documentInfo('a', 13), documentInfo('b', 13)];
    expect(fitsWhole(documents, budget)).toBe(true);
    const context = buildContext(documents, budget, [], chunksOf);
    expect(context?.sources.map((s) => [s.n, s.documentId, s.score])).toEqual([
      [1, 'a', null],
      [2, 'b', null],
    ]);
    expect(context?.sources[0]?.text).toBe('Ferns reproduce with spores.\n\nMosses lack true roots.');
    expect(context?.system).toContain('[2]');
  });

  it('gives the ranked passages that fit when the documents do not, cutting only the first for the model', () => {
    const budget: ContextBudget = { contextSize: 400, answerTokens: 100, promptChars: 0 };
    const documents = [documentInfo('a', 5000)];
    expect(fitsWhole(documents, budget)).toBe(false);
    const long = 'x'.repeat(2000);
    const hits: ChunkHit[] = [{ ...chunk('a', 5, long, 500), score: 3 }, { ...chunk('a', 6, 'second', 2), score: 2 }];
    const context = buildContext(documents, budget, hits, chunksOf);
    expect(context?.sources.map((s) => s.score)).toEqual([3]);
    expect(context?.sources[0]?.text).toBe(long);
    expect(context?.system).toContain('…');
    expect(context?.system.length).toBeLessThan(long.length);
  });

  it('falls back to the start of each document when nothing matched, and gives nothing for no documents', () => {
    const budget: ContextBudget = { contextSize: 400, answerTokens: 100, promptChars: 0 };
    const context = buildContext([documentInfo('a', 5000), documentInfo('b', 5000)], budget, [], chunksOf);
    expect(context?.sources.map((s) => s.text)).toEqual(['Ferns reproduce with spores.', 'Cycads are seed plants.']);
    expect(buildContext([], budget, [], chunksOf)).toBeNull();
  });
});
