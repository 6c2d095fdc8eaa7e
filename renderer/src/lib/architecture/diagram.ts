import type { ModelDescription, ModuleNode } from '../../../../electron/contract/model-description';

/**
 * Geometry for the two SVG diagrams (one decoder layer's data flow, and the whole stack), computed
 * from the model's own numbers. Pure: the components only draw what these functions return, in a
 * fixed-width viewBox that scales to the panel.
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

/** The modules of one representative decoder layer, looked up by their HF keys. */
export interface LayerParts {
  q: ModuleNode | null;
  k: ModuleNode | null;
  v: ModuleNode | null;
  qkv: ModuleNode | null;
  o: ModuleNode | null;
  gate: ModuleNode | null;
  up: ModuleNode | null;
  gateUp: ModuleNode | null;
  down: ModuleNode | null;
  activation: string | null;
  /** Gemma-style norms after attention and after the MLP, as well as before. */
  sandwich: boolean;
}

export function layerParts(d: ModelDescription): LayerParts {
  const list = d.modules.children.find((c) => c.kind === 'list');
  const layer = list?.children[0];
  const find = (container: string, key: string): ModuleNode | null =>
    layer?.children.find((c) => c.key === container)?.children.find((c) => c.key === key) ?? null;
  const act = layer?.children.find((c) => c.key === 'mlp')?.children.find((c) => c.kind === 'activation');
  return {
    q: find('self_attn', 'q_proj'),
    k: find('self_attn', 'k_proj'),
    v: find('self_attn', 'v_proj'),
    qkv: find('self_attn', 'qkv_proj'),
    o: find('self_attn', 'o_proj'),
    gate: find('mlp', 'gate_proj'),
    up: find('mlp', 'up_proj'),
    gateUp: find('mlp', 'gate_up_proj'),
    down: find('mlp', 'down_proj'),
    activation: act?.className ?? d.activation,
    sandwich: layer?.children.some((c) => c.key === 'post_feedforward_layernorm') ?? false,
  };
}

function dims(node: ModuleNode | null, fallbackIn: number | null, fallbackOut: number | null): string {
  const a = node?.in ?? fallbackIn;
  const b = node?.out ?? fallbackOut;
  return a !== null && a !== undefined && b !== null && b !== undefined ? `${a} → ${b}` : '';
}

export interface HeadLayout {
  boxes: Box[];
  height: number;
  /** Query heads drawn (all of them unless there are more than MAX_HEADS). */
  drawn: number;
}

const MAX_HEADS = 128;

/**
 * Query heads grouped under the K/V head they share: one cluster per KV head, its K/V box on top
 * (solid) and its query heads under it (same colour, lighter). Clusters wrap onto more rows when
 * the heads would get narrower than a few pixels.
 */
export function headLayout(heads: number, kvHeads: number, x0: number, width: number, y0: number): HeadLayout {
  const group = Math.max(1, Math.round(heads / Math.max(1, kvHeads)));
  const clusters = Math.min(Math.max(1, kvHeads), Math.ceil(MAX_HEADS / group));
  const gapQ = 2;
  const gapCluster = 6;
  const minQ = 6;
  const minCluster = group * minQ + (group - 1) * gapQ;
  const perRow = Math.max(1, Math.min(clusters, Math.floor((width + gapCluster) / (minCluster + gapCluster))));
  const rows = Math.ceil(clusters / perRow);
  const clusterWidth = (width - (perRow - 1) * gapCluster) / perRow;
  const qWidth = (clusterWidth - (group - 1) * gapQ) / group;
  const kvHeight = 12;
  const qHeight = 14;
  const rowHeight = kvHeight + 3 + qHeight + 8;
  const boxes: Box[] = [];
  let drawn = 0;
  for (let c = 0; c < clusters; c++) {
    const row = Math.floor(c / perRow);
    const col = c % perRow;
    const x = x0 + col * (clusterWidth + gapCluster);
    const y = y0 + row * rowHeight;
    const colour = groupColour(c);
    const first = c * group;
    const members = `query heads ${first}–${first + group - 1}`;
    boxes.push({
      id: `kv-${c}`,
      x,
      y,
      w: clusterWidth,
      h: kvHeight,
      tone: 'head',
      colour,
      label: clusterWidth >= 34 ? `KV ${c}` : '',
      title: group === 1 ? `KV head ${c}: used by query head ${first} alone` : `KV head ${c}: its keys and values are shared by ${members}`,
    });
    for (let q = 0; q < group; q++) {
      const index = first + q;
      drawn++;
      boxes.push({
        id: `q-${index}`,
        x: x + q * (qWidth + gapQ),
        y: y + kvHeight + 3,
        w: qWidth,
        h: qHeight,
        tone: 'head',
        colour,
        faint: true,
        label: qWidth >= 16 ? `q${index}` : '',
        title: `Query head ${index}: uses KV head ${c}`,
      });
    }
  }
  return { boxes, height: rows * rowHeight - 8, drawn };
}

/** One decoder layer, top to bottom: norm → attention (heads by KV group) → add → norm → gated MLP → add. */
export function layerDiagram(d: ModelDescription): Diagram {
  const W = DIAGRAM_WIDTH;
  const parts = layerParts(d);
  const dim = d.embeddingLength;
  const ff = d.feedForwardLength;
  const { heads, kvHeads, headDim } = d.attention;
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const circles: Circle[] = [];
  const labels: Label[] = [];
  const left = 40;
  const right = W - 8;
  const mid = (left + right) / 2;
  const skipX = 16;
  const dimText = dim !== null ? `${dim}` : '?';
  const down = (x: number, y1: number, y2: number): void => void lines.push({ d: `M${x} ${y1} V${y2}`, arrow: true });

  let y = 4;
  labels.push({ x: mid, y: y + 10, text: `in: ${dimText} numbers per position`, anchor: 'middle', small: true });
  y += 16;
  const residual1 = y;
  down(mid, y, y + 10);
  y += 10;
  boxes.push({ id: 'norm1', x: mid - 80, y, w: 160, h: 22, tone: 'norm', label: 'input_layernorm', title: 'RMSNorm: rescales the vector before attention' });
  y += 22;
  down(mid, y, y + 10);
  y += 10;

  // Attention.
  const attnTop = y;
  boxes.push({ id: 'attn', x: left, y, w: right - left, h: 0, tone: 'container', label: 'self_attn', sub: heads !== null && kvHeads !== null ? `${heads} query heads, ${kvHeads} KV heads` : '' });
  y += 22;
  const projW = (right - left - 16 - 8) / 3;
  if (parts.qkv) {
    boxes.push({ id: 'qkv', x: left + 8, y, w: right - left - 16, h: 30, tone: 'attn', label: 'qkv_proj', sub: dims(parts.qkv, dim, null) });
  } else {
    const kvOut = kvHeads !== null && headDim !== null ? kvHeads * headDim : null;
    const qOut = heads !== null && headDim !== null ? heads * headDim : null;
    [
      { id: 'q', label: 'q_proj', node: parts.q, out: qOut },
      { id: 'k', label: 'k_proj', node: parts.k, out: kvOut },
      { id: 'v', label: 'v_proj', node: parts.v, out: kvOut },
    ].forEach((p, i) => boxes.push({ id: p.id, x: left + 8 + i * (projW + 4), y, w: projW, h: 30, tone: 'attn', label: p.label, sub: dims(p.node, dim, p.out) }));
  }
  y += 30;
  if (heads !== null && kvHeads !== null && heads > 0 && kvHeads > 0) {
    down(mid, y, y + 10);
    y += 12;
    labels.push({ x: left + 8, y: y + 8, text: `heads of ${headDim ?? '?'} numbers; colour = shared K/V`, anchor: 'start', small: true });
    y += 14;
    const layout = headLayout(heads, kvHeads, left + 8, right - left - 16, y);
    boxes.push(...layout.boxes);
    y += layout.height;
    if (layout.drawn < heads) {
      labels.push({ x: right - 8, y: y + 10, text: `first ${layout.drawn} of ${heads} heads drawn`, anchor: 'end', small: true });
      y += 12;
    }
    y += 6;
  }
  down(mid, y, y + 8);
  y += 8;
  boxes.push({
    id: 'scores',
    x: left + 8,
    y,
    w: right - left - 16,
    h: 22,
    tone: 'op',
    label: `softmax(q·kᵀ/√${headDim ?? 'd'}) · v, causal`,
    title: 'Each query head scores every earlier position with its shared key, and mixes their values by those scores',
  });
  y += 22;
  down(mid, y, y + 8);
  y += 8;
  boxes.push({ id: 'o', x: left + 8, y, w: right - left - 16, h: 30, tone: 'attn', label: 'o_proj', sub: `${dims(parts.o, dim, dim)}  (heads joined)` });
  y += 38;
  const attnBox = boxes.find((b) => b.id === 'attn');
  if (attnBox) attnBox.h = y - attnTop;
  if (parts.sandwich) {
    down(mid, y, y + 8);
    y += 8;
    boxes.push({ id: 'postnorm1', x: mid - 80, y, w: 160, h: 20, tone: 'norm', label: 'post_attention_norm' });
    y += 20;
  }
  down(mid, y, y + 8);
  y += 8;
  const add1 = y + 10;
  circles.push({ id: 'add1', cx: mid, cy: add1, r: 9, symbol: '+', title: 'Residual add: the attention output is added to the vector that came in' });
  lines.push({ d: `M${mid} ${residual1 + 4} H${skipX} V${add1} H${mid - 9}`, arrow: true });
  y = add1 + 10;
  const residual2 = y + 4;
  down(mid, y, y + 12);
  y += 12;
  boxes.push({ id: 'norm2', x: mid - 80, y, w: 160, h: 22, tone: 'norm', label: parts.sandwich ? 'pre_feedforward_layernorm' : 'post_attention_layernorm' });
  y += 22;
  down(mid, y, y + 10);
  y += 10;

  // MLP.
  const mlpTop = y;
  boxes.push({ id: 'mlp', x: left, y, w: right - left, h: 0, tone: 'container', label: 'mlp', sub: ff !== null ? `${dimText} → ${ff} → ${dimText}` : '' });
  y += 22;
  const halfW = (right - left - 16 - 8) / 2;
  const gateX = left + 8;
  const upX = gateX + halfW + 8;
  if (parts.gateUp) {
    boxes.push({ id: 'gate_up', x: gateX, y, w: right - left - 16, h: 30, tone: 'mlp', label: 'gate_up_proj', sub: dims(parts.gateUp, dim, null) });
  } else {
    boxes.push({ id: 'gate', x: gateX, y, w: halfW, h: 30, tone: 'mlp', label: 'gate_proj', sub: dims(parts.gate, dim, ff) });
    boxes.push({ id: 'up', x: upX, y, w: halfW, h: 30, tone: 'mlp', label: 'up_proj', sub: dims(parts.up, dim, ff) });
  }
  y += 30;
  const gateMid = gateX + halfW / 2;
  const upMid = upX + halfW / 2;
  down(gateMid, y, y + 8);
  y += 8;
  boxes.push({ id: 'act', x: gateX + 10, y, w: halfW - 20, h: 20, tone: 'op', label: parts.activation ?? 'activation', title: 'The non-linearity, applied to the gate' });
  y += 20;
  const mulY = y + 16;
  lines.push({ d: `M${gateMid} ${y} V${mulY} H${mid - 9}`, arrow: true });
  lines.push({ d: `M${upMid} ${mlpTop + 52} V${mulY} H${mid + 9}`, arrow: true });
  circles.push({ id: 'mul', cx: mid, cy: mulY, r: 9, symbol: '×', title: `Element-wise product: the activated gate scales the up projection, ${ff ?? '?'} numbers` });
  y = mulY + 9;
  down(mid, y, y + 10);
  y += 10;
  boxes.push({ id: 'down', x: left + 8, y, w: right - left - 16, h: 30, tone: 'mlp', label: 'down_proj', sub: dims(parts.down, ff, dim) });
  y += 38;
  const mlpBox = boxes.find((b) => b.id === 'mlp');
  if (mlpBox) mlpBox.h = y - mlpTop;
  if (parts.sandwich) {
    down(mid, y, y + 8);
    y += 8;
    boxes.push({ id: 'postnorm2', x: mid - 80, y, w: 160, h: 20, tone: 'norm', label: 'post_feedforward_norm' });
    y += 20;
  }
  down(mid, y, y + 8);
  y += 8;
  const add2 = y + 10;
  circles.push({ id: 'add2', cx: mid, cy: add2, r: 9, symbol: '+', title: 'Residual add: the MLP output is added to its input' });
  lines.push({ d: `M${mid} ${residual2} H${skipX + 6} V${add2} H${mid - 9}`, arrow: true });
  y = add2 + 10;
  down(mid, y, y + 12);
  y += 12;
  labels.push({ x: mid, y: y + 10, text: `out: ${dimText} numbers per position`, anchor: 'middle', small: true });
  y += 16;
  return { width: W, height: Math.ceil(y), boxes, lines, circles, labels };
}

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
  const step = (id: string, tone: Tone, label: string, sub: string, edge: string | null, title?: string): void => {
    boxes.push({ id, x, y, w, h, tone, label, sub, ...(title !== undefined ? { title } : {}) });
    y += h;
    if (edge !== null) {
      lines.push({ d: `M${mid} ${y} V${y + gap}`, arrow: true });
      labels.push({ x: mid + 6, y: y + gap / 2 + 4, text: edge, anchor: 'start', small: true });
      y += gap;
    }
  };
  step('ids', 'io', 'token ids', 'one per position', 'id');
  step('embed', 'norm', 'embed_tokens', `${vocab} × ${dim} lookup`, `${dim} per position`);
  const layers = d.layers ?? 0;
  // The stacked cards behind the layer box say "many of these".
  for (let i = Math.min(2, Math.max(0, layers - 1)); i > 0; i--) {
    boxes.push({ id: `shadow-${i}`, x: x + i * 4, y: y - i * 4, w, h, tone: 'container', label: '' });
  }
  step('layers', 'attn', `${layers} × ${d.layerClass ?? 'decoder layer'}`, 'attention, then MLP', `${dim} per position`);
  step('norm', 'norm', 'norm', 'final RMSNorm', `${dim}`);
  step('lm_head', 'mlp', 'lm_head', `${dim} → ${vocab}${d.tiedEmbeddings ? ', tied to embed_tokens' : ''}`, `${vocab} scores`);
  step('softmax', 'op', 'softmax', `${vocab} probabilities, sum 1`, null);
  return { width: W, height: y + 6, boxes, lines, circles: [], labels };
}

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
    `${sharing}, head size ${headDim ?? '?'}. Each query head takes a softmax over the earlier positions' keys and mixes their values; ` +
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
