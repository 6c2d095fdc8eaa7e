import { describe, expect, it } from 'vitest';
import { VIRIDIS_STOPS, textColourOn, viridis, viridisGradient } from '../../../renderer/src/lib/palette';

describe('renderer palette (viridis)', () => {
  it('starts at dark purple and ends at yellow', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(0.5)).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('clamps out-of-range and non-finite values', () => {
    expect(viridis(-1)).toBe(viridis(0));
    expect(viridis(2)).toBe(viridis(1));
    expect(viridis(Number.NaN)).toBe(viridis(0));
  });

  it('hits every stop exactly at its position', () => {
    VIRIDIS_STOPS.forEach((stop, i) => expect(viridis(i / (VIRIDIS_STOPS.length - 1))).toBe(stop));
  });

  it('gets lighter monotonically (a sequential scale)', () => {
    const luminance = (hex: string): number => {
      const n = Number.parseInt(hex.slice(1), 16);
      return 0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
    };
    let previous = -1;
    for (let p = 0; p <= 1.0001; p += 0.05) {
      const l = luminance(viridis(p));
      expect(l).toBeGreaterThan(previous);
      previous = l;
    }
  });

  it('picks readable text: white on purple, black on yellow', () => {
    expect(textColourOn(0)).toBe('#ffffff');
    expect(textColourOn(1)).toBe('#000000');
  });

  it('describes the legend gradient with every stop', () => {
    const gradient = viridisGradient();
    expect(gradient.startsWith('linear-gradient(to right')).toBe(true);
    for (const stop of VIRIDIS_STOPS) expect(gradient).toContain(stop);
  });
});
