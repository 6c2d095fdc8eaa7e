import type { ModelDescription } from '../../../../electron/contract/model-description';
import { DIAGRAM_WIDTH, type Box, type Circle, type Diagram, type Label, type Line } from './diagram-shapes';
import { headLayout } from './head-layout';
import { dims, layerParts, type LayerParts } from './layer-parts';

/** A diagram being drawn top to bottom: what is on it so far, and where the next thing goes. */
class Canvas {
  readonly boxes: Box[] = [];
  readonly lines: Line[] = [];
  readonly circles: Circle[] = [];
  readonly labels: Label[] = [];
  y = 4;
  readonly left = 40;
  readonly right = DIAGRAM_WIDTH - 8;
  readonly mid = (this.left + this.right) / 2;
  /** The residual connections run down the left margin. */
  readonly skipX = 16;

  /** An arrow straight down from the current position, `length` long; the position moves under it. */
  down(length: number, x = this.mid): void {
    this.lines.push({ d: `M${x} ${this.y} V${this.y + length}`, arrow: true });
    this.y += length;
  }

  /** A box across the inner width (inside a container), `h` high; the position moves under it. */
  wide(box: Omit<Box, 'x' | 'y' | 'w'>): void {
    this.boxes.push({ ...box, x: this.left + 8, y: this.y, w: this.right - this.left - 16 });
    this.y += box.h;
  }

  /** A centred norm box. */
  norm(id: string, label: string, h: number, title?: string): void {
    this.boxes.push({ id, x: this.mid - 80, y: this.y, w: 160, h, tone: 'norm', label, ...(title !== undefined ? { title } : {}) });
    this.y += h;
  }

  /** A container's frame from `top` to the current position. */
  close(id: string, top: number): void {
    const box = this.boxes.find((b) => b.id === id);
    if (box) box.h = this.y - top;
  }

  /** The residual add: the skip line from `from` (y) joins the main line in a circled +. */
  residual(id: string, from: number, skipX: number, title: string): void {
    this.down(8);
    const cy = this.y + 10;
    this.circles.push({ id, cx: this.mid, cy, r: 9, symbol: '+', title });
    this.lines.push({ d: `M${this.mid} ${from} H${skipX} V${cy} H${this.mid - 9}`, arrow: true });
    this.y = cy + 10;
  }

  diagram(): Diagram {
    return { width: DIAGRAM_WIDTH, height: Math.ceil(this.y), boxes: this.boxes, lines: this.lines, circles: this.circles, labels: this.labels };
  }
}

/** q/k/v (or the fused qkv), RoPE on queries and keys, the heads by KV group, the scores, o_proj. */
function attention(c: Canvas, d: ModelDescription, parts: LayerParts): void {
  const dim = d.embeddingLength;
  const { heads, kvHeads, headDim } = d.attention;
  const top = c.y;
  c.boxes.push({ id: 'attn', x: c.left, y: c.y, w: c.right - c.left, h: 0, tone: 'container', label: 'self_attn', sub: heads !== null && kvHeads !== null ? `${heads} query heads, ${kvHeads} KV heads` : '' });
  c.y += 22;
  if (parts.qkv) {
    c.wide({ id: 'qkv', h: 30, tone: 'attn', label: 'qkv_proj', sub: dims(parts.qkv, dim, null) });
  } else {
    const kvOut = kvHeads !== null && headDim !== null ? kvHeads * headDim : null;
    const qOut = heads !== null && headDim !== null ? heads * headDim : null;
    const projW = (c.right - c.left - 16 - 8) / 3;
    [
      { id: 'q', label: 'q_proj', node: parts.q, out: qOut },
      { id: 'k', label: 'k_proj', node: parts.k, out: kvOut },
      { id: 'v', label: 'v_proj', node: parts.v, out: kvOut },
    ].forEach((p, i) => c.boxes.push({ id: p.id, x: c.left + 8 + i * (projW + 4), y: c.y, w: projW, h: 30, tone: 'attn', label: p.label, sub: dims(p.node, dim, p.out) }));
    c.y += 30;
  }
  if (d.rope) {
    // Positions enter attention here and only here: queries and keys are rotated by their position.
    c.down(8);
    const rotated = d.rope.dimensions !== null && headDim !== null && d.rope.dimensions < headDim ? `, first ${d.rope.dimensions} of ${headDim} numbers` : '';
    c.wide({
      id: 'rope',
      h: 20,
      tone: 'op',
      label: `RoPE on q and k (base ${d.rope.base.toLocaleString('en-US')}${rotated})`,
      title: "Rotary position embedding: each query and key is rotated by an angle that grows with its position, so the scores depend on how far apart two tokens are. Values are not rotated.",
    });
  }
  if (heads !== null && kvHeads !== null && heads > 0 && kvHeads > 0) {
    c.down(10);
    c.y += 2;
    c.labels.push({ x: c.left + 8, y: c.y + 8, text: `heads of ${headDim ?? '?'} numbers; colour = shared K/V`, anchor: 'start', small: true });
    c.y += 14;
    const layout = headLayout(heads, kvHeads, c.left + 8, c.right - c.left - 16, c.y);
    c.boxes.push(...layout.boxes);
    c.y += layout.height;
    if (layout.drawn < heads) {
      c.labels.push({ x: c.right - 8, y: c.y + 10, text: `first ${layout.drawn} of ${heads} heads drawn`, anchor: 'end', small: true });
      c.y += 12;
    }
    c.y += 6;
  }
  c.down(8);
  c.wide({
    id: 'scores',
    h: 22,
    tone: 'op',
    label: `softmax(q·kᵀ/√${headDim ?? 'd'}) · v, causal`,
    title: 'Each query head scores every earlier position with its shared key, and mixes their values by those scores',
  });
  c.down(8);
  c.wide({ id: 'o', h: 30, tone: 'attn', label: 'o_proj', sub: `${dims(parts.o, dim, dim)}  (heads joined)` });
  c.y += 8;
  c.close('attn', top);
}

/** The gated MLP: gate and up (or fused), the activation on the gate, their product, down_proj. */
function mlp(c: Canvas, d: ModelDescription, parts: LayerParts, dimText: string): void {
  const dim = d.embeddingLength;
  const ff = d.feedForwardLength;
  const top = c.y;
  c.boxes.push({ id: 'mlp', x: c.left, y: c.y, w: c.right - c.left, h: 0, tone: 'container', label: 'mlp', sub: ff !== null ? `${dimText} → ${ff} → ${dimText}` : '' });
  c.y += 22;
  const halfW = (c.right - c.left - 16 - 8) / 2;
  const gateX = c.left + 8;
  const upX = gateX + halfW + 8;
  if (parts.gateUp) {
    c.boxes.push({ id: 'gate_up', x: gateX, y: c.y, w: c.right - c.left - 16, h: 30, tone: 'mlp', label: 'gate_up_proj', sub: dims(parts.gateUp, dim, null) });
  } else {
    c.boxes.push({ id: 'gate', x: gateX, y: c.y, w: halfW, h: 30, tone: 'mlp', label: 'gate_proj', sub: dims(parts.gate, dim, ff) });
    c.boxes.push({ id: 'up', x: upX, y: c.y, w: halfW, h: 30, tone: 'mlp', label: 'up_proj', sub: dims(parts.up, dim, ff) });
  }
  c.y += 30;
  const gateMid = gateX + halfW / 2;
  const upMid = upX + halfW / 2;
  c.down(8, gateMid);
  c.boxes.push({ id: 'act', x: gateX + 10, y: c.y, w: halfW - 20, h: 20, tone: 'op', label: parts.activation ?? 'activation', title: 'The non-linearity, applied to the gate' });
  c.y += 20;
  const mulY = c.y + 16;
  c.lines.push({ d: `M${gateMid} ${c.y} V${mulY} H${c.mid - 9}`, arrow: true });
  c.lines.push({ d: `M${upMid} ${top + 52} V${mulY} H${c.mid + 9}`, arrow: true });
  c.circles.push({ id: 'mul', cx: c.mid, cy: mulY, r: 9, symbol: '×', title: `Element-wise product: the activated gate scales the up projection, ${ff ?? '?'} numbers` });
  c.y = mulY + 9;
  c.down(10);
  c.wide({ id: 'down', h: 30, tone: 'mlp', label: 'down_proj', sub: dims(parts.down, ff, dim) });
  c.y += 8;
  c.close('mlp', top);
}

/** One decoder layer, top to bottom: norm → attention (RoPE, heads by KV group) → add → norm → gated MLP → add. */
export function layerDiagram(d: ModelDescription): Diagram {
  const c = new Canvas();
  const parts = layerParts(d);
  const dimText = d.embeddingLength !== null ? `${d.embeddingLength}` : '?';

  c.labels.push({ x: c.mid, y: c.y + 10, text: `in: ${dimText} numbers per position`, anchor: 'middle', small: true });
  c.y += 16;
  const residual1 = c.y + 4;
  c.down(10);
  c.norm('norm1', 'input_layernorm', 22, 'RMSNorm: rescales the vector before attention');
  c.down(10);
  attention(c, d, parts);
  if (parts.sandwich) {
    c.down(8);
    c.norm('postnorm1', 'post_attention_norm', 20);
  }
  c.residual('add1', residual1, c.skipX, 'Residual add: the attention output is added to the vector that came in');
  const residual2 = c.y + 4;
  c.down(12);
  c.norm('norm2', parts.sandwich ? 'pre_feedforward_layernorm' : 'post_attention_layernorm', 22);
  c.down(10);
  mlp(c, d, parts, dimText);
  if (parts.sandwich) {
    c.down(8);
    c.norm('postnorm2', 'post_feedforward_norm', 20);
  }
  c.residual('add2', residual2, c.skipX + 6, 'Residual add: the MLP output is added to its input');
  c.down(12);
  c.labels.push({ x: c.mid, y: c.y + 10, text: `out: ${dimText} numbers per position`, anchor: 'middle', small: true });
  c.y += 16;
  return c.diagram();
}
