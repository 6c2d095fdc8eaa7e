import type { ModelDescription } from '../../../../electron/contract/model-description';
import { layerParts } from './layer-parts';

/** The text alternative for the layer diagram (aria-describedby), in the model's numbers. */
export function layerDiagramDescription(d: ModelDescription): string {
  const parts = layerParts(d);
  const { heads, kvHeads, headDim, groupSize } = d.attention;
  const dim = d.embeddingLength ?? '?';
  const ff = d.feedForwardLength ?? '?';
  const sharing =
    heads !== null && kvHeads !== null && groupSize !== null
      ? kvHeads === heads
        ? `${heads} query heads, each with its own key/value head`
        : `${heads} query heads in ${kvHeads} groups of ${groupSize}, each group sharing one key/value head`
      : 'attention heads';
  const mlp = parts.gateUp
    ? `a fused gate/up projection from ${dim} to twice ${ff}`
    : `gate_proj and up_proj from ${dim} to ${ff}`;
  return (
    `A vector of ${dim} numbers enters the layer. It is normalised, then attention projects it to queries, keys and values: ` +
    `${sharing}, head size ${headDim ?? '?'}.${d.rope ? ` RoPE rotates the queries and keys by their position (base ${d.rope.base}).` : ''} Each query head takes a softmax over the earlier positions' keys and mixes their values; ` +
    `o_proj joins the heads back to ${dim} numbers, which are added to the input. That sum is normalised again and goes through the MLP: ` +
    `${mlp}, ${parts.activation ?? 'an activation'} on the gate, the two multiplied element by element, and down_proj back to ${dim}, ` +
    `added to the stream once more.`
  );
}

export function stackDiagramDescription(d: ModelDescription): string {
  const dim = d.embeddingLength ?? '?';
  const vocab = d.vocabSize ?? '?';
  return (
    `Token ids go through embed_tokens, a table of ${vocab} rows of ${dim} numbers; the ${d.layers ?? '?'} decoder layers update ` +
    `those vectors one after another; a final norm and lm_head turn the last position's vector into ${vocab} scores, and softmax ` +
    `turns the scores into a probability for each token.`
  );
}
