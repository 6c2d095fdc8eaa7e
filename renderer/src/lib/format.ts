/** Number formatting for the UI. Pure functions, no DOM. */

// Made on first use: the first Intl object in a fresh renderer loads ICU's locale data (tens of
// milliseconds), which the window's first paint should not wait for.
let integer: Intl.NumberFormat | null = null;

/** 12345 → "12,345". */
export function formatInteger(value: number): string {
  integer ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  return integer.format(value);
}

/** A probability in [0, 1] as a percentage: 0.9213 → "92.1%", 0.00004 → "<0.1%". */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '–';
  const pct = p * 100;
  if (pct > 0 && pct < 0.1) return '<0.1%';
  if (pct < 100 && pct > 99.9) return '>99.9%';
  return `${pct.toFixed(1)}%`;
}

/** 1536 → "1.50 KiB", 1.2e9 → "1.12 GiB": binary units, named as such (1,185,376 bytes is 1.13 MiB, not MB). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${formatInteger(value)} bytes`;
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** A parameter count: 292_000 → "292K", 1_235_814_400 → "1.24B". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const steps: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, suffix] of steps) {
    if (Math.abs(value) >= size) {
      const scaled = value / size;
      return `${Number(scaled.toFixed(scaled < 10 ? 2 : scaled < 100 ? 1 : 0))}${suffix}`;
    }
  }
  return formatInteger(value);
}

/** Milliseconds: 8.4 → "8 ms", 1520 → "1.52 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** Tokens per second: 312.44 → "312 tokens/s", 4.56 → "4.6 tokens/s". */
export function formatRate(tokensPerSecond: number): string {
  if (!Number.isFinite(tokensPerSecond)) return '–';
  const digits = tokensPerSecond < 10 ? 1 : 0;
  return `${tokensPerSecond.toFixed(digits)} tokens/s`;
}

let graphemes: Intl.Segmenter | null = null;

/** Characters as a reader counts them: "👍🏽" and "é" are one each (grapheme clusters, not UTF-16 units). */
export function characterCount(text: string): number {
  graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}
