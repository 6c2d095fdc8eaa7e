/**
 * Numbers a learner can read off one layer's attention, [head][query][key] over n tokens stored
 * flat (head-major, then query, then key).
 */

export interface HeadStats {
  entropy: number;
  firstTokenShare: number;
}

export function headStats(weights: Float32Array, heads: number, n: number): HeadStats[] {
  return Array.from({ length: heads }, (_, h) => {
    let entropy = 0;
    let first = 0;
    for (let q = 0; q < n; q += 1) {
      const base = (h * n + q) * n;
      for (let k = 0; k <= q; k += 1) {
        const p = weights[base + k] ?? 0;
        if (p > 0) entropy -= p * Math.log2(p);
      }
      if (q > 0) first += weights[base] ?? 0;
    }
    return { entropy: entropy / n, firstTokenShare: n > 1 ? first / (n - 1) : 1 };
  });
}

export interface Attended {
  key: number;
  weight: number;
}

/** Per query: the `top` keys with the most attention averaged over heads. */
export function topAttended(weights: Float32Array, heads: number, n: number, top: number): Attended[][] {
  return Array.from({ length: n }, (_, q) => {
    const mean = new Float64Array(q + 1);
    for (let h = 0; h < heads; h += 1) {
      const base = (h * n + q) * n;
      for (let k = 0; k <= q; k += 1) mean[k] = (mean[k] ?? 0) + (weights[base + k] ?? 0) / heads;
    }
    return Array.from(mean, (weight, key) => ({ key, weight }))
      .sort((a, b) => b.weight - a.weight)
      .slice(0, top);
  });
}
