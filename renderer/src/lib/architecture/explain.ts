import type { ModelFacts } from '../../../../electron/contract/model';
import type { ModelDescription } from '../../../../electron/contract/model-description';
import { formatBytes, formatCount, formatInteger } from '../format';
import { gpuLayersText } from '../message-text';
import { attentionExtraExplanations, attentionExtraRows } from './attention-extras';

/**
 * Words and numbers for the architecture panel, every one of them computed from the loaded
 * model's own description (never a hard-coded model). Pure functions, tested in
 * test/unit/renderer-architecture*.test.ts.
 */

export interface FactRow {
  label: string;
  value: string;
  note?: string;
  mono?: boolean;
}

const n = (value: number | null | undefined, suffix = ''): string => (value === null || value === undefined ? '–' : `${formatInteger(value)}${suffix}`);

/** "2 query heads share each KV head", "each query head has its own KV head", "all 8 query heads share one KV head". */
export function sharingSentence(heads: number | null, kvHeads: number | null): string | null {
  if (heads === null || kvHeads === null || heads <= 0 || kvHeads <= 0) return null;
  if (kvHeads === heads) return 'each query head has its own KV head (multi-head attention)';
  if (kvHeads === 1) return `all ${heads} query heads share one KV head (multi-query attention)`;
  const group = heads / kvHeads;
  return `${Number.isInteger(group) ? group : group.toFixed(1)} query heads share each KV head (grouped-query attention)`;
}

export function headRows(d: ModelDescription, facts: ModelFacts | null): FactRow[] {
  const a = d.attention;
  const rows: FactRow[] = [
    { label: 'Layers', value: n(d.layers), note: d.layerClass ? `${d.layerClass}, repeated` : undefined },
    { label: 'Hidden size', value: n(d.embeddingLength), note: 'numbers per position between layers' },
    { label: 'Query heads', value: n(a.heads) },
    { label: 'KV heads', value: n(a.kvHeads), note: sharingSentence(a.heads, a.kvHeads) ?? undefined },
    {
      label: 'Head size',
      value: a.keyLength !== null && a.valueLength !== null && a.keyLength !== a.valueLength ? `${a.keyLength} (keys), ${a.valueLength} (values)` : n(a.headDim),
      note: a.heads !== null && a.headDim !== null ? `${a.heads} × ${a.headDim} = ${formatInteger(a.heads * a.headDim)}` : undefined,
    },
    { label: 'Feed-forward', value: n(d.feedForwardLength), note: d.activation ? `gated, ${d.activation}` : undefined },
  ];
  if (d.rope) {
    const r = d.rope;
    const scaling = r.scaling ? `${r.scaling}${r.scalingFactor !== null ? ` ×${r.scalingFactor}` : ''}` : 'no scaling';
    const extra = [scaling, r.frequencyFactors ? `frequency factors ${r.frequencyFactors}` : null, r.originalContextLength !== null ? `originally ${formatInteger(r.originalContextLength)} tokens` : null].filter((s) => s !== null);
    rows.push({ label: 'RoPE', value: `base ${formatInteger(r.base)}, ${n(r.dimensions)} dims`, note: extra.join(', ') });
  }
  rows.push(...attentionExtraRows(d));
  rows.push({ label: 'Trained context', value: n(d.contextLength, ' tokens') });
  const tok = d.tokenizer;
  rows.push({
    label: 'Vocabulary',
    value: n(d.vocabSize, ' tokens'),
    note: tok ? `${tok.kind} (${tok.model}${tok.pre ? `, ${tok.pre}` : ''})` : undefined,
  });
  if (d.dominantType !== null) {
    rows.push({
      label: 'Weights',
      value: d.dominantType,
      mono: true,
      note: [d.bitsPerWeight !== null ? `${d.bitsPerWeight.toFixed(2)} bits per weight` : null, d.fileType !== null ? `file type ${d.fileType}` : null, formatBytes(d.tensorBytes)]
        .filter((s) => s !== null)
        .join(', '),
    });
  }
  if (d.kvCache.bytesPerToken !== null) {
    const context = facts?.contextSize ?? d.kvCache.contextLength;
    rows.push({
      label: 'KV cache',
      value: `${formatBytes(d.kvCache.bytesPerToken)} per token`,
      note: context !== null ? `${formatBytes(d.kvCache.bytesPerToken * context)} for the ${formatInteger(context)}-token context in use (f16)` : 'f16',
    });
  }
  if (facts) {
    const gpu = facts.gpu && !['false', 'cpu'].includes(facts.gpu.toLowerCase()) ? facts.gpu : null;
    const total = d.layers !== null ? d.layers + 1 : null;
    rows.push({
      label: 'Runs on',
      value: gpu ?? 'CPU',
      mono: true,
      note: gpu ? gpuLayersText(facts.gpuLayers, total) : `${formatInteger(facts.threads)} thread${facts.threads === 1 ? '' : 's'}`,
    });
  }
  return rows;
}

export interface ComponentBar {
  label: string;
  parameters: number;
  /** Share of the total, 0–1. */
  share: number;
  note?: string;
}

export function componentBars(d: ModelDescription): ComponentBar[] {
  const c = d.parametersByComponent;
  const total = d.parameters > 0 ? d.parameters : 1;
  const bars: ComponentBar[] = [
    { label: 'Embedding', parameters: c.embedding, share: c.embedding / total },
    { label: 'Attention', parameters: c.attention, share: c.attention / total },
    { label: 'MLP', parameters: c.mlp, share: c.mlp / total },
    { label: 'Norms', parameters: c.norms, share: c.norms / total },
    d.tiedEmbeddings
      ? { label: 'lm_head', parameters: 0, share: 0, note: 'tied to embed_tokens' }
      : { label: 'lm_head', parameters: c.lmHead, share: c.lmHead / total },
  ];
  if (c.other > 0) bars.push({ label: 'Other', parameters: c.other, share: c.other / total });
  return bars;
}

export interface KvSaving {
  /** Bytes per 1,000 tokens as the model is built, and as it would be with one KV head per query head. */
  actualPer1k: number;
  fullPer1k: number;
  /** fullPer1k / actualPer1k. */
  factor: number;
}

export function kvSaving(d: ModelDescription): KvSaving | null {
  const { heads, kvHeads, keyLength, valueLength } = d.attention;
  const layers = d.layers;
  if (layers === null || heads === null || kvHeads === null || keyLength === null || valueLength === null || kvHeads <= 0) return null;
  const perToken = (kv: number): number => layers * kv * (keyLength + valueLength) * 2;
  const actual = perToken(kvHeads) * 1000;
  const full = perToken(heads) * 1000;
  return { actualPer1k: actual, fullPer1k: full, factor: full / actual };
}

export interface Explanation {
  id: string;
  title: string;
  paragraphs: string[];
}

/** The "Why?" sections, each a few plain sentences with this model's numbers in them. */
export function explanations(d: ModelDescription): Explanation[] {
  const dim = d.embeddingLength !== null ? formatInteger(d.embeddingLength) : 'some';
  const layers = d.layers !== null ? formatInteger(d.layers) : 'several';
  const vocab = d.vocabSize !== null ? formatInteger(d.vocabSize) : 'every';
  const ff = d.feedForwardLength !== null ? formatInteger(d.feedForwardLength) : 'more';
  const { heads, kvHeads, headDim } = d.attention;
  const out: Explanation[] = [];

  out.push({
    id: 'layer',
    title: 'What does a decoder layer do?',
    paragraphs: [
      `Between layers, every position in the text is a vector of ${dim} numbers. A decoder layer changes those vectors in two steps. ` +
        `Attention mixes information between positions: each of its ${heads ?? 'several'} heads looks back over the earlier tokens, decides which matter, ` +
        `and copies a blend of what it finds into the current position${headDim !== null ? ` (each head works on ${headDim} numbers)` : ''}.`,
      `The MLP then transforms each position on its own, without looking at the others: it widens the vector to ${ff} numbers, ` +
        `gates it with ${d.activation ?? 'a non-linearity'}, and brings it back to ${dim}. Both steps add their result to what came in ` +
        `(the residual stream), so a layer refines the vectors rather than replacing them.`,
      `This model stacks ${layers} such layers. They all have the same shape; only their learned weights differ.`,
    ],
  });

  out.push({
    id: 'decoder-only',
    title: 'Why is there no encoder?',
    paragraphs: [
      `This is a decoder-only model: all it ever does is predict the next token from the tokens so far. Your prompt and its answer live in one sequence; ` +
        `the answer is produced one token at a time, and each new token is appended and fed back in.`,
      `The causal mask is what keeps that honest: when computing position i, attention may only look at positions 0 to i, never ahead. ` +
        `So the same network reads the prompt and writes the reply, and no separate encoder is needed to "understand" the input first.`,
    ],
  });

  out.push({
    id: 'embeddings',
    title: 'Embeddings versus what the layers produce',
    paragraphs: [
      `embed_tokens is a lookup table of ${vocab} rows × ${dim} numbers: token id in, its row out. It knows nothing about context, so a word like ` +
        `“bank” gets exactly the same vector in “river bank” and in “bank account”.`,
      `The layers are what make vectors contextual. After layer 1, attention has already mixed in some of the neighbours, and after all ${layers} layers the vector ` +
        `at “bank” depends on the whole sentence before it. That final vector, not the embedding, is what the model predicts from.`,
    ],
  });

  const saving = kvSaving(d);
  if (heads !== null && kvHeads !== null && saving !== null) {
    const title = kvHeads < heads ? 'Grouped-query attention: what sharing KV heads saves' : 'The KV cache';
    const paragraphs = [
      `While it generates, the model keeps every earlier token's keys and values (the KV cache) so it never recomputes them. ` +
        `Its size is layers × KV heads × (key size + value size) × 2 bytes (f16) per token: here ${layers} × ${kvHeads} × ${(d.attention.keyLength ?? 0) + (d.attention.valueLength ?? 0)} × 2 = ` +
        `${formatBytes(saving.actualPer1k / 1000)} per token, ${formatBytes(saving.actualPer1k)} per 1,000 tokens.`,
    ];
    if (kvHeads < heads) {
      paragraphs.push(
        `This model has ${heads} query heads but only ${kvHeads} KV heads, so ${heads / kvHeads} query heads read the same keys and values. ` +
          `With one KV head per query head it would need ${formatBytes(saving.fullPer1k)} per 1,000 tokens; it needs ${formatBytes(saving.actualPer1k)}, ` +
          `${saving.factor % 1 === 0 ? saving.factor : saving.factor.toFixed(1)}× less, which is what lets long contexts fit in memory.`,
      );
    } else {
      paragraphs.push(`Every query head has its own KV head here (plain multi-head attention), so nothing is shared and nothing saved.`);
    }
    out.push({ id: 'gqa', title, paragraphs });
  }
  out.push(...attentionExtraExplanations(d));

  out.push({
    id: 'lm-head',
    title: 'What comes out at the end?',
    paragraphs: [
      `After the last layer and a final norm, lm_head multiplies the last position's ${dim} numbers by a ${dim} × ${vocab} matrix` +
        `${d.tiedEmbeddings ? ' (the embedding table itself, reused: the weights are tied)' : ''}. That gives one score per token in the vocabulary.`,
      `Softmax turns the ${vocab} scores into probabilities that add up to 1. Sampling picks one token from them, it is appended, and the whole stack runs again. ` +
        `The Token tab shows those probabilities for each token of an answer.`,
    ],
  });
  return out;
}

/** "292.8K parameters" line above the bars. */
export function totalLine(d: ModelDescription): string {
  return `${formatCount(d.parameters)} parameters${d.dominantType ? `, mostly ${d.dominantType}` : ''}`;
}
