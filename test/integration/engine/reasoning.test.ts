import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS, type ChatTurn, type GenerateResult } from '../../../electron/contract/engine-protocol';
import { DEFAULT_SAMPLING, type Sampling } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { DeepSeekChatWrapper, Gemma4ChatWrapper, HarmonyChatWrapper, QwenChatWrapper, type ChatHistoryItem, type ChatWrapper, type Token } from 'node-llama-cpp';
import { renderPrompt } from '../../../electron/engine/chat-prompt';
import { generate } from '../../../electron/engine/generation';
import { LlamaRuntime, type LoadedModel } from '../../../electron/engine/llama-runtime';
import { ThoughtSegmenter, thoughtMarkersFor } from '../../../electron/engine/segments';
import { TokenTextDecoder } from '../../../electron/engine/token-text';
import { QWEN35_SCRIPT, QWEN35_TEMPLATE, QWEN3_ANSWER, QWEN3_SCRIPT, QWEN3_THOUGHT, writeReasoningModel } from '../../fixtures/reasoning-model';

/**
 * The real engine (generation.ts in this process, llama.cpp underneath) on a scripted Qwen3-style
 * GGUF whose own chat template resolves to node-llama-cpp's QwenChatWrapper: the thought is told
 * apart from the answer, budgets close it as LlamaChat would, and later prompts render it as the
 * wrapper does (test/fixtures/reasoning-model.ts explains the scripted weights).
 */

const dir = mkdtempSync(join(tmpdir(), 'glassbox-reasoning-'));
const runtime = new LlamaRuntime();
let loaded: LoadedModel;

beforeAll(async () => {
  const path = await writeReasoningModel(dir);
  await runtime.load(path, { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', contextSize: 512 }, () => {});
  const current = runtime.loaded;
  if (current === null) throw new Error('not loaded');
  loaded = current;
});
afterAll(async () => {
  await runtime.unload();
  rmSync(dir, { recursive: true, force: true });
});

async function answer(messages: ChatTurn[], sampling: Partial<Sampling> = {}, on: LoadedModel = loaded): Promise<{ tokens: GeneratedToken[]; result: GenerateResult }> {
  const tokens: GeneratedToken[] = [];
  const result = await generate(
    on,
    { messages, sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 40, ...sampling }, topAlternatives: 5 },
    { onToken: (_index, token) => tokens.push(token), cancelled: () => false, receivedAt: performance.now() },
  );
  return { tokens, result };
}

const HELLO: ChatTurn[] = [{ role: 'user', content: 'hi' }];
const text = (tokens: GeneratedToken[], segment?: GeneratedToken['segment']): string =>
  tokens.filter((t) => t.segment === segment).map((t) => t.text).join('');

describe('a reasoning model through the real engine', () => {
  it('resolves the real Qwen chat wrapper from the GGUF template, which declares <think> segments', () => {
    expect(loaded.facts.chatTemplate).toBe('Qwen');
    expect(loaded.format?.settings.segments?.thought).toBeDefined();
  });

  it('streams the thought apart from the answer, marker tokens labelled, each token with its probability', async () => {
    const { tokens, result } = await answer(HELLO);
    expect(result.finishReason).toBe('eog');
    expect(tokens.map((t) => t.segment ?? 'answer')).toEqual(['marker', 'thought', 'thought', 'thought', 'thought', 'thought', 'thought', 'marker', 'answer', 'answer']);
    expect(tokens).toHaveLength(QWEN3_SCRIPT.length - 1); // all but <|im_end|>, the end of turn
    expect(result.text).toBe(QWEN3_ANSWER);
    expect(result.thought).toBe(QWEN3_THOUGHT);
    expect(text(tokens, 'thought')).toBe(QWEN3_THOUGHT);
    expect(text(tokens)).toBe(QWEN3_ANSWER);
    expect(result.thoughtTokens).toBe(6);
    expect(result.thoughtMs).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(token.p).toBeGreaterThan(0.9);
      expect(token.top.length).toBe(5);
    }
  });

  it('leaves an earlier thought out of the next prompt, as the Qwen3 template does', async () => {
    const first = await answer(HELLO);
    const turns: ChatTurn[] = [...HELLO, { role: 'assistant', content: first.result.text, thought: first.result.thought }, { role: 'user', content: 'again' }];
    const withThought = renderPrompt(loaded.model, loaded.format, turns).tokens;
    const without = renderPrompt(loaded.model, loaded.format, turns.map(({ role, content }) => ({ role, content }))).tokens;
    expect(withThought).toEqual(without);
    expect(loaded.model.detokenize(withThought, true)).not.toContain('The user said hello');
    // The current turn's thought is the wrapper's to keep (the thought's own first "\n" follows the prefix "<think>\n").
    const current = renderPrompt(loaded.model, loaded.format, [...HELLO, { role: 'assistant', content: first.result.text, thought: first.result.thought }]).tokens;
    expect(loaded.model.detokenize(current, true)).toContain('<think>\n\nThe user said hello.\n</think>Hello!');
    const second = await answer(turns);
    expect(second.result.text).toBe(QWEN3_ANSWER);
  });

  it('closes a thought at its budget by writing the end marker for the model, as LlamaChat budgets do', async () => {
    const { tokens, result } = await answer(HELLO, { thoughtBudget: 2 });
    expect(result.finishReason).toBe('eog');
    expect(result.thoughtTokens).toBe(2);
    expect(result.thought).toBe('\nThe');
    expect(result.text).toBe(QWEN3_ANSWER);
    // <think>, two thought tokens, then the suffix "\n</think>" the engine evaluated, then the answer.
    expect(tokens.map((t) => t.segment ?? 'answer')).toEqual(['marker', 'thought', 'thought', 'marker', 'marker', 'answer', 'answer']);
    expect(loaded.model.detokenize(tokens.slice(3, 5).map((t) => t.id) as never, true)).toBe('\n</think>');
  });

  it('a branch from a token inside the thought goes on thinking: the prefix is thought, not answer', async () => {
    const { tokens } = await answer(HELLO);
    const alternative = tokens[3]?.top.find((t) => t.id !== tokens[3]?.id);
    if (!alternative) throw new Error('no alternative at token 3');
    const streamed: GeneratedToken[] = [];
    const result = await generate(
      loaded,
      { messages: HELLO, sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 40 }, topAlternatives: 5, prefixTokens: [...tokens.slice(0, 3).map((t) => t.id), alternative.id] },
      { onToken: (_index, token) => streamed.push(token), cancelled: () => false, receivedAt: performance.now() },
    );
    expect(result.prefixText).toBe(''); // all of the prefix is <think> and thought
    expect(result.thought?.startsWith(`\nThe${alternative.text}`)).toBe(true);
    expect(result.text).toBe(QWEN3_ANSWER);
    expect(streamed[0]?.segment).toBe('thought');
  });

  it('a thought closed by its budget in a full context ends the answer as context-full, never shifting the context', async () => {
    // A prompt that leaves room for "<think>" and "\n\n" only: then the budget of 0 would write "\n</think>".
    const ask = (n: number): ChatTurn[] => [{ role: 'user', content: `a${' a'.repeat(n)}` }];
    const base = renderPrompt(loaded.model, loaded.format, ask(0)).tokens.length;
    const fill = loaded.sequence.contextSize - 3 - base;
    expect(renderPrompt(loaded.model, loaded.format, ask(fill)).tokens.length).toBe(loaded.sequence.contextSize - 3);
    const { tokens, result } = await answer(ask(fill), { thoughtBudget: 0 });
    expect(result.finishReason).toBe('context-full');
    expect(tokens.map((t) => t.segment ?? 'answer')).toEqual(['marker', 'thought']);
    expect(result.text).toBe('');
  });

  it('a budget of 0 closes the thought as soon as it opens: the answer comes at once', async () => {
    const { result } = await answer(HELLO, { thoughtBudget: 0 });
    expect(result.text).toBe(QWEN3_ANSWER);
    expect((result.thought ?? '').trim()).toBe('');
  });
});

const THOUGHT = 'Two plus two.\nThat makes four.';
const ANSWER = 'The answer is 4.';

/**
 * What a model trained on the template writes after the prompt: the wrapper renders the same
 * conversation with and without the answer, and the tokens the answer adds are the stream.
 */
function wrapperStream(wrapper: ChatWrapper, thought: string): Token[] {
  const user: ChatHistoryItem = { type: 'user', text: 'What is 2 + 2?' };
  const tokenize = (history: ChatHistoryItem[]) => wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(loaded.model.tokenizer);
  const prompt = tokenize([user, { type: 'model', response: [] }]);
  const full = tokenize([user, { type: 'model', response: [{ type: 'segment', segmentType: 'thought', text: thought, ended: true }, ANSWER] }]);
  expect(full.slice(0, prompt.length)).toEqual(prompt);
  return full.slice(prompt.length);
}

function segment(wrapper: ChatWrapper, stream: Token[]): { thought: string; answer: string; labels: string[] } {
  const markers = thoughtMarkersFor(wrapper, loaded.model.tokenizer);
  if (markers === null) throw new Error(`${wrapper.wrapperName} declares no thought segment`);
  const segmenter = new ThoughtSegmenter(markers, (id) => loaded.model.isSpecialToken(id as Token));
  const decoder = new TokenTextDecoder((tokens, previous) => loaded.model.detokenize(tokens as Token[], false, previous as Token[]));
  const pieces = stream.flatMap((id) => segmenter.push([{ text: decoder.push(id), payload: { id, text: '', p: 1, top: [] } }]));
  pieces.push(...segmenter.flush());
  const tokens = pieces.map((p) => p.payload);
  return { thought: text(tokens, 'thought'), answer: text(tokens), labels: tokens.map((t) => t.segment ?? 'answer') };
}

describe('token streams rendered by the real chat wrappers', () => {
  it.each([
    ['Qwen3 <think>', new QwenChatWrapper(), THOUGHT],
    ['DeepSeek <think>', new DeepSeekChatWrapper(), THOUGHT],
    ["gpt-oss Harmony's analysis channel", new HarmonyChatWrapper(), THOUGHT],
    // Gemma 4 declares the prefix "<|channel>thought\n" but renders a history's thought without the
    // line break; a model writes the declared prefix, so the stream is rendered with it.
    ["Gemma 4's thought channel", new Gemma4ChatWrapper(), `\n${THOUGHT}`],
  ])('%s: the thought and the answer come apart exactly', (_name, wrapper, rendered) => {
    const stream = wrapperStream(wrapper, rendered);
    const { thought, answer, labels } = segment(wrapper, stream);
    expect(thought).toBe(THOUGHT);
    expect(answer).toBe(ANSWER);
    expect(labels.length).toBe(stream.length);
    expect(labels[0]).toBe('marker');
    // Once the answer starts, it is answer to the end.
    expect(labels.slice(labels.indexOf('answer'))).toEqual(labels.slice(labels.indexOf('answer')).map(() => 'answer'));
  });

  it('a text that only looks like the start of a marker stays where it is', () => {
    const wrapper = new QwenChatWrapper();
    const stream = loaded.model.tokenize('Use <thin> tags and \n</b> too.', false);
    expect(segment(wrapper, stream)).toMatchObject({ thought: '', answer: 'Use <thin> tags and \n</b> too.' });
  });
});

describe('a template that opens the thought itself (Qwen3.5: openOnResponseStart)', () => {
  const opened = new LlamaRuntime();
  let model: LoadedModel;
  beforeAll(async () => {
    const sub = mkdtempSync(join(dir, 'qwen35-'));
    await opened.load(await writeReasoningModel(sub, { template: QWEN35_TEMPLATE, script: QWEN35_SCRIPT }), { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', contextSize: 512 }, () => {});
    if (opened.loaded === null) throw new Error('not loaded');
    model = opened.loaded;
  });
  afterAll(() => opened.unload());

  it('the prompt opens the thought as LlamaChat does, and the answer starts inside it', async () => {
    expect(model.facts.chatTemplate).toBe('Qwen');
    expect(model.format?.settings.segments?.thought?.openOnResponseStart).toBe(true);
    const prompt = renderPrompt(model.model, model.format, HELLO).tokens;
    expect(model.model.detokenize(prompt, true).endsWith('<|im_start|>assistant\n<think>\n')).toBe(true);
    const { tokens, result } = await answer(HELLO, {}, model);
    expect(tokens.map((t) => t.segment ?? 'answer')).toEqual(['thought', 'thought', 'thought', 'thought', 'thought', 'marker', 'answer', 'answer']);
    expect(result.thought).toBe('The user said hello.');
    expect(result.text).toBe(QWEN3_ANSWER);
  });

  it('a budget of 0 closes the opened thought before the first token', async () => {
    const { tokens, result } = await answer(HELLO, { thoughtBudget: 0 }, model);
    expect(result.thought).toBeUndefined();
    expect(result.text).toBe(QWEN3_ANSWER);
    expect(tokens.slice(0, 2).map((t) => t.segment)).toEqual(['marker', 'marker']); // "\n</think>", written for the model
  });
});
