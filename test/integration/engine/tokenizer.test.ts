import { readFileSync } from 'node:fs';
import { getLlama, Llama3_1ChatWrapper, LlamaLogLevel, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS } from '../../../electron/contract/engine-protocol';
import { PLAIN_TEXT_TEMPLATE, renderForScoring } from '../../../electron/engine/chat-prompt';
import { LlamaRuntime } from '../../../electron/engine/llama-runtime';
import { scorePrompt } from '../../../electron/engine/scoring';
import { byteLevelDecode, showBytes, tokenizeToPieces } from '../../../electron/engine/tokenize';
import { STORIES_260K, testModel } from '../../models';

// In-process: the vocabulary-only GGUFs cannot be loaded as models (no weights), so the tokenizer
// module the worker uses (electron/engine/tokenize.ts) is run here on node-llama-cpp's vocabOnly load.

/** llama.cpp's tokenizer test vectors: inputs separated by `__ggml_vocab_test__` lines, one line of ids per input. */
function testVectors(base: string): { text: string; ids: number[] }[] {
  const inputs = readFileSync(`${base}.inp`, 'utf8').split('\n__ggml_vocab_test__\n');
  inputs.pop(); // after the last separator
  const outputs = readFileSync(`${base}.out`, 'utf8').split('\n');
  if (outputs[outputs.length - 1] === '') outputs.pop();
  expect(outputs).toHaveLength(inputs.length);
  return inputs.map((text, i) => ({
    text,
    ids: (outputs[i] ?? '').split(' ').filter((s) => s.length > 0).map(Number),
  }));
}

let llama: Llama;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
});

describe('tokenizer view with the Llama 3 (byte-level BPE) vocabulary', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await llama.loadModel({ modelPath: testModel('ggml-vocab-llama-bpe.gguf'), vocabOnly: true });
  });
  afterAll(() => model.dispose());

  it('gives exactly llama.cpp\'s ids for every test vector', () => {
    const vectors = testVectors(testModel('ggml-vocab-llama-bpe.gguf'));
    expect(vectors.length).toBeGreaterThan(30);
    for (const { text, ids } of vectors) {
      expect(tokenizeToPieces(model, text, { addBos: false }).map((p) => p.id), JSON.stringify(text)).toEqual(ids);
    }
  });

  it('adds BOS and parses special tokens, marking them special', () => {
    const pieces = tokenizeToPieces(model, 'Hi<|eot_id|> there');
    expect(pieces).toEqual([
      { id: 128000, text: '<|begin_of_text|>', special: true },
      { id: 13347, text: 'Hi', special: false },
      { id: 128009, text: '<|eot_id|>', special: true },
      { id: 1070, text: ' there', special: false },
    ]);
  });

  it('shows whole characters as text and parts of characters as <0xNN> bytes', () => {
    const vectors = testVectors(testModel('ggml-vocab-llama-bpe.gguf'));
    for (const { text } of vectors) {
      const pieces = tokenizeToPieces(model, text, { addBos: false });
      const joined = pieces.map((p) => p.text).join('');
      if (!joined.includes('<0x')) expect(joined).toBe(text);
    }
    // "🚀" is one Llama 3 token pair split inside the character: F0 9F 9A + 80.
    const rocket = tokenizeToPieces(model, '🚀', { addBos: false });
    expect(rocket.map((p) => p.id)).toEqual([9468, 248, 222]);
    expect(rocket.map((p) => p.text)).toEqual(['<0xF0><0x9F>', '<0x9A>', '<0x80>']);
    expect(tokenizeToPieces(model, ' ½', { addBos: false }).map((p) => p.text)).toEqual([' ', '½']);
  });

  it('finds the last message\'s tokens in a chat-template prompt', () => {
    const turns = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hello there, how are you?' },
    ];
    const { tokens, span } = renderForScoring(model, new Llama3_1ChatWrapper(), turns);
    expect(model.detokenize(tokens.slice(span.start, span.end) as Token[])).toBe('Hello there, how are you?');
    expect(span.end).toBeLessThan(tokens.length); // the template's end-of-turn and assistant header follow
  });
});

describe('tokenizer view with the Llama 2 (SentencePiece) vocabulary', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await llama.loadModel({ modelPath: testModel('ggml-vocab-llama-spm.gguf'), vocabOnly: true });
  });
  afterAll(() => model.dispose());

  it('shows "▁" as a space and byte tokens as <0xNN>', () => {
    const pieces = tokenizeToPieces(model, 'Hello ½ 😀');
    expect(pieces[0]).toEqual({ id: 1, text: '<s>', special: true });
    expect(pieces.slice(1).map((p) => p.text)).toEqual([' Hello', ' ', '½', ' ', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
  });
});

describe('byte display helpers', () => {
  it('decodes byte-level spellings and shows invalid UTF-8 as bytes', () => {
    expect(showBytes(byteLevelDecode('Ġhello')!)).toBe(' hello');
    expect(showBytes(byteLevelDecode('Âł')!)).toBe('\u00a0');
    expect(showBytes(Uint8Array.of(0x61, 0xe2, 0x82))).toBe('a<0xE2><0x82>');
    expect(showBytes(Uint8Array.of(0xe2, 0x82, 0xac))).toBe('€');
    expect(byteLevelDecode('<|x|>☃')).toBeNull();
  });
});

describe('scoring in process (stories260K)', () => {
  const runtime = new LlamaRuntime();
  beforeAll(async () => {
    const facts = await runtime.load(STORIES_260K(), DEFAULT_LOAD_OPTIONS, () => undefined);
    expect(facts.chatTemplate).toBe(PLAIN_TEXT_TEMPLATE);
  });
  afterAll(() => runtime.unload());

  it('a token outside the candidate pool has p = null and is left out of the perplexity', async () => {
    const loaded = runtime.loaded!;
    const messages = [{ role: 'user' as const, content: 'Once upon a time zq xylophone, Kx.' }];
    const wide = await scorePrompt(loaded, messages, 10);
    const narrow = await scorePrompt(loaded, messages, 10, { pool: 10 });
    expect(narrow.tokens.map((t) => t.id)).toEqual(wide.tokens.map((t) => t.id));
    let logSum = 0;
    let counted = 0;
    for (const [i, token] of narrow.tokens.entries()) {
      const inTop = token.top.some((a) => a.id === token.id);
      if (inTop) {
        expect(token.p).toBeCloseTo(wide.tokens[i]!.p!, 6);
        logSum -= Math.log(token.p!);
        counted++;
      } else {
        expect(token.p).toBeNull();
        expect(wide.tokens[i]!.p).toBeGreaterThan(0); // the full pool (vocabulary 512 < 1000) knows it
      }
    }
    expect(counted).toBeLessThan(narrow.tokens.length);
    expect(narrow.perplexity).toBeCloseTo(Math.exp(logSum / counted), 6);
  });

  it('evaluates only what the cache does not hold', async () => {
    const loaded = runtime.loaded!;
    const user = { role: 'user' as const, content: 'Once upon a time' };
    const first = await scorePrompt(loaded, [user], 5);
    expect(first.tokens.map((t) => t.text).join('')).toBe(' Once upon a time');
    const answer = await scorePrompt(loaded, [user, { role: 'assistant', content: ', there was a little girl.' }], 5);
    // Plain text: the answer continues the user's text directly, without a SentencePiece space.
    expect(answer.tokens.map((t) => t.text).join('')).toBe(', there was a little girl.');
    // The user's tokens were cached: from the position before the answer on, one per scored token.
    expect(answer.evaluatedTokens).toBe(answer.tokens.length);
    expect(answer.tokens[0]!.p).toBeGreaterThan(0.9);
  });
});
