import type { Sampling } from '../../../electron/contract/model';
import type { GenerationStats } from '../../../electron/contract/conversation';
import { formatInteger } from './format';

const trim = (value: number): string => String(Number(value.toFixed(3)));

/** "temperature 0.8 · top-k 40 · top-p 0.95 · min-p 0.05 · seed 42" (seed "random" when unset). */
export function samplingLine(sampling: Sampling | null): string {
  if (!sampling) return '';
  return [
    `temperature ${trim(sampling.temperature)}`,
    `top-k ${formatInteger(sampling.topK)}`,
    `top-p ${trim(sampling.topP)}`,
    `min-p ${trim(sampling.minP)}`,
    `seed ${sampling.seed === null ? 'random' : String(sampling.seed)}`,
  ].join(' · ');
}

/** "prompt 120 tokens (8 evaluated, the rest cached)" or "" when there is nothing to say. */
export function promptLine(stats: GenerationStats | null): string {
  if (!stats || stats.promptTokens <= 0) return '';
  const cached = stats.promptTokens - stats.evaluatedPromptTokens;
  const base = `prompt ${formatInteger(stats.promptTokens)} ${stats.promptTokens === 1 ? 'token' : 'tokens'}`;
  return cached > 0 ? `${base} (${formatInteger(cached)} from cache)` : base;
}
