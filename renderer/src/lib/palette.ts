/**
 * The colour scale for token probabilities: viridis, which is perceptually uniform and readable
 * with the common forms of colour blindness. Ten stops (matplotlib's viridis sampled evenly),
 * interpolated linearly in sRGB, which stays close to the full 256-entry table.
 */
export const VIRIDIS_STOPS: readonly string[] = [
  '#440154',
  '#482878',
  '#3e4a89',
  '#31688e',
  '#26828e',
  '#1f9e89',
  '#35b779',
  '#6dcd59',
  '#b4de2c',
  '#fde725',
];

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const STOPS: readonly Rgb[] = VIRIDIS_STOPS.map(parseHex);

function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

function rgbAt(value: number): Rgb {
  const t = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  const position = t * (STOPS.length - 1);
  const low = Math.floor(position);
  const high = Math.min(STOPS.length - 1, low + 1);
  const f = position - low;
  const a = STOPS[low] ?? STOPS[0]!;
  const b = STOPS[high] ?? a;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** The scale's colour for a value in [0, 1] (clamped) as #rrggbb. */
export function viridis(value: number): string {
  return toHex(rgbAt(value));
}

function relativeLuminance([r, g, b]: Rgb): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Black or white, whichever contrasts more with the scale's colour at this value. */
export function textColourOn(value: number): '#000000' | '#ffffff' {
  const l = relativeLuminance(rgbAt(value));
  // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05); equal at l ≈ 0.179.
  return l > 0.179 ? '#000000' : '#ffffff';
}

/** A CSS linear-gradient of the scale, low on the left, for the legend. */
export function viridisGradient(): string {
  return `linear-gradient(to right, ${VIRIDIS_STOPS.join(', ')})`;
}
