import type { Token } from 'node-llama-cpp';
import type { DistributionRequest } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { TokenDistribution } from '../contract/token-distribution';
import { renderPrompt } from './chat-prompt';
import { keepCachedPrefix, vocabularySizeOf } from './generation';
import type { LoadedModel } from './llama-runtime';
import { promptFingerprint } from './prompt-fingerprint';

/**
 * The whole next-token distribution at one position of an answer, for the pinned token: exact
 * numbers where a person reads them closely (entropy over every token, the mass the listed ones
 * hold, the chosen token's rank in the whole vocabulary), which the streamed top-K shares cannot give.
 *
 * The position is rebuilt as the answer's generation saw it: the conversation rendered as for
 * generation (the caller passes the same turns; `expectPromptHash` proves it), then the answer's
 * tokens before the position. The KV cache keeps what it shares with that (usually everything, the
 * answer having been the last thing evaluated), so pinning costs one evaluated token and one
 * whole-vocabulary map (~0.1 s on a 128k vocabulary on 2 cores: `decode.pinDistributionMs` in
 * `glassbox bench`), paid once per pin instead of on every streamed token.
 *
 * The map is asked for with top-k = the vocabulary at temperature 1 (topP 1, minP 0): llama.cpp's
 * softmax over every candidate, so each value is exp(lᵢ) / Σ_all exp(lⱼ).
 */
export async function tokenDistribution(loaded: LoadedModel, request: DistributionRequest): Promise<TokenDistribution> {
  const { model, sequence, format } = loaded;
  const prompt = renderPrompt(model, format, request.messages);
  if (request.expectPromptHash !== undefined && promptFingerprint(prompt.tokens) !== request.expectPromptHash) {
    throw new GlassboxError(
      'prompt-changed',
      'The conversation before this answer is not what it was when the answer was written (the system prompt, earlier messages, dropped turns or document passages changed), so its exact numbers cannot be recomputed.',
    );
  }
  const vocabularySize = vocabularySizeOf(loaded);
  if (vocabularySize === null) throw new GlassboxError('model-invalid', 'This model does not say how large its vocabulary is.');
  const outside = [...request.before, request.token].find((t) => t >= vocabularySize);
  if (outside !== undefined) throw new GlassboxError('invalid-argument', `Token ${outside} is not a token of this model (vocabulary of ${vocabularySize}).`);
  const context = [...prompt.tokens, ...(request.before as Token[])];
  if (context.length > sequence.contextSize - 1) {
    throw new GlassboxError('context-full', `This position is ${context.length} tokens into the conversation, more than the model's context of ${sequence.contextSize} tokens holds.`);
  }

  const keep = await keepCachedPrefix(loaded, context, context.length - 1);
  const toEvaluate = context.slice(keep);
  const generateNext = { probabilities: true, options: { temperature: 1, topK: vocabularySize, topP: 1, minP: 0 } } as const;
  const output = await sequence.controlledEvaluate(toEvaluate.map((token, i) => (i === toEvaluate.length - 1 ? [token, { generateNext }] : token)));
  const probabilities = output[output.length - 1]?.next.probabilities;
  if (probabilities === undefined) throw new GlassboxError('internal', 'llama.cpp returned no probabilities for this position.');

  // Texts as the answer would show them: decoded after the tokens before (a SentencePiece word keeps its space).
  const history = context.slice(-8);
  const textOf = (id: number): string => model.detokenize([id as Token], false, history);
  const top: TokenDistribution['top'] = [];
  let entropyNats = 0;
  let cumulative = 0;
  let tokensForHalf = 0;
  let tokensForNinetyPercent = 0;
  let rank = 0;
  let chosenP = 0;
  let index = 0;
  // The map is sorted, most probable first.
  for (const [id, p] of probabilities) {
    index++;
    if (p > 0) entropyNats -= p * Math.log(p);
    cumulative += p;
    if (tokensForHalf === 0 && cumulative >= 0.5) tokensForHalf = index;
    if (tokensForNinetyPercent === 0 && cumulative >= 0.9) tokensForNinetyPercent = index;
    if (id === request.token) {
      rank = index;
      chosenP = p;
    }
    if (top.length < request.topAlternatives) top.push({ id, text: textOf(id), p: Math.min(1, p) });
  }
  // Rounding can leave the sum a hair under a threshold after the last entry.
  tokensForHalf ||= index;
  tokensForNinetyPercent ||= index;
  return {
    meaning: 'whole-vocabulary',
    token: { id: request.token, text: textOf(request.token), p: Math.min(1, chosenP), rank: rank || index + 1 },
    top,
    listedMass: Math.min(1, top.reduce((sum, c) => sum + c.p, 0)),
    entropyBits: Math.max(0, entropyNats / Math.LN2),
    vocabularySize,
    tokensForHalf,
    tokensForNinetyPercent,
    promptChecked: request.expectPromptHash !== undefined,
    evaluatedTokens: toEvaluate.length,
  };
}
