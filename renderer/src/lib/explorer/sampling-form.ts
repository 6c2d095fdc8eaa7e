/** The Sampling tab's fields: their limits, their one-line explanations, and parsing what is typed. */
import type { Sampling } from '../../../../electron/contract/model';
import type { Candidate } from './distribution';

export type NumericField = 'temperature' | 'topK' | 'topP' | 'minP' | 'maxTokens';

export interface FieldSpec {
  key: NumericField | 'seed' | 'thoughtBudget';
  label: string;
  explain: string;
  min: number;
  max: number;
  step: number;
  integer: boolean;
  /** Shown as a slider as well as a number box. */
  slider: boolean;
  /** May be left empty (null), and what empty means, shown in the empty box. */
  empty?: string;
}

export const SAMPLING_FIELDS: readonly FieldSpec[] = [
  {
    key: 'temperature',
    label: 'Temperature',
    explain: 'Below 1 sharpens the distribution (favourites win more often), above 1 flattens it; 0 always takes the top token.',
    min: 0,
    max: 2,
    step: 0.05,
    integer: false,
    slider: true,
  },
  {
    key: 'topK',
    label: 'Top-k',
    explain: 'Only the k most probable tokens can be drawn.',
    min: 1,
    max: 1000,
    step: 1,
    integer: true,
    slider: false,
  },
  {
    key: 'topP',
    label: 'Top-p',
    explain: 'Keeps the most probable tokens until together they reach this share; the long tail is cut.',
    min: 0.01,
    max: 1,
    step: 0.01,
    integer: false,
    slider: true,
  },
  {
    key: 'minP',
    label: 'Min-p',
    explain: 'Drops tokens less probable than this fraction of the top token’s probability.',
    min: 0,
    max: 1,
    step: 0.01,
    integer: false,
    slider: true,
  },
  {
    key: 'seed',
    label: 'Seed',
    explain: 'The same seed and settings give the same answer again; empty = a new random draw each time.',
    min: 0,
    max: 2 ** 32 - 1,
    step: 1,
    integer: true,
    slider: false,
    empty: 'random',
  },
  {
    key: 'maxTokens',
    label: 'Max tokens',
    explain: 'The answer stops after this many tokens.',
    min: 1,
    max: 32768,
    step: 1,
    integer: true,
    slider: false,
  },
  {
    key: 'thoughtBudget',
    label: 'Thinking budget',
    explain:
      'For a model that thinks before it answers (Qwen3, DeepSeek-R1, gpt-oss): at this many thinking tokens its thought is closed for it and the answer follows; 0 answers without thinking; empty = no cap.',
    min: 0,
    max: 32768,
    step: 1,
    integer: true,
    slider: false,
    empty: 'no cap',
  },
];

export type ParsedField = { ok: true; patch: Partial<Sampling> } | { ok: false; error: string };

/** What a typed value means for a field: a patch to save, or why it cannot be saved. */
export function parseField(spec: FieldSpec, raw: string): ParsedField {
  const text = raw.trim();
  if (spec.empty !== undefined && text === '') return { ok: true, patch: { [spec.key]: null } };
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) return { ok: false, error: `${spec.label} must be a number.` };
  if (spec.integer && !Number.isInteger(value)) return { ok: false, error: `${spec.label} must be a whole number.` };
  if (value < spec.min || value > spec.max) {
    return { ok: false, error: `${spec.label} must be between ${spec.min} and ${spec.max}.` };
  }
  return { ok: true, patch: { [spec.key]: value } };
}

/** The value a field shows for the settings. */
export function fieldValue(spec: FieldSpec, sampling: Sampling): string {
  const value = sampling[spec.key];
  return value === null || value === undefined ? '' : String(value);
}

/** A made-up next-token distribution for the illustration when no token is pinned. */
export const EXAMPLE_CANDIDATES: readonly Candidate[] = [
  { id: 1, text: ' the', p: 0.42 },
  { id: 2, text: ' a', p: 0.21 },
  { id: 3, text: ' her', p: 0.12 },
  { id: 4, text: ' his', p: 0.09 },
  { id: 5, text: ' their', p: 0.06 },
  { id: 6, text: ' one', p: 0.04 },
  { id: 7, text: ' this', p: 0.03 },
  { id: 8, text: ' my', p: 0.015 },
  { id: 9, text: ' some', p: 0.01 },
  { id: 10, text: ' every', p: 0.005 },
];
