import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { SMOLLM2_135M } from '../../models';
import { answerOf, conversationWith, send, useRealModel } from './session';

// Issue 16: the pinned token's exact distribution through the app's call, on a real instruct model.
// The engine's numbers are checked against llama.cpp in test/integration/engine/token-distribution.test.ts;
// this checks that the app rebuilds each answer's own prompt (system prompt, document passages, a
// branch's kept tokens) and refuses a prompt that changed since.

const session = useRealModel(SMOLLM2_135M);
const SAMPLED = { temperature: 1, topK: 40, topP: 1, minP: 0, seed: 3, maxTokens: 12 } as const;

async function tokensOf(conversationId: string, messageId: string) {
  const { tokens } = await session.client.call('messages.tokens', { conversationId, messageId });
  if (tokens === null) throw new Error('no tokens');
  return tokens;
}

describe('chat.tokenDistribution on SmolLM2', () => {
  it('gives an answer\'s token its whole-vocabulary distribution, checked against the answer\'s own prompt', async () => {
    const { client } = session;
    const id = await conversationWith(client, 'You are a helpful assistant.', SAMPLED);
    const { end, started } = await send(client, id, 'Name a fruit.');
    expect(end.status).toBe('complete');
    expect(end.stats?.promptHash).toMatch(/^[0-9a-f]{16}$/);
    const messageId = started.assistantMessage.id;
    const tokens = await tokensOf(id, messageId);
    for (const index of [0, Math.floor(tokens.length / 2), tokens.length - 1]) {
      const token = tokens[index];
      const exact = await client.call('chat.tokenDistribution', { conversationId: id, messageId, index });
      expect(exact.meaning).toBe('whole-vocabulary');
      expect(exact.promptChecked).toBe(true);
      expect(exact.token.id).toBe(token?.id);
      expect(exact.top.map((c) => c.id)).toEqual(token?.top.map((c) => c.id));
      // The streamed share is over the top 40 only: at least the exact value.
      expect(token?.p ?? 0).toBeGreaterThanOrEqual(exact.token.p - 1e-4);
      expect(exact.listedMass).toBeLessThanOrEqual(1);
      expect(exact.entropyBits).toBeLessThanOrEqual(Math.log2(exact.vocabularySize));
      expect(exact.vocabularySize).toBe(49_152);
    }

    // Another system prompt: the answer's prompt cannot be rebuilt, and the call says so.
    await client.call('conversations.setSystemPrompt', { id, systemPrompt: 'Answer in French.' });
    const error = await client.call('chat.tokenDistribution', { conversationId: id, messageId, index: 0 }).catch((e: unknown) => e);
    expect(isGlassboxError(error, 'prompt-changed')).toBe(true);
    await client.call('conversations.setSystemPrompt', { id, systemPrompt: 'You are a helpful assistant.' });
    expect((await client.call('chat.tokenDistribution', { conversationId: id, messageId, index: 0 })).promptChecked).toBe(true);
  });

  it('rebuilds an answer\'s document passages and a branch\'s kept tokens', async () => {
    const { client, dataDir } = session;
    const id = await conversationWith(client, '', SAMPLED);
    const file = join(dataDir, 'zembla.md');
    writeFileSync(file, '# Zembla\n\nThe capital city of Zembla is Onhava, beside the river Nor.\n');
    await client.call('documents.addPath', { path: file, jobId: 'zembla', conversationId: id });
    const { end, started } = await send(client, id, 'What is the capital of Zembla?');
    expect(end.status).toBe('complete');
    const messageId = started.assistantMessage.id;
    const detail = await client.call('conversations.get', { id });
    expect(detail.messages.at(-1)?.sources?.length).toBeGreaterThan(0);
    const exact = await client.call('chat.tokenDistribution', { conversationId: id, messageId, index: 2 });
    expect(exact.promptChecked).toBe(true);

    // A branch: the kept tokens and the chosen alternative are the new answer's first tokens.
    const tokens = await tokensOf(id, messageId);
    const at = 2;
    const alternative = tokens[at]?.top.find((c) => c.id !== tokens[at]?.id);
    if (alternative === undefined) throw new Error('no alternative');
    const branched = await answerOf(client, id, () => client.call('chat.branchFromToken', { conversationId: id, messageId, tokenIndex: at, tokenId: alternative.id }));
    expect(branched.end.status).toBe('complete');
    const branchId = branched.started.assistantMessage.id;
    const branchTokens = await tokensOf(id, branchId);
    expect(branchTokens[at]?.id).toBe(alternative.id);
    const after = await client.call('chat.tokenDistribution', { conversationId: id, messageId: branchId, index: at + 1 });
    expect(after.promptChecked).toBe(true);
    expect(after.token.id).toBe(branchTokens[at + 1]?.id);
    // At the branch point the model's distribution is the original answer's: same prompt, same tokens before.
    const there = await client.call('chat.tokenDistribution', { conversationId: id, messageId: branchId, index: at });
    const original = await client.call('chat.tokenDistribution', { conversationId: id, messageId, index: at });
    expect(there.top.map((c) => c.id)).toEqual(original.top.map((c) => c.id));
    there.top.forEach((c, i) => expect(Math.abs(c.p - (original.top[i]?.p ?? Number.NaN))).toBeLessThan(1e-4));
    expect(there.token.id).toBe(alternative.id);
  });

  it('refuses a position the answer does not have, and a user message', async () => {
    const { client } = session;
    const id = await conversationWith(client, '', SAMPLED);
    const { started } = await send(client, id, 'Hello!');
    const tooFar = await client.call('chat.tokenDistribution', { conversationId: id, messageId: started.assistantMessage.id, index: 10_000 }).catch((e: unknown) => e);
    expect(isGlassboxError(tooFar, 'invalid-argument')).toBe(true);
    const user = await client.call('chat.tokenDistribution', { conversationId: id, messageId: started.userMessage.id, index: 0 }).catch((e: unknown) => e);
    expect(isGlassboxError(user, 'invalid-argument')).toBe(true);
    // An answer named under another conversation, and arguments outside the contract's bounds.
    const other = await conversationWith(client, '', SAMPLED);
    const elsewhere = await client.call('chat.tokenDistribution', { conversationId: other, messageId: started.assistantMessage.id, index: 0 }).catch((e: unknown) => e);
    expect(isGlassboxError(elsewhere, 'invalid-argument')).toBe(true);
    for (const index of [-1, 0.5, 2 ** 31]) {
      const refused = await client.call('chat.tokenDistribution', { conversationId: id, messageId: started.assistantMessage.id, index }).catch((e: unknown) => e);
      expect(isGlassboxError(refused, 'invalid-argument'), String(index)).toBe(true);
    }
    const missing = await client.call('chat.tokenDistribution', { conversationId: id, messageId: 'no-such-message', index: 0 }).catch((e: unknown) => e);
    expect(isGlassboxError(missing, 'not-found')).toBe(true);
  });
});
