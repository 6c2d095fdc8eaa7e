import type { ModelDescription, ModuleNode } from '../../../../electron/contract/model-description';
import { formatCount } from '../format';

/**
 * The module tree as the panel shows it: PyTorch's `print(model)` shape (the base model under
 * `model`, `lm_head` beside it), with runs of identical decoder layers collapsed into one node
 * (`0-15: 16 × LlamaDecoderLayer`) whose children are one representative layer. Pure data; the
 * component renders `flattenTree` rows and moves focus with `treeKeyAction`.
 */
export interface ArchNode {
  /** Unique within the tree (a path of keys); used for expansion and focus. */
  id: string;
  /** The attribute name PyTorch prints in parentheses: `q_proj`, `layers`, `0-4`. */
  key: string;
  /** `Linear`, `LlamaRMSNorm`, `5 × LlamaDecoderLayer`. */
  className: string;
  /** Shape in words: `64 → 32`, `512 × 64`, `(64,)`; null when the module has none of its own. */
  shape: string | null;
  /** GGML type of the weight (Q4_K, F16, …). */
  type: string | null;
  /** Learned parameters in this node and below (a collapsed run: all its layers). */
  parameters: number;
  /** A short remark: `tied to embed_tokens`, `+ bias`, `each layer 58.9K`. */
  note: string | null;
  /** A longer description for hover (norms: their epsilon; tensors: their GGUF names). */
  title: string;
  /** How many identical layers this node stands for (1 for everything else). */
  repeat: number;
  children: ArchNode[];
}

/** What a layer looks like, ignoring which layer it is: equal signatures collapse into one run. */
function signature(node: ModuleNode): string {
  const own = [node.key, node.className, node.kind, node.in, node.out, node.bias, node.type, node.shape?.join('x'), node.parts?.map((p) => `${p.name}${p.size}`).join('+')];
  return `${own.join('|')}(${node.children.map(signature).join(',')})`;
}

function shapeOf(node: ModuleNode): string | null {
  switch (node.kind) {
    case 'linear':
      return node.in !== undefined && node.out !== undefined ? `${node.in} → ${node.out}` : null;
    case 'embedding':
      return node.in !== undefined && node.out !== undefined ? `${node.in} × ${node.out}` : null;
    case 'norm':
      return node.shape ? `(${node.shape.join(', ')},)` : null;
    case 'tensor':
      return node.shape ? `[${node.shape.join(', ')}]` : null;
    default:
      return null;
  }
}

function noteOf(node: ModuleNode): string | null {
  const notes: string[] = [];
  if (node.tiedTo !== undefined) notes.push(`tied to ${node.tiedTo}`);
  if (node.parts) notes.push(node.parts.map((p) => `${p.name} ${p.size}`).join(' + '));
  if (node.bias === true) notes.push('+ bias');
  return notes.length > 0 ? notes.join(', ') : null;
}

function titleOf(node: ModuleNode): string {
  const parts = [`${node.parameters.toLocaleString('en-US')} parameters`];
  if (node.eps !== undefined) parts.push(`eps ${node.eps < 1e-3 ? node.eps.toExponential() : node.eps}`);
  if (node.tensors.length > 0) parts.push(`GGUF: ${node.tensors.join(', ')}`);
  return parts.join('; ');
}

function convert(node: ModuleNode, parentId: string): ArchNode {
  const id = parentId ? `${parentId}.${node.key}` : node.key;
  return {
    id,
    key: node.key,
    className: node.className,
    shape: shapeOf(node),
    type: node.tiedTo !== undefined ? null : (node.type ?? null),
    parameters: node.parameters,
    note: noteOf(node),
    title: titleOf(node),
    repeat: 1,
    children: node.kind === 'list' ? collapseRuns(node, id) : node.children.map((c) => convert(c, id)),
  };
}

/** `(0-4): 5 × LlamaDecoderLayer` with layer 0's modules as children; a lone layer keeps its own key. */
function collapseRuns(list: ModuleNode, listId: string): ArchNode[] {
  const runs: ArchNode[] = [];
  const layers = list.children;
  let start = 0;
  while (start < layers.length) {
    const first = layers[start];
    if (!first) break;
    const sig = signature({ ...first, key: '' });
    let end = start + 1;
    while (end < layers.length) {
      const next = layers[end];
      if (!next || signature({ ...next, key: '' }) !== sig) break;
      end++;
    }
    const count = end - start;
    const last = layers[end - 1] ?? first;
    const key = count === 1 ? first.key : `${first.key}-${last.key}`;
    const id = `${listId}.${key}`;
    let parameters = 0;
    for (let i = start; i < end; i++) parameters += layers[i]?.parameters ?? 0;
    runs.push({
      id,
      key,
      className: count === 1 ? first.className : `${count} × ${first.className}`,
      shape: null,
      type: null,
      parameters,
      note: count === 1 ? null : `one layer shown; each has ${formatCount(first.parameters)} parameters`,
      title: `layers ${key}: ${parameters.toLocaleString('en-US')} parameters in all`,
      repeat: count,
      children: first.children.map((c) => convert(c, id)),
    });
    start = end;
  }
  return runs;
}

/** The whole tree: `LlamaForCausalLM` → `model: LlamaModel` → …, and `lm_head`. */
export function buildArchTree(d: ModelDescription): ArchNode {
  const root = d.modules;
  const rootId = 'root';
  const head = root.children.filter((c) => c.key === 'lm_head').map((c) => convert(c, rootId));
  const bodyModules = root.children.filter((c) => c.key !== 'lm_head');
  let children: ArchNode[];
  if (d.baseModelClass !== null) {
    const modelId = `${rootId}.model`;
    const body = bodyModules.map((c) => convert(c, modelId));
    children = [
      {
        id: modelId,
        key: 'model',
        className: d.baseModelClass,
        shape: null,
        type: null,
        parameters: body.reduce((sum, c) => sum + c.parameters, 0),
        note: null,
        title: `the base model (checkpoint prefix "model.")`,
        repeat: 1,
        children: body,
      },
      ...head,
    ];
  } else {
    children = [...bodyModules.map((c) => convert(c, rootId)), ...head];
  }
  return { id: rootId, key: '', className: root.className, shape: null, type: null, parameters: root.parameters, note: null, title: `${root.parameters.toLocaleString('en-US')} parameters`, repeat: 1, children };
}

/** Expanded at first: the root, the base model and the layer list (so the collapsed run shows). */
export function defaultExpanded(root: ArchNode): string[] {
  const ids = [root.id];
  const visit = (node: ArchNode): void => {
    if (node.key === 'model' || node.className === 'ModuleList') ids.push(node.id);
    if (node.key === 'model') node.children.forEach(visit);
  };
  root.children.forEach(visit);
  return ids;
}

export interface TreeRow {
  node: ArchNode;
  /** 1-based, as aria-level wants. */
  level: number;
  parentId: string | null;
  /** null for a leaf. */
  expanded: boolean | null;
  /** 1-based position among its siblings and their count (aria-posinset / aria-setsize). */
  position: number;
  siblings: number;
}

/** The rows a reader sees: depth-first, skipping the children of collapsed nodes. */
export function flattenTree(root: ArchNode, expanded: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (node: ArchNode, level: number, parentId: string | null, position: number, siblings: number): void => {
    const open = node.children.length === 0 ? null : expanded.has(node.id);
    rows.push({ node, level, parentId, expanded: open, position, siblings });
    if (open === true) node.children.forEach((c, i) => walk(c, level + 1, node.id, i + 1, node.children.length));
  };
  walk(root, 1, null, 1, 1);
  return rows;
}

/** Finds a node by id (for tests and for expanding a path). */
export function findNode(root: ArchNode, predicate: (node: ArchNode) => boolean): ArchNode | null {
  if (predicate(root)) return root;
  for (const child of root.children) {
    const found = findNode(child, predicate);
    if (found) return found;
  }
  return null;
}

export type TreeAction = { focus: string } | { expand: string } | { collapse: string } | { toggle: string } | null;

/**
 * The WAI-ARIA tree pattern's keys: ↑/↓ move, → opens a closed node or steps into an open one,
 * ← closes an open node or steps out to its parent, Home/End jump, Enter/Space toggle.
 */
export function treeKeyAction(rows: readonly TreeRow[], focusedId: string, key: string): TreeAction {
  const index = rows.findIndex((r) => r.node.id === focusedId);
  const row = rows[index];
  if (!row) return rows[0] ? { focus: rows[0].node.id } : null;
  switch (key) {
    case 'ArrowDown': {
      const next = rows[index + 1];
      return next ? { focus: next.node.id } : null;
    }
    case 'ArrowUp': {
      const previous = rows[index - 1];
      return previous ? { focus: previous.node.id } : null;
    }
    case 'ArrowRight':
      if (row.expanded === false) return { expand: row.node.id };
      if (row.expanded === true) {
        const child = rows[index + 1];
        return child ? { focus: child.node.id } : null;
      }
      return null;
    case 'ArrowLeft':
      if (row.expanded === true) return { collapse: row.node.id };
      return row.parentId !== null ? { focus: row.parentId } : null;
    case 'Home':
      return rows[0] ? { focus: rows[0].node.id } : null;
    case 'End': {
      const last = rows.at(-1);
      return last ? { focus: last.node.id } : null;
    }
    case 'Enter':
    case ' ':
      return row.expanded === null ? null : { toggle: row.node.id };
    default:
      return null;
  }
}
