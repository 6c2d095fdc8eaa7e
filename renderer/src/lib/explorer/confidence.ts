/** Geometry of the confidence line: one point per token, x along the answer, y = probability. */

export interface ChartBox {
  width: number;
  height: number;
  /** Inner margin so that points and their focus rings are not clipped. */
  pad: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Where each probability sits in the box: 0 at the bottom, 1 at the top; one token is centred. */
export function confidencePoints(ps: readonly number[], box: ChartBox): Point[] {
  const innerW = Math.max(0, box.width - 2 * box.pad);
  const innerH = Math.max(0, box.height - 2 * box.pad);
  const n = ps.length;
  return ps.map((raw, i) => {
    const p = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
    const x = n === 1 ? box.pad + innerW / 2 : box.pad + (innerW * i) / (n - 1);
    const y = box.pad + innerH * (1 - p);
    return { x: round(x), y: round(y) };
  });
}

/** The SVG polyline `points` attribute for those points. */
export function polylinePoints(points: readonly Point[]): string {
  return points.map((pt) => `${pt.x},${pt.y}`).join(' ');
}

/** The index of the point nearest to an x coordinate (a click on the chart), or null for none. */
export function nearestIndex(points: readonly Point[], x: number): number | null {
  let best: number | null = null;
  let distance = Infinity;
  points.forEach((pt, i) => {
    const d = Math.abs(pt.x - x);
    if (d < distance) {
      distance = d;
      best = i;
    }
  });
  return best;
}

/** Mean of the probabilities, and the least confident token's index (null for none). */
export function confidenceSummary(ps: readonly number[]): { mean: number | null; lowest: number | null } {
  if (ps.length === 0) return { mean: null, lowest: null };
  let lowest = 0;
  ps.forEach((p, i) => {
    if (p < (ps[lowest] ?? Infinity)) lowest = i;
  });
  return { mean: ps.reduce((s, p) => s + p, 0) / ps.length, lowest };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
