import { tick } from 'svelte';
import type { ConversationSummary, SearchHit } from '../../../../electron/contract/conversation';
import type { AppState } from './app.svelte';
import type { Undoable } from './conversations.svelte';
import { describeError } from '../errors';
import { flattenGroups, groupByRecency } from '../recency';
import { fixedWindow } from '../virtual';

/** Every row (heading or conversation) has this height, so the list can be windowed cheaply. */
export const ROW_HEIGHT = 34;
/** Below this many rows everything is rendered. */
const VIRTUALIZE_FROM = 120;

export type MenuAction = 'rename' | 'pin' | 'export-markdown' | 'export-json' | 'delete';

/** Keys that move between rows; everything else is left to the focused control. */
const MOVES = new Set(['ArrowDown', 'ArrowUp', 'Home', 'End']);

/**
 * The conversation list's behaviour: recency groups, windowing, one tab stop with arrow keys
 * inside (roving tabindex), and the row actions (rename, pin, export, delete with undo).
 */
export class ConversationListState {
  /** "Today" moves on at midnight: the clock the groups use is ticked by the component. */
  now = $state(Date.now());
  scrollTop = $state(0);
  viewportHeight = $state(600);
  nav = $state<HTMLElement | undefined>();
  menu = $state<{ conversation: ConversationSummary; anchor: HTMLElement } | null>(null);
  /** The row last focused with the keyboard or mouse; it keeps the list's one tab stop. */
  focusedId = $state<string | null>(null);

  constructor(private readonly app: AppState) {}

  private get conversations(): AppState['conversations'] {
    return this.app.conversations;
  }

  readonly rows = $derived.by(() => flattenGroups(groupByRecency(this.app.conversations.items, this.now)));
  readonly itemRows = $derived(this.rows.filter((row) => row.kind === 'item'));
  readonly range = $derived(
    this.rows.length >= VIRTUALIZE_FROM
      ? fixedWindow(this.rows.length, ROW_HEIGHT, this.scrollTop, this.viewportHeight, 10)
      : { start: 0, end: this.rows.length, before: 0, after: 0, total: this.rows.length * ROW_HEIGHT },
  );
  readonly visible = $derived(this.rows.slice(this.range.start, this.range.end));

  /** The one row reachable with Tab: the last focused, else the open one, else the first shown. */
  readonly tabStopId = $derived.by(() => {
    const shown = this.visible.filter((row) => row.kind === 'item').map((row) => row.key);
    for (const id of [this.focusedId, this.conversations.selectedId]) if (id !== null && shown.includes(id)) return id;
    return shown[0] ?? null;
  });

  report(error: unknown): void {
    this.app.toasts.show(describeError(error));
  }

  /** Brings a conversation's row into the window and focuses its title (or the rename field, or its ⋯ button). */
  async focusRow(id: string, selector = '.entry'): Promise<void> {
    const index = this.rows.findIndex((row) => row.kind === 'item' && row.key === id);
    const nav = this.nav;
    if (index >= 0 && nav) {
      const top = index * ROW_HEIGHT;
      if (top < nav.scrollTop) nav.scrollTop = top;
      else if (top + ROW_HEIGHT > nav.scrollTop + nav.clientHeight) nav.scrollTop = top + ROW_HEIGHT - nav.clientHeight;
      this.scrollTop = nav.scrollTop;
    }
    this.focusedId = id;
    await tick();
    nav?.querySelector<HTMLElement>(`[data-conversation-id="${CSS.escape(id)}"] ${selector}`)?.focus();
  }

  /** Arrow keys inside the list: up/down/Home/End between rows, right to a row's ⋯ button, left back. */
  onKeydown(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    const onEntry = target.classList.contains('entry');
    const onMore = target.classList.contains('more');
    if (!onEntry && !onMore) return;
    const id = target.closest<HTMLElement>('[data-conversation-id]')?.dataset['conversationId'];
    if (id === undefined) return;
    if (event.key === 'ArrowRight' && onEntry) {
      event.preventDefault();
      void this.focusRow(id, '.more');
      return;
    }
    if (event.key === 'ArrowLeft' && onMore) {
      event.preventDefault();
      void this.focusRow(id);
      return;
    }
    if (!MOVES.has(event.key)) return;
    const items = this.itemRows;
    const at = items.findIndex((row) => row.key === id);
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? items.length - 1
          : Math.min(items.length - 1, Math.max(0, at + (event.key === 'ArrowDown' ? 1 : -1)));
    const row = items[next];
    if (!row) return;
    event.preventDefault();
    void this.focusRow(row.key, onMore ? '.more' : '.entry');
  }

  startRename(id: string): void {
    this.conversations.renamingId = id;
    void this.focusRow(id, '.rename');
  }

  async rename(conversation: ConversationSummary, title: string | null): Promise<void> {
    this.conversations.renamingId = null;
    void this.focusRow(conversation.id);
    if (title === null) return;
    try {
      await this.conversations.rename(conversation.id, title);
    } catch (error) {
      this.report(error);
    }
  }

  async remove(conversation: ConversationSummary): Promise<void> {
    const ids = this.itemRows.map((row) => row.key);
    const at = ids.indexOf(conversation.id);
    const neighbour = ids[at + 1] ?? ids[at - 1] ?? null;
    const wasOpen = this.conversations.selectedId === conversation.id;
    try {
      await this.conversations.remove(conversation.id);
    } catch (error) {
      this.report(error);
      return;
    }
    if (wasOpen) await this.app.select(neighbour);
    if (neighbour) void this.focusRow(neighbour);
  }

  async undo(undoable: Undoable): Promise<void> {
    try {
      const restored = await this.conversations.undo(undoable);
      if (undoable.wasOpen) await this.app.select(restored.id);
      void this.focusRow(restored.id);
    } catch (error) {
      this.report(error);
    }
  }

  toggleMenu(conversation: ConversationSummary, anchor: HTMLElement): void {
    this.menu = this.menu?.conversation.id === conversation.id ? null : { conversation, anchor };
  }

  onMenuAction(conversation: ConversationSummary, action: MenuAction): void {
    this.menu = null;
    const run = async (): Promise<void> => {
      switch (action) {
        case 'rename':
          this.startRename(conversation.id);
          return;
        case 'pin':
          await this.conversations.setPinned(conversation.id, !conversation.pinned);
          void this.focusRow(conversation.id);
          return;
        case 'export-markdown':
          await this.conversations.exportOne(conversation.id, 'markdown');
          return;
        case 'export-json':
          await this.conversations.exportOne(conversation.id, 'json');
          return;
        case 'delete':
          await this.remove(conversation);
          return;
      }
    };
    run().catch((error: unknown) => this.report(error));
  }

  async openHit(hit: SearchHit): Promise<void> {
    if (this.conversations.selectedId !== hit.conversationId) await this.app.select(hit.conversationId);
    await this.app.chat.openAt(hit.conversationId, hit.messageId);
  }
}
