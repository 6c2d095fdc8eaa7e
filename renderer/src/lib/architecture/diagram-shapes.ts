/**
 * What the two SVG diagrams (one decoder layer's data flow, and the whole stack) are made of. The
 * geometry functions (layer-diagram.ts, stack-diagram.ts) are pure: the components only draw what
 * they return, in a fixed-width viewBox that scales to the panel.
 */

export type Tone = 'io' | 'norm' | 'attn' | 'mlp' | 'op' | 'head' | 'container';

export interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  tone: Tone;
  /** Main text (monospace names), may be empty for small head boxes. */
  label: string;
  /** Second line: dimensions. */
  sub?: string;
  /** Fill colour for head boxes (the KV group's colour). */
  colour?: string;
  /** Lighter fill (query heads) versus solid (the K/V head they share). */
  faint?: boolean;
  /** Tooltip text (SVG <title>). */
  title?: string;
}

export interface Line {
  d: string;
  arrow: boolean;
}

export interface Circle {
  id: string;
  cx: number;
  cy: number;
  r: number;
  symbol: string;
  title: string;
}

export interface Label {
  x: number;
  y: number;
  text: string;
  anchor: 'start' | 'middle' | 'end';
  small?: boolean;
}

export interface Diagram {
  width: number;
  height: number;
  boxes: Box[];
  lines: Line[];
  circles: Circle[];
  labels: Label[];
}

/** Okabe–Ito: eight colours that stay distinct with the common forms of colour blindness. */
export const GROUP_COLOURS: readonly string[] = ['#E69F00', '#56B4E9', '#009E73', '#CC79A7', '#0072B2', '#D55E00', '#F0E442', '#999999'];

export function groupColour(group: number): string {
  return GROUP_COLOURS[group % GROUP_COLOURS.length] ?? '#999999';
}

export const DIAGRAM_WIDTH = 340;
