import type { LlamaContext, LlamaModel } from 'node-llama-cpp';

/**
 * Whole-vocabulary probabilities (softmax at temperature 1 over every token) for the candidates
 * node-llama-cpp reports, at the cost of one extra pass over the logits per sampled position.
 *
 * Why this shape: asked for `probabilities` with top-k K, the addon returns exp(lᵢ) / Σ_topK exp(lⱼ)
 * — shares of the top K. Asked for the whole vocabulary it builds a Map of every token (~55 ms a
 * token on 128k; shared/MEASURED.md). Its cheapest whole-vocabulary number is the *confidence* of a
 * greedy sampler: exp(l_max) / Σ_all exp(lⱼ), the exact probability of the argmax (the addon sorts
 * the candidates once for it, then sums). The argmax is also the first entry of the top-K map, so
 *     exact pᵢ = shareᵢ · p_exact(argmax) / share(argmax)
 * for every listed candidate: the top-K map scaled by the mass the top K hold.
 *
 * node-llama-cpp has no public hook for it, so this wraps the context's addon `sampleToken`
 * (every evaluate path calls it with the batch's logit index) and runs the greedy pass on the same
 * logits before the real one. Tests compare the result with llama.cpp's own full softmax.
 */

/** The addon's sampleToken result: token, then a flat [id, p, id, p, ...] list sorted by logit, then confidence. */
type SampleResult = [number, number[] | undefined, number | undefined] | number;
type SampleToken = (batchLogitIndex: number, sampler: unknown, probabilities?: boolean, confidence?: boolean) => Promise<SampleResult>;

interface AddonSampler {
  applyConfig(config: { temperature: number }): void;
  dispose(): void;
}

interface Internals {
  addon: { sampleToken: SampleToken };
  newSampler: () => AddonSampler;
}

export interface ExactProbabilities {
  /** While true, every probabilities map the context returns holds whole-vocabulary probabilities. */
  enabled: boolean;
  dispose(): void;
}

/** Installs the pass on a context (off until `enabled` is set); null where node-llama-cpp's internals are not as expected. */
export function installExactProbabilities(model: LlamaModel, context: LlamaContext): ExactProbabilities | null {
  const internals = readInternals(model, context);
  if (internals === null) return null;
  const { addon } = internals;
  const original = addon.sampleToken.bind(addon);
  const greedy = internals.newSampler();
  greedy.applyConfig({ temperature: 0 });
  let greedyTurn: Promise<unknown> = Promise.resolve();
  const state: ExactProbabilities = {
    enabled: false,
    dispose() {
      delete (addon as Partial<Internals['addon']>).sampleToken;
      greedy.dispose();
    },
  };
  const sampleToken: SampleToken = async (index, sampler, probabilities, confidence) => {
    if (!state.enabled || probabilities !== true) return original(index, sampler, probabilities, confidence);
    // One greedy sampler serves every position, and the addon's sampler keeps its candidate buffer
    // between calls: positions sampled together (controlledEvaluate) take turns on it.
    const pass = greedyTurn.then(() => original(index, greedy, false, true));
    greedyTurn = pass.catch(() => undefined);
    const argmax = await pass;
    const result = await original(index, sampler, probabilities, confidence);
    const exactTop = Array.isArray(argmax) ? argmax[2] : undefined;
    if (exactTop !== undefined && Array.isArray(result)) scaleToWholeVocabulary(result, exactTop);
    return result;
  };
  // The prototype's method is read-only; an own property shadows it for this context only.
  Object.defineProperty(addon, 'sampleToken', { value: sampleToken, configurable: true, writable: true });
  return state;
}

/** Scales the shares in place: the list is sorted by logit, so its first probability is the argmax's share. */
function scaleToWholeVocabulary(result: [number, number[] | undefined, number | undefined], exactTop: number): void {
  const flat = result[1];
  const topShare = flat?.[1];
  if (flat === undefined || topShare === undefined || topShare <= 0) return;
  const mass = exactTop / topShare;
  for (let i = 1; i < flat.length; i += 2) flat[i] = (flat[i] ?? 0) * mass;
  if (typeof result[2] === 'number') result[2] *= mass;
}

function readInternals(model: LlamaModel, context: LlamaContext): Internals | null {
  const addon = (context as unknown as { _ctx?: unknown })._ctx;
  const addonModel = (model as unknown as { _model?: unknown })._model;
  const bindings = (model.llama as unknown as { _bindings?: { AddonSampler?: unknown } })._bindings;
  const Sampler = bindings?.AddonSampler;
  if (typeof addon !== 'object' || addon === null || typeof (addon as { sampleToken?: unknown }).sampleToken !== 'function') return null;
  if (typeof Sampler !== 'function' || addonModel === undefined) return null;
  const SamplerClass = Sampler as new (model: unknown) => AddonSampler;
  return { addon: addon as Internals['addon'], newSampler: () => new SamplerClass(addonModel) };
}
