import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS, type ChatTurn, type GenerateRequest, type GenerateResult } from '../../../electron/contract/engine-protocol';
import { GlassboxError } from '../../../electron/contract/errors';
import { DEFAULT_SAMPLING, type Sampling } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { STORIES_260K } from '../../models';

// Runs the built worker (out/main/engine-worker.js): run `npx electron-vite build` first.

const PROMPT: ChatTurn[] = [{ role: 'user', content: 'Once upon a time' }];

function request(sampling: Partial<Sampling>, messages: ChatTurn[] = PROMPT, topAlternatives = 5): GenerateRequest {
  return { messages, sampling: { ...DEFAULT_SAMPLING, maxTokens: 48, ...sampling }, topAlternatives };
}

async function collect(engine: EngineHost, req: GenerateRequest): Promise<{ tokens: GeneratedToken[]; result: GenerateResult }> {
  return collectFrom(engine, req, 0);
}

/** Streamed indexes start at `first` (the number of prefix tokens of a branch); each batch starts where the last ended. */
async function collectFrom(engine: EngineHost, req: GenerateRequest, first: number): Promise<{ tokens: GeneratedToken[]; result: GenerateResult }> {
  const tokens: GeneratedToken[] = [];
  const result = await engine.generate(req, (batch) => {
    expect(batch.first).toBe(first + tokens.length);
    tokens.push(...batch.tokens);
  }).result;
  return { tokens, result };
}

/** Tokens of a text as a continuation (no BOS, no SentencePiece space in front). */
function engineTokens(pieces: { special: boolean }[]): number {
  return pieces.filter((p) => !p.special).length;
}

async function errorOf(promise: Promise<unknown>): Promise<GlassboxError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GlassboxError);
  return error as GlassboxError;
}

describe('engine host with the stories260K model', () => {
  const engine = new EngineHost(createNodeLauncher());
  const progress: number[] = [];

  beforeAll(async () => {
    const facts = await engine.load(STORIES_260K(), DEFAULT_LOAD_OPTIONS, (p) => progress.push(p));
    expect(facts).toMatchObject({ architecture: 'llama', layers: 5, attentionHeads: 8, kvHeads: 4, embeddingLength: 64, trainedContextLength: 2048, vocabSize: 512, gpu: 'cpu', gpuLayers: 0 });
    expect(facts.contextSize).toBeGreaterThanOrEqual(2048);
    expect(facts.threads).toBe(1); // a tiny model decodes fastest on one thread
    expect(facts.chatTemplate).toBe('none (plain text)'); // no tokenizer.chat_template: a base model continues text
  });
  afterAll(() => engine.dispose());

  it('reported load progress', () => {
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('generates a story with probabilities that are consistent', async () => {
    const { tokens, result } = await collect(engine, request({ temperature: 0.8, topK: 40, seed: 7 }, PROMPT, 40));
    expect(result.status).toBe('complete');
    expect(result.tokens).toBe(tokens.length);
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.map((t) => t.text).join('')).toBe(result.text);
    expect(result.text).toMatch(/[a-z]/);
    for (const token of tokens) {
      expect(token.p).toBeGreaterThan(0);
      expect(token.p).toBeLessThanOrEqual(1);
      expect(token.top.length).toBeGreaterThan(0);
      for (let i = 1; i < token.top.length; i++) expect(token.top[i]!.p).toBeLessThanOrEqual(token.top[i - 1]!.p);
      expect(token.top.reduce((s, a) => s + a.p, 0)).toBeLessThanOrEqual(1 + 1e-6);
      expect(token.top.some((a) => a.id === token.id)).toBe(true); // topAlternatives = topK
    }
    expect(result.ttftMs).not.toBeNull();
    expect(result.totalMs).toBeGreaterThan(0);
  });

  it('continues a plain-text model\'s text instead of answering in a guessed chat format', async () => {
    const { tokens, result } = await collect(engine, request({ temperature: 0, maxTokens: 8 }));
    expect(result.text).toMatch(/^, there was a little/);
    expect(tokens[0]!.text).toBe(',');
    expect(tokens[0]!.p).toBeGreaterThan(0.9); // the top token is confident
    expect(result.promptTokens).toBe(5); // BOS + "Once upon a time": no chat markup
  });

  it('greedy decoding picks the most probable token every time', async () => {
    const { tokens } = await collect(engine, request({ temperature: 0 }));
    expect(tokens.length).toBeGreaterThan(3);
    for (const token of tokens) expect(token.id).toBe(token.top[0]!.id);
  });

  it('the same seed gives the same answer', async () => {
    const a = await collect(engine, request({ temperature: 0.8, seed: 1234 }));
    const b = await collect(engine, request({ temperature: 0.8, seed: 1234 }));
    expect(b.tokens.map((t) => t.id)).toEqual(a.tokens.map((t) => t.id));
    expect(b.result.text).toBe(a.result.text);
  });

  it('a second turn reuses the KV cache of the first', async () => {
    const first = await collect(engine, request({ temperature: 0, maxTokens: 24 }));
    const second = await collect(
      engine,
      request({ temperature: 0, maxTokens: 8 }, [...PROMPT, { role: 'assistant', content: first.result.text }, { role: 'user', content: 'The end.' }]),
    );
    expect(second.result.evaluatedPromptTokens).toBeLessThan(second.result.promptTokens);
    expect(second.result.promptTokens - second.result.evaluatedPromptTokens).toBeGreaterThanOrEqual(first.result.promptTokens);
    // Plain text: the first answer's tokens are kept as generated, so only the separator and the
    // new user text (plus the last answer token, never evaluated during generation) are new.
    const separatorAndUser = engineTokens(await engine.tokenize('\n\nThe end.'));
    expect(second.result.evaluatedPromptTokens).toBeLessThanOrEqual(separatorAndUser + 2);
  });

  it('tokenizes with the model\'s ids, BOS and special tokens marked', async () => {
    const pieces = await engine.tokenize('Once upon a time</s>');
    expect(pieces.map((p) => p.id)).toEqual([1, 403, 407, 261, 378, 2]);
    expect(pieces.map((p) => p.special)).toEqual([true, false, false, false, false, true]);
    // SentencePiece's "▁" is shown as the space it is, also before the first word.
    expect(pieces.map((p) => p.text)).toEqual(['<s>', ' Once', ' upon', ' a', ' time', '</s>']);
  });

  it('scores the last message: p as in exact generation, alternatives, perplexity', async () => {
    // Scoring is always exact (whole vocabulary); generation is when asked for it.
    const greedy = await collect(engine, { ...request({ temperature: 0, topK: 10, maxTokens: 1 }, PROMPT, 10), exactProbabilities: true });
    const scored = await engine.score([{ role: 'user', content: 'Once upon a time,' }], 10);
    expect(scored.tokens.map((t) => t.text).join('')).toBe(' Once upon a time,');
    const comma = scored.tokens[scored.tokens.length - 1]!;
    expect(comma.id).toBe(greedy.tokens[0]!.id);
    // Same meaning as an exact generated token's p: the whole-vocabulary softmax at temperature 1.
    expect(comma.p).toBeCloseTo(greedy.tokens[0]!.p, 4);
    expect(comma.top.map((a) => a.id)).toEqual(greedy.tokens[0]!.top.map((a) => a.id));
    for (const token of scored.tokens) {
      expect(token.p).not.toBeNull(); // BOS is not part of the message, so every token has a context
      expect(token.top).toHaveLength(10);
    }
    const expected = Math.exp(-scored.tokens.reduce((s, t) => s + Math.log(t.p!), 0) / scored.tokens.length);
    expect(scored.perplexity).toBeCloseTo(expected, 6);

    // An unlikely token: outside the top K, p stays on the same scale, below the K-th candidate.
    const odd = await engine.score([{ role: 'user', content: 'Once upon a time zq xylophone, Kx.' }], 10);
    const outside = odd.tokens.filter((t) => !t.top.some((a) => a.id === t.id));
    expect(outside.length).toBeGreaterThan(0);
    for (const token of outside) {
      expect(token.p).toBeGreaterThan(0);
      expect(token.p!).toBeLessThan(token.top[token.top.length - 1]!.p);
    }
    expect(odd.perplexity!).toBeGreaterThan(scored.perplexity!);
  });

  it('scoring leaves the KV cache useful to the next generation', async () => {
    await engine.score([{ role: 'user', content: 'Once upon a time' }], 5);
    const { result } = await collect(engine, request({ temperature: 0, maxTokens: 4 }));
    expect(result.evaluatedPromptTokens).toBeLessThanOrEqual(2);
  });

  it('branches from a token: the prefix is kept exactly and the answer goes on from the chosen alternative', async () => {
    const original = await collect(engine, request({ temperature: 0, maxTokens: 24 }));
    expect(original.result.finishReason).toBe('max-tokens');
    const ids = original.tokens.map((t) => t.id);
    const k = 6;

    // Branching with the token the answer had: greedy decoding writes the same answer.
    const same = await collectFrom(engine, { ...request({ temperature: 0, maxTokens: 24 - k - 1 }), prefixTokens: ids.slice(0, k + 1) }, k + 1);
    expect(same.result.prefixText).toBe(original.tokens.slice(0, k + 1).map((t) => t.text).join(''));
    expect(same.tokens.map((t) => t.id)).toEqual(ids.slice(k + 1));
    expect(same.result.text).toBe(original.result.text);
    expect(same.result.tokens).toBe(24 - k - 1);
    expect(same.result.evaluatedPromptTokens).toBe(1); // prompt and prefix were in the KV cache
    expect(same.result.promptTokens).toBe(original.result.promptTokens + k + 1);

    // Branching with the second-best alternative at position k.
    const alternative = original.tokens[k]!.top.find((a) => a.id !== ids[k])!;
    const prefix = [...ids.slice(0, k), alternative.id];
    const branch = await collectFrom(engine, { ...request({ temperature: 0, maxTokens: 10 }), prefixTokens: prefix }, k + 1);
    const prefixText = original.tokens.slice(0, k).map((t) => t.text).join('') + alternative.text;
    expect(branch.result.prefixText).toBe(prefixText);
    expect(branch.result.text.startsWith(prefixText)).toBe(true);
    expect(branch.result.text).toBe(prefixText + branch.tokens.map((t) => t.text).join(''));
    expect(branch.result.evaluatedPromptTokens).toBe(1); // only the alternative was new
    expect(branch.tokens[0]!.id).not.toBe(ids[k + 1]);

    // The same branch with a cold cache gives the same tokens: the answer follows the alternative,
    // not what was cached after the original token.
    await collect(engine, request({ temperature: 0, maxTokens: 2 }, [{ role: 'user', content: 'The dog' }]));
    const cold = await collectFrom(engine, { ...request({ temperature: 0, maxTokens: 10 }), prefixTokens: prefix }, k + 1);
    expect(cold.result.evaluatedPromptTokens).toBeGreaterThan(k);
    expect(cold.tokens.map((t) => t.id)).toEqual(branch.tokens.map((t) => t.id));
    for (const [i, token] of cold.tokens.entries()) expect(token.p).toBeCloseTo(branch.tokens[i]!.p, 4);
  });

  it('stops mid-stream when asked', async () => {
    let count = 0;
    const generation = engine.generate(request({ temperature: 0.8, maxTokens: 1000 }), (batch) => {
      const before = count;
      count += batch.tokens.length;
      if (before < 3 && count >= 3) generation.stop();
    });
    const result = await generation.result;
    expect(result.status).toBe('stopped');
    expect(result.finishReason).toBe('cancelled');
    // stories260K writes ~2,000 tokens/s and the engine sends tokens in batches of up to 16 ms
    // (token-batcher.ts), so the stop lands a few dozen tokens after the third.
    expect(result.tokens).toBeLessThan(200);
  });

  it('refuses a second generation while one runs', async () => {
    const first = engine.generate(request({ temperature: 0.8, maxTokens: 1000 }), () => undefined);
    const second = engine.generate(request({}), () => undefined);
    expect((await errorOf(second.result)).kind).toBe('busy');
    first.stop();
    await first.result;
  });

  it('survives the engine process being killed mid-stream, then reloads the model', async () => {
    const crashes: string[] = [];
    const off = engine.onCrash((message) => crashes.push(message));
    const oldPid = engine.pid;
    expect(oldPid).not.toBeNull();
    let count = 0;
    const generation = engine.generate(request({ temperature: 0.8, maxTokens: 1000 }), (batch) => {
      const before = count;
      count += batch.tokens.length;
      if (before < 3 && count >= 3) process.kill(oldPid!, 'SIGKILL');
    });
    const error = await errorOf(generation.result);
    expect(error.kind).toBe('engine-crashed');
    expect(error.message).toMatch(/SIGKILL/);
    expect(crashes).toHaveLength(1);
    const after = await collect(engine, request({ temperature: 0 }));
    expect(after.tokens.length).toBeGreaterThan(0);
    expect(engine.pid).not.toBe(oldPid);
    off();
  });

  it('reports a missing or broken model file with a typed error, and keeps working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-engine-'));
    expect((await errorOf(engine.load(join(dir, 'missing.gguf'), DEFAULT_LOAD_OPTIONS))).kind).toBe('not-found');

    const original = readFileSync(STORIES_260K());
    const broken = {
      'header-only.gguf': original.subarray(0, 1000),
      'data-truncated.gguf': original.subarray(0, Math.floor(original.length * 0.7)),
      'random.gguf': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)),
    };
    for (const [name, bytes] of Object.entries(broken)) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const error = await errorOf(engine.load(path, DEFAULT_LOAD_OPTIONS));
      expect(error.kind, `${name}: ${error.message}`).toBe('model-invalid');
      expect(error.message).toContain(name);
    }

    await engine.load(STORIES_260K(), DEFAULT_LOAD_OPTIONS);
    const { tokens } = await collect(engine, request({ temperature: 0 }));
    expect(tokens.length).toBeGreaterThan(0);
  });
});

describe('engine host without a model', () => {
  const engine = new EngineHost(createNodeLauncher());
  afterAll(() => engine.dispose());

  it('refuses to generate', async () => {
    expect((await errorOf(engine.generate(request({}), () => undefined).result)).kind).toBe('no-model');
  });

  it('ends the answer when the context is full instead of shifting it', async () => {
    const facts = await engine.load(STORIES_260K(), { ...DEFAULT_LOAD_OPTIONS, contextSize: 64 });
    // Greedy stories260K writes past 64 tokens before its end-of-story token.
    const { tokens, result } = await collect(engine, request({ temperature: 0, maxTokens: 5000 }));
    expect(result.finishReason).toBe('context-full');
    expect(result.promptTokens + tokens.length).toBeLessThanOrEqual(facts.contextSize);
  });
});
