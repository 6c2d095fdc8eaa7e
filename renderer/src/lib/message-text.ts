import type { GenerationStats, MessageStatus, ModelIdentity } from '../../../electron/contract/conversation';
import type { WireError } from '../../../electron/contract/errors';
import type { ModelFacts } from '../../../electron/contract/model';
import { midSentence } from './errors';
import { formatBytes, formatCount, formatDuration, formatInteger, formatRate } from './format';

/**
 * The line under an answer that did not finish normally (or that a limit cut short), or null.
 * A full context is never answered with "try again": sending again cannot work (the composer
 * offers what does).
 */
export function statusLine(status: MessageStatus, error: WireError | null, stats: GenerationStats | null = null): string | null {
  switch (status) {
    case 'stopped':
      return 'Stopped. The partial answer was kept.';
    case 'interrupted':
      return `Interrupted: ${midSentence(error?.message || 'the engine stopped unexpectedly')}. The partial answer was kept.`;
    case 'error':
      if (error?.kind === 'context-full') return `No answer: ${midSentence(error.message.replace(/ Start a new .*$/, ''))}. See below the message box for what works.`;
      return `The answer failed: ${midSentence(error?.message || 'no details were given')}. Try sending again.`;
    default:
      if (stats?.finishReason === 'context-full') {
        return `Stopped because the model's context is full (${formatInteger(stats.promptTokens + stats.tokens)} tokens). See below the message box for what works.`;
      }
      if (stats?.finishReason === 'max-tokens') {
        return `Stopped at the answer length limit (${formatInteger(stats.tokens)} tokens); raise “Max tokens” in the Sampling tab for longer answers.`;
      }
      return null;
  }
}

/** "0 of 5 layers + the output layer on the GPU": llama.cpp counts the output layer as one more (totalLayers = blocks + 1). */
export function gpuLayersText(gpuLayers: number, totalLayers: number | null | undefined): string {
  if (totalLayers === null || totalLayers === undefined || totalLayers < 1) return `${formatInteger(gpuLayers)} layers on the GPU`;
  const blocks = totalLayers - 1;
  if (gpuLayers >= totalLayers) return `all ${formatInteger(blocks)} layers + the output layer on the GPU`;
  return `${formatInteger(gpuLayers)} of ${formatInteger(blocks)} layers + the output layer on the GPU`;
}

/** "42 tokens · 18 ms to first token · 310 tokens/s · stories260K.gguf" */
export function statsLine(stats: GenerationStats | null, model: ModelIdentity | null): string {
  const parts: string[] = [];
  if (stats) {
    parts.push(`${formatInteger(stats.tokens)} ${stats.tokens === 1 ? 'token' : 'tokens'}`);
    if (stats.ttftMs !== null) parts.push(`${formatDuration(stats.ttftMs)} to first token`);
    if (stats.tokensPerSecond !== null) parts.push(formatRate(stats.tokensPerSecond));
  }
  if (model) parts.push(model.fileName);
  return parts.join(' · ');
}

export interface Fact {
  label: string;
  value: string;
  /** Shown in the monospace face (identifiers, numbers of shape). */
  mono?: boolean;
  note?: string;
}

const orDash = (value: number | null, format: (n: number) => string = formatInteger): string =>
  value === null ? '–' : format(value);

/** The model panel's facts, in reading order. */
export function modelFactRows(facts: ModelFacts): Fact[] {
  const rows: Fact[] = [
    { label: 'Architecture', value: facts.architecture, mono: true },
    { label: 'Layers', value: orDash(facts.layers) },
  ];
  const heads = facts.attentionHeads;
  const kv = facts.kvHeads;
  // One KV head for all query heads (Gemma 3 270M) is multi-query attention, not a group of them.
  const gqa =
    heads !== null && kv !== null && kv > 0 && kv < heads
      ? kv === 1
        ? `multi-query attention: all ${formatInteger(heads)} query heads share one KV head`
        : `grouped-query attention: ${formatInteger(heads / kv)} query heads share each KV head`
      : undefined;
  rows.push({ label: 'Query heads', value: orDash(heads) });
  rows.push({ label: 'KV heads', value: orDash(kv), note: gqa });
  rows.push(
    { label: 'Embedding size', value: orDash(facts.embeddingLength) },
    { label: 'Trained context', value: `${orDash(facts.trainedContextLength)} tokens` },
    { label: 'Context in use', value: `${formatInteger(facts.contextSize)} tokens` },
    { label: 'Vocabulary', value: `${orDash(facts.vocabSize)} tokens` },
    { label: 'Parameters', value: orDash(facts.parameters, formatCount) },
    { label: 'File size', value: formatBytes(facts.fileSizeBytes) },
    { label: 'Chat template', value: facts.chatTemplate || '–', mono: true },
    {
      label: 'Backend',
      value: facts.gpu && facts.gpu !== 'false' ? facts.gpu : 'CPU',
      mono: true,
      note: facts.gpuLayers > 0 ? gpuLayersText(facts.gpuLayers, facts.totalLayers) : undefined,
    },
    { label: 'Threads', value: formatInteger(facts.threads) },
  );
  return rows;
}
