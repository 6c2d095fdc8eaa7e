import type { Token } from 'node-llama-cpp';
import type { GenerateRequest, GenerateResult } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { GeneratedToken } from '../contract/token';
import { renderPrompt } from './chat-prompt';
import type { LoadedModel } from './llama-runtime';
import { evaluateInChunks } from './prompt-chunks';
import { promptFingerprint } from './prompt-fingerprint';
import { createRng, pickToken, samplingCuts, sortCandidates } from './sampler';
import { ThoughtSegmenter, thoughtMarkersFor } from './segments';
import { StopDetector, type Piece } from './stop-detector';
import { TokenTextDecoder } from './token-text';

export interface GenerationHooks {
  onToken: (index: number, token: GeneratedToken) => void;
  /** Checked after every token; true ends the answer with status 'stopped'. */
  cancelled: () => boolean;
  /**
   * Settles when Stop comes: a prompt still being read is answered at once (prompt-chunks.ts), and
   * the chunk under way is handed to `settling`, which the caller waits for before it uses the
   * sequence again. Without it, Stop waits for the chunk.
   */
  stopped?: Promise<void>;
  settling?: (chunk: Promise<void>) => void;
  /** When the request arrived (performance.now()), for time to first token. */
  receivedAt: number;
}

/** The probabilities reported are the top K at temperature 1, renormalised (contract/token.ts); K is at least this. */
export const MIN_REPORTED_CANDIDATES = 10;

/**
 * One answer, token by token, through LlamaContextSequence (LlamaChatSession would hide the
 * probabilities). llama.cpp is asked only for the top-K map at temperature 1 with topP 1 and
 * minP 0 — cheap, and exactly the probabilities we show — and the token is chosen here in JS
 * (sampler.ts) and fed back through the generator's next(token).
 *
 * Branching (request.prefixTokens): the answer starts with the given tokens (an earlier answer's
 * kept tokens and the alternative chosen in its place). They are evaluated after the prompt, not
 * sampled or streamed — usually only the last one, since the earlier answer is still in the KV
 * cache — and generation goes on from there. Streamed indexes continue at prefixTokens.length;
 * result.text is the whole answer (prefix text + new text), result.prefixText the prefix's part;
 * result.tokens counts only the new tokens, and maxTokens limits only them.
 */
export async function generate(loaded: LoadedModel, request: GenerateRequest, hooks: GenerationHooks): Promise<GenerateResult> {
  const { model, sequence, format } = loaded;
  const { sampling, topAlternatives } = request;
  const prompt = renderPrompt(model, format, request.messages);
  const prefix = (request.prefixTokens ?? []) as Token[];
  const vocabSize = vocabularySizeOf(loaded);
  const badToken = prefix.find((t) => vocabSize !== null && t >= vocabSize);
  if (badToken !== undefined) throw new GlassboxError('invalid-argument', `prefixTokens holds ${badToken}, which is not a token of this model (vocabulary of ${vocabSize}).`);
  const context = [...prompt.tokens, ...prefix];
  const contextSize = sequence.contextSize;
  // One cell stays free (see the context-full check below), so the prompt may use contextSize - 1.
  if (context.length > contextSize - 1) {
    throw new GlassboxError('context-full', `The conversation is ${context.length} tokens long and does not fit the model's context of ${contextSize} tokens. Start a new conversation or load the model with a larger context.`);
  }

  const keep = await keepCachedPrefix(loaded, context, context.length - 1);
  const evalTokens = context.slice(keep);
  const K = Math.max(sampling.topK, topAlternatives, MIN_REPORTED_CANDIDATES);
  // Whole-vocabulary probabilities when asked for (exact-probabilities.ts); otherwise top-K shares.
  const exact = request.exactProbabilities === true && loaded.exact !== null;
  const rng = createRng(sampling.seed);
  const decoder = new TokenTextDecoder((tokens, previous) => model.detokenize(tokens as Token[], false, previous as Token[]), prompt.tokens);
  const stops = new StopDetector<GeneratedToken>(prompt.stopStrings);
  const history: Token[] = context.slice(-8);
  // A reasoning model's thought, told apart by its wrapper's markers (segments.ts).
  const markers = thoughtMarkersFor(format, model.tokenizer);
  const thoughts = markers === null ? null : new ThoughtSegmenter(markers, (id) => model.isSpecialToken(id as Token));
  const segmented = (pieces: Piece<GeneratedToken>[]): Piece<GeneratedToken>[] => (thoughts === null ? pieces : thoughts.push(pieces));

  // The prefix's text, decoded in context like generated tokens (a character split across the
  // prefix's end and the first new token is completed by the new token's piece). A prefix that
  // reaches into a thought leaves the segmenter inside it; its thought text is the result's too.
  let prefixText = '';
  let thought = '';
  const prefixPieces = prefix.map((token): Piece<GeneratedToken> => ({ text: decoder.push(token), payload: { id: token, text: '', p: 1, top: [] } }));
  for (const piece of thoughts === null ? prefixPieces : [...thoughts.push(prefixPieces), ...thoughts.flush()]) {
    if (piece.payload.segment === 'thought') thought += piece.text;
    else if (piece.payload.segment === undefined) prefixText += piece.text;
  }

  // An alternative's text is decoded after the answer so far (a SentencePiece word keeps its space);
  // past the prompt that no longer depends on what precedes it, so each token is decoded once per
  // answer instead of topAlternatives times per step (each decode is two calls into the addon).
  const alternativeTexts = new Map<number, string>();
  const alternativeText = (id: number): string => {
    let text = alternativeTexts.get(id);
    if (text === undefined) {
      text = model.detokenize([id as Token], false, history);
      alternativeTexts.set(id, text);
    }
    return text;
  };

  let emitted = prefix.length;
  let text = prefixText;
  const emit = (pieces: { text: string; payload: GeneratedToken }[]) => {
    for (const piece of pieces) {
      if (piece.payload.segment === undefined) text += piece.text;
      else if (piece.payload.segment === 'thought') thought += piece.text;
      hooks.onToken(emitted++, { ...piece.payload, text: piece.text });
    }
  };
  const tokenAt = (probabilities: Map<Token, number>, candidates: { id: number; p: number }[], id: Token): GeneratedToken => ({
    id,
    text: '',
    p: probabilities.get(id) ?? 0,
    top: candidates.slice(0, topAlternatives).map((c) => ({ id: c.id, text: alternativeText(c.id), p: c.p })),
  });
  const remember = (id: Token): void => {
    history.push(id);
    if (history.length > 8) history.shift();
  };

  let generated = 0;
  let steps = 0;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let finishReason: GenerateResult['finishReason'] = 'eog';
  const last = prefix[prefix.length - 1];
  if (last !== undefined && model.isEogToken(last)) {
    // The chosen alternative ends the answer: nothing to generate.
    return finish(0);
  }
  // The prompt is read in chunks so Stop is answered during a long one (prompt-chunks.ts).
  const read = await evaluateInChunks(sequence, evalTokens, 1, hooks.cancelled, hooks.stopped);
  if (read.settling !== undefined) hooks.settling?.(read.settling);
  if (read.cancelled) {
    finishReason = 'cancelled';
    return finish(read.evaluated);
  }
  if (loaded.exact !== null) loaded.exact.enabled = exact;
  const iterator = sequence.evaluateWithMetadata(evalTokens.slice(read.evaluated), { probabilities: true }, { temperature: 1, topK: K, topP: 1, minP: 0, yieldEogToken: true });
  type Step = Awaited<ReturnType<typeof iterator.next>>;
  /**
   * node-llama-cpp's thought budget (LlamaChat's budgets.thoughtTokens): a thought that reached it
   * is closed by evaluating the wrapper's suffix on the model's behalf (streamed as marker tokens,
   * with the probability the model gave each), and the model goes on with the answer.
   */
  const closeThought = async (step: Step): Promise<Step> => {
    if (thoughts === null || markers === null || !thoughts.overBudget(sampling.thoughtBudget)) return step;
    emit(thoughts.push(stops.flush()));
    emit(thoughts.close());
    for (const id of markers.suffixTokens) {
      if (step.done) break;
      // No room left for the marker: the answer ends here, as at any full context, rather than shifting it.
      if (sequence.nextTokenIndex >= contextSize - 1) {
        finishReason = 'context-full';
        return { done: true, value: undefined };
      }
      const token = tokenAt(step.value.probabilities, sortCandidates(step.value.probabilities), id);
      remember(id);
      emit([thoughts.marker({ text: decoder.push(id), payload: token })]);
      generated++;
      step = await iterator.next(id);
    }
    return step;
  };
  try {
    let step = await closeThought(await iterator.next());
    while (!step.done) {
      const candidates = sortCandidates(step.value.probabilities);
      // The sampler's cuts on its own pool travel with the token, for the sampling view.
      const cuts = sampling.temperature > 0 ? samplingCuts(candidates, sampling) : undefined;
      const chosen = pickToken(candidates, sampling, rng, cuts) as Token;
      const now = performance.now();
      firstAt ??= now;
      lastAt = now;
      steps++;
      // The EOG check is on the token we chose, not the library's own draw (shared/MEASURED.md).
      if (model.isEogToken(chosen)) break;
      generated++;
      const token = { ...tokenAt(step.value.probabilities, candidates, chosen), ...(cuts !== undefined ? { pool: cuts } : {}) };
      remember(chosen);
      const pushed = stops.push({ text: decoder.push(chosen), payload: token });
      emit(segmented(pushed.release));
      if (pushed.stopped) {
        finishReason = 'stop-string';
        break;
      }
      if (hooks.cancelled()) {
        finishReason = 'cancelled';
        break;
      }
      if (generated >= sampling.maxTokens) {
        finishReason = 'max-tokens';
        break;
      }
      // node-llama-cpp keeps one cell free and shifts the context (erasing its start) once
      // nextTokenIndex reaches contextSize - 1; we end the answer instead of silently forgetting the prompt.
      if (sequence.nextTokenIndex >= contextSize - 1) {
        finishReason = 'context-full';
        break;
      }
      step = await closeThought(await iterator.next(chosen));
    }
  } finally {
    if (loaded.exact !== null) loaded.exact.enabled = false;
    await iterator.return();
  }
  // Held-back text that never became a stop string is part of the answer. (A multi-byte character
  // cut off at the very end is dropped: it would only render as U+FFFD.)
  if (finishReason !== 'stop-string') emit(segmented(stops.flush()));
  if (thoughts !== null) emit(thoughts.flush());

  return finish(evalTokens.length);

  function finish(evaluated: number): GenerateResult {
    const totalMs = performance.now() - hooks.receivedAt;
    return {
      status: finishReason === 'cancelled' ? 'stopped' : 'complete',
      finishReason,
      meaning: exact ? 'whole-vocabulary' : 'top-k-share',
      text,
      tokens: emitted - prefix.length,
      promptTokens: context.length,
      evaluatedPromptTokens: evaluated,
      ttftMs: firstAt === null ? null : firstAt - hooks.receivedAt,
      tokensPerSecond: firstAt !== null && lastAt !== null && steps > 1 && lastAt > firstAt ? ((steps - 1) * 1000) / (lastAt - firstAt) : null,
      totalMs,
      promptHash: promptFingerprint(prompt.tokens),
      ...(request.prefixTokens !== undefined ? { prefixText } : {}),
      ...(thoughts !== null && thought.length > 0 ? { thought, thoughtTokens: thoughts.summary.tokens, thoughtMs: thoughts.summary.ms } : {}),
    };
  }
}

/** How many tokens the loaded model's vocabulary has (null: neither its facts nor its GGUF say); token ids from a client must be below it. */
export function vocabularySizeOf({ model, facts }: LoadedModel): number | null {
  return facts.vocabSize ?? model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? null;
}

/**
 * Keeps the KV cache for the prefix these tokens share with what the sequence already holds (the
 * previous turns, an earlier answer), at most `maxKeep` tokens, erases the rest, and returns how
 * many are kept: tokens from there on must be evaluated. Generation keeps at most all but the last
 * token, because the last one's logits are what the first answer token comes from.
 */
export async function keepCachedPrefix({ sequence }: LoadedModel, tokens: readonly Token[], maxKeep: number): Promise<number> {
  const { firstDifferentIndex } = sequence.compareContextTokens(tokens as Token[]);
  const keep = Math.max(0, Math.min(firstDifferentIndex, maxKeep));
  if (sequence.nextTokenIndex > keep) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  return keep;
}
