/**
 * Pure maths on a token's shown distribution: the model's top candidates at temperature 1 (see
 * electron/contract/token.ts for what the numbers mean). No DOM, no Svelte: unit-tested on their own.
 */
import type { Sampling } from '../../../../electron/contract/model';
import { drawWeight } from '../../../../electron/contract/probability-meaning';
import type { GeneratedToken, SamplingPool } from '../../../../electron/contract/token';

export interface Candidate {
  id: number;
  text: string;
  p: number;
}

/** Shannon entropy in bits of a distribution (renormalised first; zeros and non-finite values ignored). */
export function entropyBits(ps: readonly number[]): number {
  const clean = ps.filter((p) => Number.isFinite(p) && p > 0);
  const total = clean.reduce((sum, p) => sum + p, 0);
  if (total <= 0) return 0;
  let h = 0;
  for (const p of clean) {
    const q = p / total;
    h -= q * Math.log2(q);
  }
  // -0 and rounding noise below zero read as "certain".
  return Math.max(0, h);
}

/** The largest entropy k candidates can have: a fair coin with k sides. */
export function maxEntropyBits(k: number): number {
  return k > 1 ? Math.log2(k) : 0;
}

/** The candidates shown for a token, highest first; the chosen token is added when it ranked outside them. */
export function candidatesOf(token: GeneratedToken): Candidate[] {
  const list = [...token.top].sort((a, b) => b.p - a.p).map((a) => ({ id: a.id, text: a.text, p: a.p }));
  if (!list.some((c) => c.id === token.id)) list.push({ id: token.id, text: token.text, p: token.p });
  return list;
}

/** 1-based rank of the chosen token among its listed alternatives; null when it was not listed. */
export function rankOf(token: GeneratedToken): number | null {
  const sorted = [...token.top].sort((a, b) => b.p - a.p);
  const index = sorted.findIndex((a) => a.id === token.id);
  return index < 0 ? null : index + 1;
}

export type SamplingSettings = Pick<Sampling, 'temperature' | 'topK' | 'topP' | 'minP'>;

/** Why a candidate did not survive the sampling settings (null: it did). */
export type CutBy = 'top-k' | 'top-p' | 'min-p' | 'greedy' | null;

export interface Sampled extends Candidate {
  /** Probability after the settings (0 when cut). */
  after: number;
  cutBy: CutBy;
}

/**
 * The engine's sampler (electron/engine/sampler.ts) applied to a shown distribution: top-k, then
 * top-p and min-p on the model's probabilities, then temperature (p^(1/T), renormalised).
 * Temperature 0 is greedy: all the weight on the most probable candidate. Input order is kept;
 * candidates are ranked by probability internally.
 */
export function applySampling(candidates: readonly Candidate[], settings: SamplingSettings): Sampled[] {
  const total = candidates.reduce((sum, c) => sum + (c.p > 0 ? c.p : 0), 0);
  const base = candidates.map((c) => ({ ...c, p: total > 0 && c.p > 0 ? c.p / total : 0 }));
  const order = base.map((_, i) => i).sort((a, b) => (base[b]?.p ?? 0) - (base[a]?.p ?? 0));
  const cut = new Map<number, CutBy>();
  if (order.length === 0) return [];

  if (settings.temperature === 0) {
    order.forEach((i, rank) => cut.set(i, rank === 0 ? null : 'greedy'));
  } else {
    const k = Math.max(1, Math.floor(settings.topK));
    let kept = order.filter((i, rank) => {
      if (rank < k) return true;
      cut.set(i, 'top-k');
      return false;
    });
    if (settings.topP < 1) {
      const keptTotal = kept.reduce((sum, i) => sum + (base[i]?.p ?? 0), 0);
      let cumulative = 0;
      let stop = kept.length;
      for (let r = 0; r < kept.length; r++) {
        cumulative += (base[kept[r] ?? 0]?.p ?? 0) / keptTotal;
        if (cumulative >= settings.topP - 1e-12) {
          stop = r + 1;
          break;
        }
      }
      kept.slice(stop).forEach((i) => cut.set(i, 'top-p'));
      kept = kept.slice(0, stop);
    }
    const top = base[kept[0] ?? 0]?.p ?? 0;
    if (settings.minP > 0) {
      kept = kept.filter((i, r) => {
        if (r === 0 || (base[i]?.p ?? 0) >= settings.minP * top) return true;
        cut.set(i, 'min-p');
        return false;
      });
    }
    kept.forEach((i) => cut.set(i, null));
  }

  const weights = base.map((c, i) => {
    if (cut.get(i) !== null) return 0;
    if (settings.temperature === 0) return 1;
    const top = base[order[0] ?? 0]?.p ?? 1;
    return c.p > 0 ? Math.exp(Math.log(c.p / top) / settings.temperature) : 0;
  });
  const sum = weights.reduce((s, w) => s + w, 0);
  // `p` stays as given (the model's top-K probability, which the shown few need not sum to 1);
  // `after` is renormalised over the shown candidates that survive.
  return candidates.map((c, i) => ({
    ...c,
    after: sum > 0 ? (weights[i] ?? 0) / sum : 0,
    cutBy: cut.get(i) ?? null,
  }));
}

/**
 * The sampler's own cuts (token.pool: what electron/engine/sampler.ts decided on its whole
 * candidate pool while generating) applied to the shown candidates, which are the pool's first
 * ones. null when the answer did not record them (greedy, an older answer, a remote engine): then
 * applySampling above is the only estimate, on the shown candidates alone.
 */
export function applyPool(candidates: readonly Candidate[], token: GeneratedToken, settings: SamplingSettings): Sampled[] | null {
  const pool = token.pool;
  if (pool === undefined || settings.temperature === 0) return null;
  const ranked = candidates.map((c, i) => ({ c, i })).sort((a, b) => b.c.p - a.c.p);
  const top = ranked[0]?.c.p ?? 0;
  const rankOfIndex = new Map(ranked.map(({ i }, rank) => [i, rank]));
  return candidates.map((c, i) => {
    const rank = rankOfIndex.get(i) ?? 0;
    // The chosen token was drawn, so it was kept, wherever it ranked beyond the listed ones.
    const cutBy: CutBy = c.id === token.id || rank < pool.kept ? null : rank < pool.afterTopP ? 'min-p' : rank < pool.afterTopK ? 'top-p' : 'top-k';
    return { ...c, after: cutBy === null ? drawWeight(c.p, top, settings.temperature) / pool.weight : 0, cutBy };
  });
}

/** One line on what the settings did to the sampler's whole pool at this position. */
export function poolEffect(pool: SamplingPool, settings: SamplingSettings): string {
  const byK = pool.size - pool.afterTopK;
  const byP = pool.afterTopK - pool.afterTopP;
  const byMin = pool.afterTopP - pool.kept;
  const parts = [byK > 0 ? `top-k ${settings.topK} cut ${byK}` : `top-k ${settings.topK} kept all ${pool.size}`];
  if (settings.topP < 1) parts.push(byP > 0 ? `top-p ${trim(settings.topP)} cut ${byP} more` : `top-p ${trim(settings.topP)} cut none`);
  if (settings.minP > 0) parts.push(byMin > 0 ? `min-p ${trim(settings.minP)} cut ${byMin} below ${trim(settings.minP * 100)}% of the top one` : `min-p ${trim(settings.minP)} cut none`);
  return `Of the sampler's ${pool.size} candidates: ${parts.join(', ')}; ${pool.kept} could be drawn.`;
}

const trim = (value: number): string => String(Number(value.toFixed(3)));

/** One line on what the settings did to this distribution, for the panel. */
export function samplingEffect(sampled: readonly Sampled[], settings: SamplingSettings): string {
  const n = sampled.length;
  if (n === 0) return '';
  if (settings.temperature === 0) {
    return `Temperature 0 is greedy: the most probable of the ${n} candidates always wins, the others get 0%.`;
  }
  const count = (by: CutBy): number => sampled.filter((s) => s.cutBy === by).length;
  const kept = count(null);
  const parts: string[] = [];
  const byK = count('top-k');
  const byP = count('top-p');
  const byMin = count('min-p');
  parts.push(byK > 0 ? `top-k ${settings.topK} cut ${byK}` : `top-k ${settings.topK} kept all ${n}`);
  if (settings.topP < 1) parts.push(byP > 0 ? `top-p ${trim(settings.topP)} cut ${byP} more` : `top-p ${trim(settings.topP)} cut none`);
  if (settings.minP > 0) parts.push(byMin > 0 ? `min-p ${trim(settings.minP)} cut ${byMin} below ${trim(settings.minP * 100)}% of the top one` : `min-p ${trim(settings.minP)} cut none`);
  const t = settings.temperature;
  const tempText =
    t === 1
      ? 'temperature 1 left the rest as the model gave them'
      : t < 1
        ? `temperature ${trim(t)} sharpened the rest (favourites gain)`
        : `temperature ${trim(t)} flattened the rest (long shots gain)`;
  return `${parts.join(', ')}; ${tempText}. ${kept} of ${n} could be drawn.`;
}
