import { describe, expect, it } from 'vitest';
import { carriedSummary, contextUse, draftProblem, largerContext, type ContextMessage } from '../../../renderer/src/lib/context-use';
import { gpuLayersText, statusLine } from '../../../renderer/src/lib/message-text';
import { withoutOldestTurns } from '../../../electron/services/context-window';

const stats = { tokens: 507, promptTokens: 5, evaluatedPromptTokens: 5, ttftMs: 1, tokensPerSecond: 1, totalMs: 1 };
const user = (content: string): ContextMessage => ({ role: 'user', content, status: 'complete', stats: null, error: null });
const answer = (content: string, extra: Partial<ContextMessage> = {}): ContextMessage => ({
  role: 'assistant',
  content,
  status: 'complete',
  stats,
  error: null,
  ...extra,
});

describe('context fullness (issue 18, item 5)', () => {
  it('counts the last answer’s prompt and tokens against the context, and knows a full one', () => {
    expect(contextUse([user('a'), answer('b')], 2048)).toEqual({ used: 512, size: 2048, share: 0.25, full: false });
    const full = contextUse([user('a'), answer('b', { stats: { ...stats, finishReason: 'context-full' } })], 512);
    expect(full?.full).toBe(true);
    // The same answer after a reload with 1,024 tokens of context: no longer full.
    expect(contextUse([user('a'), answer('b', { stats: { ...stats, finishReason: 'context-full' } })], 1024)).toMatchObject({ used: 512, full: false });
    const refused = contextUse([user('a'), answer('b'), user('c'), answer('', { status: 'error', stats: null, error: { kind: 'context-full', message: 'x' } })], 512);
    expect(refused).toMatchObject({ used: 512, full: true });
    expect(contextUse([], 512)).toBeNull();
  });

  it('says why an answer stopped, and never "try sending again" for a full context', () => {
    expect(statusLine('complete', null, { ...stats, finishReason: 'context-full' })).toMatch(/^Stopped because the model's context is full \(512 tokens\)/);
    expect(statusLine('complete', null, { ...stats, finishReason: 'max-tokens' })).toMatch(/answer length limit \(507 tokens\)/);
    expect(statusLine('complete', null, { ...stats, finishReason: 'eog' })).toBeNull();
    const line = statusLine('error', { kind: 'context-full', message: "The conversation is 530 tokens long and does not fit the model's context of 512 tokens. Start a new conversation or load the model with a larger context." });
    expect(line).not.toMatch(/try sending again/i);
    expect(line).toMatch(/512 tokens/);
  });

  it('offers the next larger context, within what the model was trained on', () => {
    expect(largerContext(512, [512, 1024, 2048], 2048)).toBe(1024);
    expect(largerContext(2048, [512, 1024, 2048, 4096], 2048)).toBeNull();
    expect(largerContext(1024, [512, 1024, 4096], 2048)).toBe(2048);
  });

  it('summarises the first prompt and the last exchange for a new chat, within a budget', () => {
    const text = carriedSummary('Story', [user('Once upon a time'), answer('x'.repeat(5000)), user('And then?'), answer('They slept.')], 600);
    expect(text).toContain('“Story”');
    expect(text).toContain('It began with: Once upon a time');
    expect(text).toContain('Most recently the user wrote: And then?');
    expect(text).toContain('The last answer was: They slept.');
  });

  it('drops the oldest turns and always keeps the last prompt', () => {
    const history = [user('1'), answer('a'), user('2'), answer('b'), user('3')];
    expect(withoutOldestTurns(history, 0)).toEqual(history);
    expect(withoutOldestTurns(history, 1).map((m) => m.content)).toEqual(['2', 'b', '3']);
    expect(withoutOldestTurns(history, 9).map((m) => m.content)).toEqual(['3']);
  });
});

describe('one message limit, said before sending (issue 18, item 4)', () => {
  it('blocks a 5 MB paste with a sentence that names the size and the context', () => {
    const problem = draftProblem('x'.repeat(1_200_000), 8000);
    expect(problem?.blocking).toBe(true);
    expect(problem?.text).toMatch(/^This message is 1\.2 M characters; the model's context holds about 8,000 tokens\./);
    expect(problem?.text).not.toMatch(/expected|<=|chat\.send/);
  });

  it('warns, without blocking, about a message that will not fit the context', () => {
    expect(draftProblem('x'.repeat(102_000), 2048)).toMatchObject({ blocking: false });
    expect(draftProblem('Once upon a time', 2048)).toBeNull();
  });
});

describe('GPU layers in the words everything else uses (issue 18, item 9)', () => {
  it('counts the output layer apart from the blocks', () => {
    expect(gpuLayersText(0, 6)).toBe('0 of 5 layers + the output layer on the GPU');
    expect(gpuLayersText(6, 6)).toBe('all 5 layers + the output layer on the GPU');
    expect(gpuLayersText(3, undefined)).toBe('3 layers on the GPU');
  });
});
