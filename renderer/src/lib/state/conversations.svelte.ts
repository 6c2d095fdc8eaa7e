import type { GlassboxClient } from '../../../../electron/contract/api';
import type {
  BackupInfo,
  ConversationSummary,
  ImportResult,
  Preset,
  StoreRecovery,
} from '../../../../electron/contract/conversation';
import { bytesToBase64, downloadExportedFile, isZip } from '../download';
import { SearchState } from './search.svelte';

/** What to tell the user after an import: how many were added, and which were already here. */
export function describeImport(result: ImportResult, fileName: string): string {
  const { imported, alreadyPresent } = result;
  const title = (c: ConversationSummary | undefined): string => `“${c?.title || fileName}”`;
  const added =
    imported.length === 0 ? '' : imported.length === 1 ? `Imported ${title(imported[0])}.` : `Imported ${imported.length} conversations.`;
  const found =
    alreadyPresent.length === 0
      ? ''
      : alreadyPresent.length === 1
        ? `${title(alreadyPresent[0])} is already in your conversations, so it was not added again.`
        : `${alreadyPresent.length} conversations were already here and were not added again.`;
  return [added, found].filter((part) => part !== '').join(' ') || `${fileName} held no conversations.`;
}

/** A conversation just deleted, which can still be brought back. */
export interface Undoable {
  id: number;
  conversation: ConversationSummary;
  /** Whether it was the open conversation (undo opens it again). */
  wasOpen: boolean;
}

/** How long "Undo" is offered after a delete. */
export const UNDO_MS = 7000;

/** The conversation list, newest activity first, which one is open, and what can be done to them. */
export class ConversationsStore {
  items = $state.raw<ConversationSummary[]>([]);
  selectedId = $state<string | null>(null);
  /** The conversation whose title is being edited in the list. */
  renamingId = $state<string | null>(null);
  /** Deletes that can still be undone, oldest first. */
  undoables = $state.raw<Undoable[]>([]);
  /** Set when the store found its database unreadable at start-up. */
  recovery = $state.raw<StoreRecovery | null>(null);
  backups = $state.raw<BackupInfo[]>([]);
  /** The user closed the recovery notice. */
  recoveryDismissed = $state(false);
  presets = $state.raw<Preset[]>([]);
  readonly search: SearchState;

  private nextUndo = 1;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  private readonly undoTimers = new Map<number, ReturnType<typeof setTimeout>>();
  /** Ids deleted here: a late `conversations.changed` for them must not bring them back. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  private readonly deleted = new Set<string>();

  constructor(private readonly client: GlassboxClient) {
    this.search = new SearchState(client);
    client.on('conversations.changed', ({ conversation }) => {
      if (!this.deleted.has(conversation.id)) this.upsert(conversation);
    });
  }

  get selected(): ConversationSummary | null {
    return this.items.find((c) => c.id === this.selectedId) ?? null;
  }

  async refresh(): Promise<void> {
    this.items = sortByActivity(await this.client.call('conversations.list', {}));
  }

  /** Reads whether the database had to be recovered and which backups exist. */
  async refreshStoreStatus(): Promise<void> {
    const status = await this.client.call('store.status', {});
    this.recovery = status.recovery;
    this.backups = [...status.backups].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The newest backup, the one "Restore backup" uses. */
  get newestBackup(): BackupInfo | null {
    return this.backups[0] ?? null;
  }

  async restoreBackup(backup: BackupInfo): Promise<boolean> {
    const { restored } = await this.client.call('store.restoreBackup', { fileName: backup.fileName });
    if (restored) {
      this.recovery = null;
      this.deleted.clear();
    }
    return restored;
  }

  async create(): Promise<ConversationSummary> {
    const conversation = await this.client.call('conversations.create', {});
    this.upsert(conversation);
    this.selectedId = conversation.id;
    return conversation;
  }

  async rename(id: string, title: string): Promise<void> {
    const trimmed = title.trim();
    const current = this.items.find((c) => c.id === id);
    if (!trimmed || trimmed === current?.title) return;
    // Shown at once; the server's answer (or a refresh on failure) settles it.
    if (current) this.upsert({ ...current, title: trimmed });
    try {
      this.upsert(await this.client.call('conversations.rename', { id, title: trimmed }));
    } catch (error) {
      if (current) this.upsert(current);
      throw error;
    }
  }

  async setPinned(id: string, pinned: boolean): Promise<void> {
    this.upsert(await this.client.call('conversations.pin', { id, pinned }));
  }

  /** Deletes (softly) and offers an undo for a few seconds. */
  async remove(id: string): Promise<void> {
    const conversation = this.items.find((c) => c.id === id);
    if (!conversation) return;
    const wasOpen = this.selectedId === id;
    await this.client.call('conversations.delete', { id });
    this.deleted.add(id);
    this.items = this.items.filter((c) => c.id !== id);
    const undoable: Undoable = { id: this.nextUndo++, conversation, wasOpen };
    this.undoables = [...this.undoables.slice(-2), undoable];
    this.undoTimers.set(
      undoable.id,
      setTimeout(() => this.forget(undoable.id), UNDO_MS),
    );
  }

  /** Brings a deleted conversation back. */
  async undo(undoable: Undoable): Promise<ConversationSummary> {
    this.forget(undoable.id);
    const restored = await this.client.call('conversations.restore', { id: undoable.conversation.id });
    this.deleted.delete(restored.id);
    this.upsert(restored);
    return restored;
  }

  /** Stops offering an undo. */
  forget(undoId: number): void {
    const timer = this.undoTimers.get(undoId);
    if (timer !== undefined) clearTimeout(timer);
    this.undoTimers.delete(undoId);
    this.undoables = this.undoables.filter((u) => u.id !== undoId);
  }

  async exportOne(id: string, format: 'markdown' | 'json'): Promise<void> {
    downloadExportedFile(await this.client.call('conversations.export', { id, format }));
  }

  /** Downloads the archive, or (desktop app) resolves to the path it was saved at; null when downloaded. */
  async exportAll(): Promise<string | null> {
    const file = await this.client.call('conversations.exportAll', {});
    downloadExportedFile(file);
    return file.encoding === 'saved' ? file.content : null;
  }

  /**
   * Imports a JSON export or an "Export all" zip (sent as base64). Conversations already here are
   * not added again; the result says which were added and which were found.
   */
  async importFile(file: File): Promise<ImportResult> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const args = isZip(bytes) ? { content: bytesToBase64(bytes), encoding: 'base64' as const } : { content: new TextDecoder().decode(bytes) };
    const result = await this.client.call('conversations.import', args);
    for (const conversation of result.imported) this.upsert(conversation);
    return result;
  }

  async refreshPresets(): Promise<void> {
    this.presets = sortPresets(await this.client.call('presets.list', {}));
  }

  async savePreset(name: string, text: string, id?: string): Promise<Preset> {
    const preset = await this.client.call('presets.save', id === undefined ? { name, text } : { id, name, text });
    this.presets = sortPresets([...this.presets.filter((p) => p.id !== preset.id), preset]);
    return preset;
  }

  async deletePreset(id: string): Promise<void> {
    await this.client.call('presets.delete', { id });
    this.presets = this.presets.filter((p) => p.id !== id);
  }

  upsert(conversation: ConversationSummary): void {
    const others = this.items.filter((c) => c.id !== conversation.id);
    this.items = sortByActivity([...others, conversation]);
  }
}

function sortByActivity(items: ConversationSummary[]): ConversationSummary[] {
  return [...items].sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
}

function sortPresets(presets: Preset[]): Preset[] {
  return [...presets].sort((a, b) => a.name.localeCompare(b.name));
}
