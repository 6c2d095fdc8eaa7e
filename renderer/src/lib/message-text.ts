import type { GenerationStats, MessageStatus, ModelIdentity } from '../../../electron/contract/conversation';
import type { WireError } from '../../../electron/contract/errors';
import type { ModelFacts } from '../../../electron/contract/model';
import { midSentence } from './errors';
import { formatBytes, formatCount, formatDuration, formatInteger, formatRate } from './format';

/** The line under an answer that did not finish normally, or null. */
export function statusLine(status: MessageStatus, error: WireError | null): string | null {
  switch (status) {
    case 'stopped':
      return 'Stopped. The partial answer was kept.';
    case 'interrupted':
      return `Interrupted: ${midSentence(error?.message || 'the engine stopped unexpectedly')}. The partial answer was kept.`;
    case 'error':
      return `The answer failed: ${midSentence(error?.message || 'no details were given')}. Try sending again.`;
    default:
      return null;
  }
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
  const gqa =
    heads !== null && kv !== null && kv > 0 && kv < heads
      ? `grouped-query attention: ${formatInteger(heads / kv)} query heads share each KV head`
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
      note: facts.gpuLayers > 0 ? `${formatInteger(facts.gpuLayers)} layers on the GPU` : undefined,
    },
    { label: 'Threads', value: formatInteger(facts.threads) },
  );
  return rows;
}
