import type { ModelDescription, ModuleNode } from '../../../../electron/contract/model-description';

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

/** "64 → 32": a projection's input and output sizes (its node's, else the model's numbers). */
export function dims(node: ModuleNode | null, fallbackIn: number | null, fallbackOut: number | null): string {
  const a = node?.in ?? fallbackIn;
  const b = node?.out ?? fallbackOut;
  return a !== null && a !== undefined && b !== null && b !== undefined ? `${a} → ${b}` : '';
}
