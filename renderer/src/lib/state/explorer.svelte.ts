import type { GlassboxClient } from '../../../../electron/contract/api';
import type { ScoredPrompt } from '../../../../electron/contract/engine-protocol';
import type { Sampling } from '../../../../electron/contract/model';
import type { TokenDistribution } from '../../../../electron/contract/token-distribution';
import { isGlassboxError, type ErrorKind } from '../../../../electron/contract/glassbox-error';
import { SvelteMap } from 'svelte/reactivity';
import { describeError } from '../errors';
import type { ChatStore } from './chat.svelte';

/** A token of an answer, pinned in the side panel's Token tab. */
export interface PinnedToken {
  messageId: string;
  index: number;
}

/** What the explorer asks of the window around it: bring the Token tab forward. */
export interface ExplorerHost {
  showTokenPanel(): void;
}

export type PromptScore =
  | { status: 'loading' }
  | { status: 'ready'; result: ScoredPrompt }
  | { status: 'error'; message: string };

/** The pinned token's exact distribution, asked of the engine once per token (chat.tokenDistribution). */
export type ExactDistribution =
  | { status: 'loading' }
  | { status: 'ready'; result: TokenDistribution }
  | { status: 'error'; kind: ErrorKind | null; message: string };

/** Exact distributions kept; older ones are asked for again if pinned again. */
const DISTRIBUTIONS_KEPT = 200;

/** How long the sampling controls wait for the user to stop typing before saving. */
export const SAMPLING_SAVE_DELAY_MS = 400;

const registry = $state<{ current: ExplorerState | null }>({ current: null });

/**
 * The token probability explorer: which token of which answer is pinned in the side panel, the
 * prompt views asked for, branching from a token, and the open conversation's sampling edits.
 *
 * The window has one; `ExplorerState.current` lets the token text of a message (which is given
 * only its tokens) reach it.
 */
export class ExplorerState {
  static get current(): ExplorerState | null {
    return registry.current;
  }

  pinned = $state<PinnedToken | null>(null);
  /** The alternative being branched to ("Continue with …" pressed), while the call runs. */
  branching = $state<{ messageId: string; index: number; tokenId: number } | null>(null);
  /** Prompt views by user message id. */
  readonly prompts = new SvelteMap<string, PromptScore>();
  /** Exact distributions by `messageId:index` (an answer's tokens never change once it is finished). */
  readonly distributions = new SvelteMap<string, ExactDistribution>();
  /** Sampling as edited here, by conversation id (the server's answer replaces it once saved). */
  readonly sampling = new SvelteMap<string, Sampling>();
  /** Whether the last sampling save failed, by conversation id. */
  readonly samplingError = new SvelteMap<string, string>();

  host: ExplorerHost | null = null;
  // Timers and patches waiting to be saved: bookkeeping, not shown, so deliberately not reactive.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly pendingSampling = new Map<string, { patch: Partial<Sampling>; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly client: GlassboxClient,
    private readonly report: (text: string) => void,
  ) {
    registry.current = this;
  }

  isPinned(messageId: string, index: number): boolean {
    return this.pinned?.messageId === messageId && this.pinned.index === index;
  }

  /** Pins a token and brings the Token tab forward. */
  pin(messageId: string, index: number): void {
    this.pinned = { messageId, index };
    this.revealTokenPanel();
  }

  unpin(): void {
    this.pinned = null;
  }

  private revealTokenPanel(): void {
    if (this.host) {
      this.host.showTokenPanel();
      return;
    }
    // Without a host (AppState does not hand us one yet), use the panel's own controls.
    if (typeof document === 'undefined') return;
    const body = document.getElementById('model-panel-body');
    if (body?.hidden) document.querySelector<HTMLButtonElement>('[aria-controls="model-panel-body"]')?.click();
    const tab = document.getElementById('panel-tab-token');
    if (tab?.getAttribute('aria-selected') !== 'true') tab?.click();
  }

  /**
   * A new sibling answer that keeps the tokens before `index` and continues with `tokenId`; the
   * chat shows it as it streams, and the panel pins the branched token in it.
   */
  async branch(chat: ChatStore, messageId: string, index: number, tokenId: number): Promise<boolean> {
    const conversationId = chat.conversationId;
    if (conversationId === null || this.branching) return false;
    this.branching = { messageId, index, tokenId };
    try {
      const { assistantMessage } = await this.client.call('chat.branchFromToken', {
        conversationId,
        messageId,
        tokenIndex: index,
        tokenId,
      });
      if (chat.conversationId === conversationId) {
        await chat.selectBranch(assistantMessage.id);
        this.pinned = { messageId: assistantMessage.id, index };
      }
      return true;
    } catch (error) {
      this.report(describeError(error));
      return false;
    } finally {
      this.branching = null;
    }
  }

  /** Asks how probable the model found each token of a user message (shown under it). */
  async scorePrompt(conversationId: string, messageId: string): Promise<void> {
    this.prompts.set(messageId, { status: 'loading' });
    try {
      const result = await this.client.call('chat.promptProbabilities', { conversationId, messageId });
      this.prompts.set(messageId, { status: 'ready', result });
    } catch (error) {
      this.prompts.set(messageId, { status: 'error', message: describeError(error) });
    }
  }

  distribution(messageId: string, index: number): ExactDistribution | undefined {
    return this.distributions.get(`${messageId}:${index}`);
  }

  /**
   * Asks for a finished answer's exact distribution at a token, once: a failure is kept too (the
   * panel says why and shows the streamed shares), except 'busy', which is asked again when the
   * engine is free (the caller's effect runs again then).
   */
  async loadDistribution(conversationId: string, messageId: string, index: number): Promise<void> {
    const key = `${messageId}:${index}`;
    const known = this.distributions.get(key);
    if (known !== undefined && !(known.status === 'error' && known.kind === 'busy')) return;
    this.distributions.set(key, { status: 'loading' });
    while (this.distributions.size > DISTRIBUTIONS_KEPT) {
      const oldest = this.distributions.keys().next().value;
      if (oldest === undefined) break;
      this.distributions.delete(oldest);
    }
    try {
      const result = await this.client.call('chat.tokenDistribution', { conversationId, messageId, index });
      this.distributions.set(key, { status: 'ready', result });
    } catch (error) {
      this.distributions.set(key, { status: 'error', kind: isGlassboxError(error) ? error.kind : null, message: describeError(error) });
    }
  }

  closePrompt(messageId: string): void {
    this.prompts.delete(messageId);
  }

  /** The conversation's sampling as this window last saw or set it. */
  samplingFor(conversationId: string, fromServer: Sampling): Sampling {
    return this.sampling.get(conversationId) ?? fromServer;
  }

  /** Changes sampling settings at once on screen and saves them after a pause in the typing. */
  editSampling(conversationId: string, current: Sampling, patch: Partial<Sampling>): void {
    this.sampling.set(conversationId, { ...current, ...patch });
    const pending = this.pendingSampling.get(conversationId);
    if (pending) clearTimeout(pending.timer);
    const merged = { ...pending?.patch, ...patch };
    const timer = setTimeout(() => void this.flushSampling(conversationId), SAMPLING_SAVE_DELAY_MS);
    this.pendingSampling.set(conversationId, { patch: merged, timer });
  }

  /** Saves waiting sampling edits now (the debounce's end, or leaving the conversation). */
  async flushSampling(conversationId: string): Promise<void> {
    const pending = this.pendingSampling.get(conversationId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingSampling.delete(conversationId);
    try {
      const detail = await this.client.call('conversations.setSampling', { id: conversationId, sampling: pending.patch });
      this.samplingError.delete(conversationId);
      // Newer edits made while saving stay on screen; they are saved by their own timer.
      if (!this.pendingSampling.has(conversationId)) this.sampling.set(conversationId, detail.sampling);
    } catch (error) {
      const message = describeError(error);
      this.samplingError.set(conversationId, message);
      this.report(`The sampling settings were not saved. ${message}`);
    }
  }

  /** Forgets local edits so the server's values show (after a reload of the conversation). */
  forgetSampling(conversationId: string): void {
    if (!this.pendingSampling.has(conversationId)) this.sampling.delete(conversationId);
  }
}
