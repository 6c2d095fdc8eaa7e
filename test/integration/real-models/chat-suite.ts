import { describe, expect, it } from 'vitest';
import { answerOf, conversationWith, send, TEMPLATE_MARKUP, useRealModel, type End } from './session';

/** Scoring needs a user message with an answer started; one token of it is enough. */
const GREEDY_SHORT = { temperature: 0, maxTokens: 1 } as const;

export interface ChatScript {
  /** The model file (from test/models.ts). */
  model: () => string;
  system: string;
  /** A system prompt that changes the answer to `systemQuestion`. */
  otherSystem: string;
  systemQuestion: string;
  turns: readonly [string, string, string];
  /**
   * 'eog': the GGUF has a chat template and every answer ends on its end of turn. 'max-tokens': no
   * template (a base model, shown as plain text continuation), which never ends a turn by itself.
   */
  ends: 'eog' | 'max-tokens';
  maxTokens: number;
}

/** One transcript per test run, printed for the closing note (greedy, so it is the same every run). */
function transcript(name: string, system: string, turns: readonly string[], ends: readonly End[]): string {
  const lines = [`--- ${name} (greedy) ---`, `system: ${system}`];
  turns.forEach((t, i) => {
    const end = ends[i];
    lines.push(`user: ${t}`, `assistant: ${end?.content ?? ''}`);
    lines.push(`  [${end?.stats?.finishReason}; ${end?.stats?.tokens} tokens; prompt ${end?.stats?.promptTokens}, evaluated ${end?.stats?.evaluatedPromptTokens}; ${end?.stats?.tokensPerSecond?.toFixed(1)} tokens/s]`);
  });
  return lines.join('\n');
}

export function chatSuite(name: string, script: ChatScript): void {
  const session = useRealModel(script.model);
  const sampling = { temperature: 0, maxTokens: script.maxTokens };
  const conversation = (system: string) => conversationWith(session.client, system, sampling);

  describe(`${name}: a three-turn chat with a system prompt`, () => {
    it(`ends every answer on ${script.ends === 'eog' ? 'the end of turn' : 'the token limit'}, saves no template markup, and evaluates only the new tokens`, async () => {
      const { client } = session;
      const id = await conversation(script.system);
      const ends: End[] = [];
      for (const turn of script.turns) ends.push((await send(client, id, turn)).end);
      console.log(transcript(name, script.system, script.turns, ends));

      for (const end of ends) {
        expect(end.status).toBe('complete');
        expect(end.stats?.finishReason).toBe(script.ends);
        if (script.ends === 'max-tokens') expect(end.stats?.tokens).toBe(script.maxTokens);
        expect(end.content.trim().length).toBeGreaterThan(0);
        expect(end.content).not.toMatch(TEMPLATE_MARKUP);
      }
      const saved = await client.call('conversations.get', { id });
      expect(saved.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
      for (const m of saved.messages) expect(m.content).not.toMatch(TEMPLATE_MARKUP);
      expect(saved.messages.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(ends.map((e) => e.content));

      // Turn n+1's prompt starts with everything turn n left in the KV cache: its prompt and its
      // answer. Only the rest (the end of turn, the new user turn, the assistant header) is evaluated.
      // An answer cut by the token limit ends on a token that was sampled but never evaluated (the
      // end-of-turn token is not evaluated either, but it is not part of the answer).
      for (let n = 1; n < ends.length; n += 1) {
        const before = ends[n - 1]?.stats;
        const now = ends[n]?.stats;
        if (!before || !now) throw new Error('an answer has no stats');
        const cached = before.promptTokens + before.tokens - (before.finishReason === 'max-tokens' ? 1 : 0);
        expect(now.evaluatedPromptTokens).toBe(now.promptTokens - cached);
      }
    });

    it('answers differently under another system prompt, and the same prompt twice the same way', async () => {
      const { client } = session;
      const question = script.systemQuestion;
      const first = await send(client, await conversation(script.system), question);
      const again = await send(client, await conversation(script.system), question);
      const other = await send(client, await conversation(script.otherSystem), question);
      console.log(`--- ${name}, two system prompts ---\nuser: ${question}\n[${script.system}] ${first.end.content}\n[${script.otherSystem}] ${other.end.content}`);
      expect(again.end.content).toBe(first.end.content);
      expect(again.tokens.map((t) => t.id)).toEqual(first.tokens.map((t) => t.id));
      expect(other.end.content).not.toBe(first.end.content);
    });
  });

  describe(`${name}: regenerate, edit and branch from an alternative token`, () => {
    it('regenerates greedily into a sibling with the same answer, from the cache', async () => {
      const { client } = session;
      const id = await conversation(script.system);
      const first = await send(client, id, script.turns[0]);
      const messageId = first.started.assistantMessage.id;
      const again = await answerOf(client, id, () => client.call('chat.regenerate', { conversationId: id, messageId }));
      expect(again.end.stats?.finishReason).toBe(script.ends);
      expect(again.end.content).toBe(first.end.content);
      // The prompt is unchanged: only the token llama.cpp must evaluate to predict again is new.
      expect(again.end.stats?.evaluatedPromptTokens).toBeLessThanOrEqual(1);
      const saved = await client.call('conversations.get', { id });
      expect(saved.messages.at(-1)?.siblingIds).toEqual([messageId, again.started.assistantMessage.id]);
    });

    it('edits the question into a new branch with its own answer', async () => {
      const { client } = session;
      const id = await conversation(script.system);
      const first = await send(client, id, script.turns[0]);
      const edited = await answerOf(client, id, () =>
        client.call('chat.edit', { conversationId: id, messageId: first.started.userMessage.id, text: script.turns[1] }),
      );
      expect(edited.end.stats?.finishReason).toBe(script.ends);
      expect(edited.end.content).not.toBe(first.end.content);
      const saved = await client.call('conversations.get', { id });
      expect(saved.messages.map((m) => m.content)).toEqual([script.turns[1], edited.end.content]);
      expect(saved.messages[0]?.siblingIds).toEqual([first.started.userMessage.id, edited.started.userMessage.id]);
    });

    it('branches from the most likely other first token: the new answer starts with it and goes on', async () => {
      const { client } = session;
      const id = await conversation(script.system);
      const first = await send(client, id, script.turns[0]);
      const head = first.tokens[0];
      const alternative = head?.top.find((a) => a.id !== head.id && a.text.trim() !== '');
      if (!head || !alternative) throw new Error('the first token has no alternative with text');
      const branch = await answerOf(client, id, () =>
        client.call('chat.branchFromToken', { conversationId: id, messageId: first.started.assistantMessage.id, tokenIndex: 0, tokenId: alternative.id }),
      );
      console.log(`--- ${name}, branched at token 0 from ${JSON.stringify(head.text)} to ${JSON.stringify(alternative.text)} ---\n${branch.end.content}`);
      expect(branch.end.status).toBe('complete');
      expect(['eog', 'max-tokens']).toContain(branch.end.stats?.finishReason);
      const saved = await client.call('conversations.get', { id });
      const answer = saved.messages.at(-1);
      const stored = await client.call('messages.tokens', { conversationId: id, messageId: branch.started.assistantMessage.id });
      expect(stored.tokens?.[0]?.id).toBe(alternative.id);
      expect(stored.tokens?.map((t) => t.text).join('')).toBe(answer?.content);
      expect(answer?.content.startsWith(alternative.text)).toBe(true);
      expect(answer?.content).not.toBe(first.end.content);
      expect(answer?.content).not.toMatch(TEMPLATE_MARKUP);
      expect(answer?.siblingIds).toEqual([first.started.assistantMessage.id, branch.started.assistantMessage.id]);
    });
  });

  describe(`${name}: prompt probabilities`, () => {
    it("finds the model's own earlier answer far less surprising than the same words shuffled", async () => {
      const { client } = session;
      const id = await conversation(script.system);
      const first = await send(client, id, script.turns[0]);
      const own = first.end.content.trim();
      const words = own.split(/\s+/);
      // A fixed derangement (reversed word order), so the run is deterministic.
      const shuffled = [...words].reverse().join(' ');
      const score = async (text: string) => {
        const c = await conversation(script.system);
        const { started } = await send(client, c, text, { ...GREEDY_SHORT });
        return client.call('chat.promptProbabilities', { conversationId: c, messageId: started.userMessage.id });
      };
      const ownScore = await score(own);
      const shuffledScore = await score(shuffled);
      console.log(`--- ${name}, prompt perplexity: own answer ${ownScore.perplexity?.toFixed(2)} vs reversed ${shuffledScore.perplexity?.toFixed(2)}`);
      expect(ownScore.tokens.map((t) => t.text).join('')).toBe(own);
      expect(ownScore.perplexity).not.toBeNull();
      expect(shuffledScore.perplexity).not.toBeNull();
      expect(ownScore.perplexity ?? Infinity).toBeLessThan((shuffledScore.perplexity ?? 0) / 2);
      for (const t of ownScore.tokens.slice(1)) expect(t.p).not.toBeNull();
    });
  });
}
