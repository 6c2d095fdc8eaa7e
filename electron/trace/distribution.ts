/** A softmax over a full vocabulary of logits, reduced to what the lens shows. */

export interface Ranked {
  id: number;
  p: number;
}

export interface Distribution {
  top: Ranked[];
  /** p of any token id, from the same normaliser. */
  probability(id: number): number;
}

export function distribution(logits: Float32Array, k: number): Distribution {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i += 1) if ((logits[i] ?? -Infinity) > max) max = logits[i] ?? max;
  let sum = 0;
  for (let i = 0; i < logits.length; i += 1) sum += Math.exp((logits[i] ?? -Infinity) - max);
  // Keep the k best ids in a small sorted array: one pass, no full sort of 128k entries.
  const best: number[] = [];
  for (let i = 0; i < logits.length; i += 1) {
    const value = logits[i] ?? -Infinity;
    if (best.length === k && value <= (logits[best[k - 1] ?? 0] ?? -Infinity)) continue;
    let at = best.length;
    while (at > 0 && (logits[best[at - 1] ?? 0] ?? -Infinity) < value) at -= 1;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  const probability = (id: number): number => Math.exp((logits[id] ?? -Infinity) - max) / sum;
  return { top: best.map((id) => ({ id, p: probability(id) })), probability };
}
