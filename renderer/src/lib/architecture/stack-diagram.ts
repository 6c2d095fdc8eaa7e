import type { ModelDescription } from '../../../../electron/contract/model-description';
import { DIAGRAM_WIDTH, type Box, type Diagram, type Label, type Line, type Tone } from './diagram-shapes';

/** The whole model: token ids → embed_tokens → N layers → norm → lm_head → softmax over the vocabulary. */
export function stackDiagram(d: ModelDescription): Diagram {
  const W = DIAGRAM_WIDTH;
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  const x = 50;
  const w = 240;
  const mid = x + w / 2;
  const dim = d.embeddingLength ?? '?';
  const vocab = d.vocabSize ?? '?';
  const h = 28;
  const gap = 18;
  let y = 4;
  const layers = d.layers ?? 0;
  // The stacked cards behind the layer box say "many of these"; they stand `shadow` px above it.
  const shadows = Math.min(2, Math.max(0, layers - 1));
  const shadow = shadows * 4;
  /** A box, then (unless last) the arrow to the next with its label; `below` keeps room at the arrow's end. */
  const step = (id: string, tone: Tone, label: string, sub: string, edge: string | null, below = 0): void => {
    boxes.push({ id, x, y, w, h, tone, label, sub });
    y += h;
    if (edge !== null) {
      lines.push({ d: `M${mid} ${y} V${y + gap + below}`, arrow: true });
      // The label is centred on the free part of the arrow, clear of the cards behind the next box.
      labels.push({ x: mid + 6, y: y + gap / 2 + 4, text: edge, anchor: 'start', small: true });
      y += gap + below;
    }
  };
  step('ids', 'io', 'token ids', 'one per position', 'id');
  step('embed', 'norm', 'embed_tokens', `${vocab} × ${dim} lookup`, `${dim} per position`, shadow);
  for (let i = shadows; i > 0; i--) {
    boxes.push({ id: `shadow-${i}`, x: x + i * 4, y: y - i * 4, w, h, tone: 'container', label: '' });
  }
  step('layers', 'attn', `${layers} × ${d.layerClass ?? 'decoder layer'}`, 'attention, then MLP', `${dim} per position`);
  step('norm', 'norm', 'norm', 'final RMSNorm', `${dim}`);
  step('lm_head', 'mlp', 'lm_head', `${dim} → ${vocab}${d.tiedEmbeddings ? ', tied to embed_tokens' : ''}`, `${vocab} scores`);
  step('softmax', 'op', 'softmax', `${vocab} probabilities, sum 1`, null);
  return { width: W, height: y + 6, boxes, lines, circles: [], labels };
}
