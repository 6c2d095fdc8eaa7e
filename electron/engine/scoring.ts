import type { ControlledEvaluateInputItem, Token } from 'node-llama-cpp';
import type { ChatTurn, ScoredPrompt } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { ProbabilityMeaning } from '../contract/probability-meaning';
import { renderForScoring } from './chat-prompt';
import { keepCachedPrefix, MIN_REPORTED_CANDIDATES } from './generation';
import type { LoadedModel } from './llama-runtime';
import { PieceText } from './tokenize';

/**
 * How probable the model found each token of a message it did not write (the prompt view).
 *
 * The conversation is rendered as for generation (chat-prompt.ts) and evaluated once; for each
 * token of the last message's content the model's next-token distribution at the position before
 * it is read through `controlledEvaluate`.
 *
 * What p means: the whole-vocabulary softmax at temperature 1 (contract/token.ts), exact, read
 * through exact-probabilities.ts for the model's top SCORE_POOL (1000) candidates at each position;
 * `top` lists the first topAlternatives of them. Only a token outside that pool has p = null (the
 * model found it less likely than 1000 others), as has the first token of the whole prompt (nothing
 * before it). Perplexity = exp(mean −ln p) over the tokens with a p. Where the exact pass is
 * unavailable (node-llama-cpp's internals differ), p falls back to the top-K share (K =
 * max(topAlternatives, 10)) and the result's `meaning` says so.
 *
 * The KV cache: scoring runs on the chat's own sequence. It reuses the cached prefix it shares with
 * the previous prompt (up to the position before the scored message), evaluates the rest of the
 * scored prompt, and leaves the sequence holding it; the next generation then reuses whatever it
 * shares with that (usually the whole conversation before the scored message) and evaluates the rest.
 */

/** Candidates asked from llama.cpp per scored position; renormalised to the top K here. */
export const SCORE_POOL = 1000;

export interface ScoreOptions {
  /** Overrides SCORE_POOL (tests use a small pool to reach the p = null case). */
  pool?: number;
}

export async function scorePrompt(loaded: LoadedModel, messages: readonly ChatTurn[], topAlternatives: number, options: ScoreOptions = {}): Promise<ScoredPrompt & { evaluatedTokens: number }> {
  const { model, sequence, format } = loaded;
  const { tokens, span } = renderForScoring(model, format, messages);
  if (tokens.length > sequence.contextSize - 1) {
    throw new GlassboxError('context-full', `The conversation is ${tokens.length} tokens long and does not fit the model's context of ${sequence.contextSize} tokens.`);
  }
  const K = Math.max(topAlternatives, MIN_REPORTED_CANDIDATES);
  const pool = Math.max(K, options.pool ?? SCORE_POOL);
  const pieces = new PieceText(model);
  if (span.end <= span.start) return { tokens: [], perplexity: null, evaluatedTokens: 0 };

  // Logits at position i predict token i + 1: positions span.start - 1 .. span.end - 2 are needed.
  // The last scored token itself need not be evaluated, nor anything after the span.
  const firstNeeded = Math.max(0, span.start - 1);
  const upTo = span.end - 1;
  const toEvaluate = tokens.slice(0, Math.max(upTo, firstNeeded + 1));
  const keep = await keepCachedPrefix(loaded, toEvaluate, firstNeeded);
  const generateNext = { probabilities: true, options: { temperature: 1, topK: pool, topP: 1, minP: 0 } } as const;
  const input: ControlledEvaluateInputItem[] = toEvaluate.slice(keep).map((token, i) => (keep + i >= firstNeeded ? [token, { generateNext }] : token));
  const exact = loaded.exact;
  if (exact !== null) exact.enabled = true;
  let output: Awaited<ReturnType<typeof sequence.controlledEvaluate>>;
  try {
    output = input.length > 0 ? await sequence.controlledEvaluate(input) : [];
  } finally {
    if (exact !== null) exact.enabled = false;
  }
  const meaning: ProbabilityMeaning = exact !== null ? 'whole-vocabulary' : 'top-k-share';

  const scored: ScoredPrompt['tokens'] = [];
  let logSum = 0;
  let counted = 0;
  for (let position = span.start; position < span.end; position++) {
    const id = tokens[position] as Token;
    const { text } = pieces.piece(id);
    const probabilities = position === 0 ? undefined : output[position - 1 - keep]?.next.probabilities;
    if (probabilities === undefined) {
      scored.push({ id, text, p: null, top: [] });
      continue;
    }
    // The map is sorted, highest first; its first K entries are the top K.
    const entries = [...probabilities];
    const topK = entries.slice(0, K);
    const norm = meaning === 'whole-vocabulary' ? 1 : topK.reduce((sum, [, p]) => sum + p, 0);
    const raw = probabilities.get(id);
    const p = raw === undefined || norm <= 0 ? null : Math.min(1, raw / norm);
    if (p !== null && p > 0) {
      logSum += -Math.log(p);
      counted++;
    }
    scored.push({
      id,
      text,
      p,
      top: topK.slice(0, topAlternatives).map(([alt, q]) => ({ id: alt, text: pieces.piece(alt).text, p: q / norm })),
    });
  }
  return { tokens: scored, perplexity: counted > 0 ? Math.exp(logSum / counted) : null, meaning, evaluatedTokens: input.length };
}
