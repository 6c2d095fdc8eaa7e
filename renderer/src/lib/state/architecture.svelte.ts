import { SvelteSet } from 'svelte/reactivity';
import type { GlassboxClient } from '../../../../electron/contract/api';
import type { TokenPiece } from '../../../../electron/contract/engine-protocol';
import type { ModelFacts } from '../../../../electron/contract/model';
import type { ModelDescription } from '../../../../electron/contract/model-description';
import type { Endpoint } from '../../../../electron/contract/remote';
import { buildArchTree, defaultExpanded, flattenTree, treeKeyAction, type ArchNode, type TreeRow } from '../architecture/tree';
import { describeError, midSentence } from '../errors';

/** How long the "try any text" box waits after the last keystroke before it asks the tokenizer. */
export const TOKENIZE_DEBOUNCE_MS = 250;

/**
 * The loaded model's architecture (model.inspect) for the side panel, and the tokenizer views.
 * The component calls `sync(facts)` and `syncPrompt(text)` from effects; everything else it reads.
 */
export class ArchitectureState {
  description = $state.raw<ModelDescription | null>(null);
  loading = $state(false);
  /** Why model.inspect failed, in words for the user. */
  error = $state<string | null>(null);
  /** The remote endpoint's name when the description came from its architecture file, not the loaded model. */
  fromFile = $state<string | null>(null);
  readonly expanded = new SvelteSet<string>();
  focusedId = $state<string | null>(null);

  /** The last user prompt of the open conversation, tokenized (null: no prompt). */
  promptText = $state<string | null>(null);
  promptTokens = $state.raw<TokenPiece[] | null>(null);
  promptError = $state<string | null>(null);

  /** The "try any text" box. */
  tryText = $state('');
  tryTokens = $state.raw<TokenPiece[] | null>(null);
  tryError = $state<string | null>(null);

  private key: string | null = null;
  /** The remote endpoint whose file is described (its conversation is open), or null for the loaded model. */
  private remote: { id: string; name: string } | null = null;
  private inspectSeq = 0;
  private promptSeq = 0;
  private trySeq = 0;
  private tryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: GlassboxClient,
    /** Unused: every failure here is shown in place, next to what failed. */
    _report: (text: string) => void,
  ) {}

  readonly tree: ArchNode | null = $derived(this.description ? buildArchTree(this.description) : null);
  readonly rows: TreeRow[] = $derived(this.tree ? flattenTree(this.tree, this.expanded) : []);

  /**
   * Follows the loaded model: inspects it once per (path, context size); clears when none is loaded.
   * When the open conversation uses a remote endpoint with an architecture file, describes that file instead.
   */
  sync(facts: ModelFacts | null, endpoint: Endpoint | null = null): void {
    const file = endpoint?.architectureFile ?? null;
    const remote = endpoint && file !== null ? { id: endpoint.id, name: endpoint.name } : null;
    const key = endpoint && remote ? `remote\n${endpoint.id}\n${file}\n${endpoint.contextLength}` : facts ? `${facts.path}\n${facts.contextSize}` : null;
    if (key === this.key) return;
    this.key = key;
    this.remote = remote;
    this.fromFile = null;
    this.promptText = null;
    this.promptTokens = null;
    this.tryTokens = null;
    this.description = null;
    this.error = null;
    if (key === null) return;
    void this.inspect();
  }

  async inspect(): Promise<void> {
    const seq = ++this.inspectSeq;
    this.loading = true;
    this.error = null;
    const remote = this.remote;
    try {
      const description = remote ? await this.client.call('endpoints.architecture', { id: remote.id }) : await this.client.call('model.inspect', {});
      if (seq !== this.inspectSeq) return;
      this.description = description;
      this.fromFile = remote && description ? remote.name : null;
      if (description === null) return;
      this.expanded.clear();
      for (const id of defaultExpanded(buildArchTree(description))) this.expanded.add(id);
      this.focusedId = null;
      if (this.tryText !== '') this.setTryText(this.tryText);
    } catch (error) {
      if (seq !== this.inspectSeq) return;
      this.description = null;
      this.error = remote
        ? `Could not read the architecture file of ${remote.name}: ${midSentence(describeError(error))}. Choose the file again under Engines.`
        : `Could not read the model's architecture: ${midSentence(describeError(error))}. Try loading the model again.`;
    } finally {
      if (seq === this.inspectSeq) this.loading = false;
    }
  }

  /** Tokenizes the open conversation's last user prompt (for the causal mask and tokenizer view). */
  syncPrompt(text: string | null): void {
    if (text === this.promptText && (this.promptTokens !== null || this.promptError !== null)) return;
    this.promptText = text;
    this.promptError = null;
    const seq = ++this.promptSeq;
    // The tokenizer views use the loaded model: they would mislead for a remote model described from a file.
    if (text === null || this.key === null || this.remote !== null) {
      this.promptTokens = null;
      return;
    }
    this.client.call('model.tokenize', { text }).then(
      (tokens) => {
        if (seq === this.promptSeq) this.promptTokens = tokens;
      },
      (error: unknown) => {
        if (seq !== this.promptSeq) return;
        this.promptTokens = null;
        this.promptError = `Could not tokenize the prompt: ${midSentence(describeError(error))}.`;
      },
    );
  }

  /** The text box: tokenized TOKENIZE_DEBOUNCE_MS after the last change. */
  setTryText(text: string): void {
    this.tryText = text;
    if (this.tryTimer !== null) clearTimeout(this.tryTimer);
    const seq = ++this.trySeq;
    if (text === '') {
      this.tryTokens = null;
      this.tryError = null;
      return;
    }
    this.tryTimer = setTimeout(() => {
      this.tryTimer = null;
      this.client.call('model.tokenize', { text }).then(
        (tokens) => {
          if (seq !== this.trySeq) return;
          this.tryTokens = tokens;
          this.tryError = null;
        },
        (error: unknown) => {
          if (seq !== this.trySeq) return;
          this.tryError = `Could not tokenize this text: ${midSentence(describeError(error))}.`;
        },
      );
    }, TOKENIZE_DEBOUNCE_MS);
  }

  toggle(id: string): void {
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
  }

  /** Opens every node (the "Expand all" button); returns nothing, the rows follow. */
  expandAll(): void {
    const visit = (node: ArchNode): void => {
      if (node.children.length > 0) this.expanded.add(node.id);
      node.children.forEach(visit);
    };
    const tree = this.tree;
    if (tree) visit(tree);
  }

  collapseAll(): void {
    const tree = this.tree;
    this.expanded.clear();
    if (tree) this.expanded.add(tree.id);
  }

  /** Handles a key in the tree (WAI-ARIA tree pattern); true when the key was one of ours. */
  handleTreeKey(focusedId: string, key: string): boolean {
    const action = treeKeyAction(this.rows, focusedId, key);
    if (action === null) return false;
    if ('focus' in action) this.focusedId = action.focus;
    else if ('expand' in action) this.expanded.add(action.expand);
    else if ('collapse' in action) this.expanded.delete(action.collapse);
    else this.toggle(action.toggle);
    return true;
  }
}
