import type { ControlledEvaluateInputItem, LlamaContextSequence, Token } from 'node-llama-cpp';
import type { LoadedModel } from '../../../electron/engine/llama-runtime';

/**
 * llama.cpp's own next-token distributions, read through node-llama-cpp, as references for the
 * engine's numbers. `options` is the sampler chain llama.cpp applies before it reports the
 * survivors: FULL_SOFTMAX (temperature 0: greedy, so nothing is cut) reports every token of the
 * vocabulary with exp(lᵢ) / Σ_all exp(lⱼ).
 */

export interface NextOptions {
  temperature: number;
  topK?: number;
  topP?: number;
  minP?: number;
}

export const FULL_SOFTMAX: NextOptions = { temperature: 0 };

function mapOf(next: { probabilities?: Map<Token, number> } | undefined): Map<number, number> {
  if (next?.probabilities === undefined) throw new Error('no reference distribution');
  return next.probabilities;
}

const generateNext = (options: NextOptions) => ({ probabilities: true, options }) as const;

/**
 * The distribution after each of `tokens` from position `from` on, evaluated as generation
 * evaluates them (what precedes `from` in one batch, then one token at a time): llama.cpp's batched
 * and one-token kernels differ by ~1e-4 in the logits, so the reference follows the same pattern.
 * Each position can be read with several sampler chains (`chains`); the result is per chain.
 */
export async function referenceStepwise(loaded: LoadedModel, tokens: readonly Token[], from: number, chains: readonly NextOptions[] = [FULL_SOFTMAX]): Promise<Map<number, number>[][]> {
  const { sequence } = loaded;
  await sequence.clearHistory();
  if (from > 0) await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, from) as Token[]);
  const perChain: Map<number, number>[][] = chains.map(() => []);
  for (const token of tokens.slice(from)) {
    for (const [c, options] of chains.entries()) {
      // Every chain reads the same position: the token is evaluated once, then erased for the next chain.
      const [output] = await sequence.controlledEvaluate([[token, { generateNext: generateNext(options) }]]);
      perChain[c]?.push(mapOf(output?.next));
      if (c < chains.length - 1) await eraseLast(sequence);
    }
  }
  await sequence.clearHistory();
  return perChain;
}

async function eraseLast(sequence: LlamaContextSequence): Promise<void> {
  await sequence.eraseContextTokenRanges([{ start: sequence.nextTokenIndex - 1, end: sequence.nextTokenIndex }]);
}

/** The same, evaluated in one batch, as scoring evaluates a prompt (whole-vocabulary softmax). */
export async function referenceBatched(loaded: LoadedModel, tokens: readonly Token[], from: number): Promise<Map<number, number>[]> {
  await loaded.sequence.clearHistory();
  const input: ControlledEvaluateInputItem[] = tokens.map((t, i) => (i >= from ? [t, { generateNext: generateNext(FULL_SOFTMAX) }] : t));
  const output = await loaded.sequence.controlledEvaluate(input);
  await loaded.sequence.clearHistory();
  return output.slice(from).map((o) => mapOf(o?.next));
}
