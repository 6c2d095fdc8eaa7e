import { describe, expect, it } from 'vitest';
import type { GeneratedToken } from '../../../electron/contract/token';
import type { ModelFacts } from '../../../electron/contract/model';
import { PROBABILITY_MEANING, quoteToken, tokenDescription } from '../../../renderer/src/lib/tokens';
import { characterCount, formatBytes, formatCount, formatDuration, formatPercent, formatRate } from '../../../renderer/src/lib/format';
import { modelFactRows, statsLine, statusLine } from '../../../renderer/src/lib/message-text';
import { describeErrorKind, midSentence } from '../../../renderer/src/lib/errors';

const token: GeneratedToken = {
  id: 1,
  text: ' there',
  p: 0.9213,
  top: [
    { id: 1, text: ' there', p: 0.9213 },
    { id: 2, text: ' a', p: 0.03 },
    { id: 3, text: '\n', p: 0.02 },
    { id: 4, text: ' the', p: 0.01 },
    { id: 5, text: ',', p: 0.005 },
    { id: 6, text: ' it', p: 0.00001 },
  ],
};

describe('renderer token text', () => {
  it('describes a token with its probability and top alternatives', () => {
    expect(tokenDescription(token)).toBe(
      '" there" 92.1% — alternatives: " there" 92.1%, " a" 3.0%, "\\n" 2.0%, " the" 1.0%, "," 0.5%, …',
    );
  });

  it('lists all alternatives without an ellipsis when they fit', () => {
    expect(tokenDescription({ ...token, top: token.top.slice(0, 2) })).toBe(
      '" there" 92.1% — alternatives: " there" 92.1%, " a" 3.0%',
    );
    expect(tokenDescription({ ...token, top: [] })).toBe('" there" 92.1%');
  });

  it('makes whitespace visible when quoting', () => {
    expect(quoteToken('\n\t ')).toBe('"\\n\\t "');
  });

  it('explains what the numbers mean', () => {
    expect(PROBABILITY_MEANING).toBe("Probability among the model's top-K candidates at temperature 1, before sampling");
  });
});

describe('renderer formatting', () => {
  it('formats percentages, bytes, counts, durations and rates', () => {
    expect(formatPercent(0.9213)).toBe('92.1%');
    expect(formatPercent(0.00001)).toBe('<0.1%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatBytes(1_185_376)).toBe('1.13 MiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(512)).toBe('512 bytes');
    // The tokenizer view counts what a reader sees: an emoji (with its skin tone) is one character.
    expect(characterCount('Hi 👍🏽!')).toBe(5);
    expect(characterCount('e\u0301')).toBe(1);
    expect(formatCount(292_864)).toBe('293K');
    expect(formatCount(1_235_814_400)).toBe('1.24B');
    expect(formatDuration(18.4)).toBe('18 ms');
    expect(formatDuration(1520)).toBe('1.52 s');
    expect(formatRate(312.44)).toBe('312 tokens/s');
    expect(formatRate(4.56)).toBe('4.6 tokens/s');
  });
});

describe('renderer message text', () => {
  it('explains an interrupted answer using the error message', () => {
    expect(statusLine('interrupted', { kind: 'engine-crashed', message: 'The engine stopped unexpectedly.' })).toBe(
      'Interrupted: the engine stopped unexpectedly. The partial answer was kept.',
    );
    expect(statusLine('stopped', null)).toBe('Stopped. The partial answer was kept.');
    expect(statusLine('complete', null)).toBeNull();
    expect(midSentence('GPU ran out of memory.')).toBe('GPU ran out of memory');
  });

  it('summarises generation stats', () => {
    const line = statsLine(
      { tokens: 42, promptTokens: 10, evaluatedPromptTokens: 10, ttftMs: 18, tokensPerSecond: 310.2, totalMs: 150 },
      { fileName: 'stories260K.gguf', path: '/m/stories260K.gguf', architecture: 'llama', fileSizeBytes: 1 },
    );
    expect(line).toBe('42 tokens · 18 ms to first token · 310 tokens/s · stories260K.gguf');
  });

  it('explains grouped-query attention when there are fewer KV heads', () => {
    const facts: ModelFacts = {
      path: '/m/a.gguf',
      fileName: 'a.gguf',
      name: null,
      architecture: 'llama',
      layers: 16,
      embeddingLength: 2048,
      attentionHeads: 32,
      kvHeads: 8,
      trainedContextLength: 131072,
      contextSize: 4096,
      vocabSize: 128256,
      parameters: 1_235_814_400,
      fileSizeBytes: 800_000_000,
      chatTemplate: 'Llama3_1ChatWrapper',
      gpu: 'false',
      gpuLayers: 0,
      threads: 4,
    };
    const rows = modelFactRows(facts);
    const kv = rows.find((r) => r.label === 'KV heads');
    expect(kv?.note).toBe('grouped-query attention: 4 query heads share each KV head');
    expect(rows.find((r) => r.label === 'Backend')?.value).toBe('CPU');
    expect(modelFactRows({ ...facts, kvHeads: 32 }).find((r) => r.label === 'KV heads')?.note).toBeUndefined();
  });

  it('tells the user what to do for each error kind', () => {
    expect(describeErrorKind('no-model', '')).toMatch(/^Load a model first/);
    expect(describeErrorKind('busy', '')).toContain('Stop');
    // The services' own messages already say what to do; they are shown as they are.
    expect(describeErrorKind('not-found', 'No model file at /x.gguf. Check the path and try again.')).toBe(
      'No model file at /x.gguf. Check the path and try again.',
    );
    expect(describeErrorKind('internal', 'boom')).toBe('Something went wrong: boom');
  });

  it('never shows the router\'s schema text to a person', () => {
    const text = describeErrorKind('invalid-argument', 'Invalid arguments for chat.send (text): Too big: expected string to have <=200000 characters');
    expect(text).not.toMatch(/chat\.send|expected string|<=|Invalid arguments/);
    expect(text).toMatch(/^Glassbox could not accept that/);
  });
});
