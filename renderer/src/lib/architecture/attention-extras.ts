import type { ModelDescription } from '../../../../electron/contract/model-description';
import { formatBytes, formatInteger } from '../format';
import type { Explanation, FactRow } from './explain';

/**
 * The parts of attention that only some families have, shown and explained from the model's own
 * description: a sliding window (Gemma 2/3) and query/key norms (Gemma 3, Qwen 3, OLMo 2).
 */

/** Per-head RMSNorms on queries and keys: the GGUF has blk.N.attn_q_norm / attn_k_norm. */
export function hasQueryKeyNorms(d: ModelDescription): boolean {
  return d.tensors.some((t) => t.name === 'blk.0.attn_q_norm.weight') && d.tensors.some((t) => t.name === 'blk.0.attn_k_norm.weight');
}

function layerList(layers: readonly number[]): string {
  return layers.length <= 8 ? layers.join(', ') : `${layers.slice(0, 6).join(', ')}, … ${layers.at(-1)}`;
}

export function attentionExtraRows(d: ModelDescription): FactRow[] {
  const rows: FactRow[] = [];
  const swa = d.slidingWindow;
  if (swa) {
    rows.push({
      label: 'Sliding window',
      value: `${formatInteger(swa.window)} tokens`,
      note:
        `on ${swa.localLayers.length} of ${formatInteger(d.layers ?? 0)} layers; layer${swa.globalLayers.length === 1 ? '' : 's'} ${layerList(swa.globalLayers)} see the whole context` +
        (swa.localRopeBase !== null ? `; local layers: RoPE base ${formatInteger(swa.localRopeBase)}` : ''),
    });
  }
  if (hasQueryKeyNorms(d) && d.attention.headDim !== null) {
    rows.push({ label: 'Query-key norms', value: `RMSNorm over ${formatInteger(d.attention.headDim)}`, note: 'each head’s query and key, before RoPE' });
  }
  return rows;
}

export function attentionExtraExplanations(d: ModelDescription): Explanation[] {
  const out: Explanation[] = [];
  const swa = d.slidingWindow;
  const layers = d.layers ?? 0;
  if (swa) {
    const paragraphs = [
      `In ${swa.localLayers.length} of its ${formatInteger(layers)} layers this model looks back only ${formatInteger(swa.window)} tokens: attention at position i sees positions ` +
        `i − ${formatInteger(swa.window - 1)} to i, not the whole text. ` +
        `Only layer${swa.globalLayers.length === 1 ? '' : 's'} ${layerList(swa.globalLayers)}${swa.period !== null ? ` (every ${swa.period}th)` : ''} attend to everything, ` +
        `so nearby detail comes from the local layers and long-range links from the few global ones, for a fraction of the compute on long inputs.`,
    ];
    if (swa.localRopeBase !== null && d.rope) {
      paragraphs.push(
        `The two kinds of layer also count positions differently: the local layers rotate with RoPE base ${formatInteger(swa.localRopeBase)}, ` +
          `the global ones with ${formatInteger(d.rope.base)}, whose slower rotations stay distinguishable across the ${formatInteger(d.contextLength ?? 0)}-token trained context.`,
      );
    }
    if (swa.windowedKvBytes !== null && d.kvCache.bytes !== null && d.kvCache.contextLength !== null) {
      paragraphs.push(
        `A local layer would only need the last ${formatInteger(swa.window)} tokens' keys and values: ${formatBytes(swa.windowedKvBytes)} instead of ${formatBytes(d.kvCache.bytes)} ` +
          `for ${formatInteger(d.kvCache.contextLength)} tokens. Glassbox keeps the full-size cache on every layer anyway, because a windowed cache forgets ` +
          `the start of the conversation and could not be reused on the next turn.`,
      );
    }
    out.push({ id: 'sliding-window', title: 'Sliding-window attention: most layers look back a short way', paragraphs });
  }
  if (hasQueryKeyNorms(d) && d.attention.headDim !== null) {
    out.push({
      id: 'qk-norm',
      title: 'Why normalise queries and keys?',
      paragraphs: [
        `Before RoPE, each head's query and key (${formatInteger(d.attention.headDim)} numbers each) go through their own RMSNorm (q_norm, k_norm). ` +
          `An attention score is a dot product of a query and a key, so bounding their size keeps the scores from growing until softmax puts all the weight on one token.`,
        `This replaces the soft-capping of attention scores used by earlier models of some families, and makes training of large models more stable.`,
      ],
    });
  }
  return out;
}
