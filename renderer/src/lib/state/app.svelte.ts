import type { Connection } from '../client';
import type { CallResult, GlassboxClient } from '../../../../electron/contract/api';
import type { AppCommand } from '../../../../electron/contract/names';
import { describeError, describeErrorKind } from '../errors';
import { ChatStore } from './chat.svelte';
import { ConnectionState } from './connection.svelte';
import { ConversationsStore } from './conversations.svelte';
import { ModelStore } from './model.svelte';
import { Toasts } from './toasts.svelte';
import { ExplorerState } from './explorer.svelte';
import { EndpointsState } from './endpoints.svelte';
import { ArchitectureState } from './architecture.svelte';
import { ApiServerState } from './api-server.svelte';
import { DocumentsState } from './documents.svelte';
import { loadMarkdown } from '../markdown-loader.svelte';
import { libraryFor } from './library.svelte';
import { ContextWindowState } from './context-window.svelte';
import { draftProblem } from '../context-use';
import { Preferences } from './preferences.svelte';
import { BackupsState, backupTime } from './backups.svelte';
import type { BackupInfo } from '../../../../electron/contract/conversation';

export type PanelTab = 'model' | 'token' | 'sampling' | 'api' | 'trace';

const LAST_CONVERSATION_KEY = 'glassbox.conversation';

/** Everything the window shows, wired to one connection. Components receive this and stay thin. */
export class AppState {
  readonly toasts = new Toasts();
  readonly connection: ConnectionState;
  readonly model: ModelStore;
  readonly conversations: ConversationsStore;
  readonly chat: ChatStore;
  readonly mode: Connection['mode'];

  /** Theme and "Show probabilities", remembered across reloads. */
  readonly preferences = new Preferences(localStorage, document.documentElement);
  readonly backups: BackupsState;
  /** Which view the side panel shows. */
  panelTab = $state<PanelTab>('model');
  readonly explorer: ExplorerState;
  readonly endpoints: EndpointsState;
  readonly architecture: ArchitectureState;
  readonly apiServer: ApiServerState;
  /** Documents attached to the open conversation, and files being added. */
  readonly documents: DocumentsState;
  /** How full the open conversation's context is, and the ways on when it is full. */
  readonly contextWindow: ContextWindowState;
  conversationsOpen = $state(true);
  modelPanelOpen = $state(true);
  settingsOpen = $state(false);
  /** The Models view (load a file, library, downloads, document search, engines); focusModelPath puts the cursor in the path field. */
  modelsOpen = $state(false);
  focusModelPath = $state(false);
  info = $state.raw<CallResult<'app.info'> | null>(null);
  /** The composer's text. */
  draft = $state('');
  /** "New chat" under way (create, then open): a send meanwhile waits for it. Bookkeeping, not shown. */
  private openingNewChat: Promise<void> | null = null;

  /** The connection's client, for views loaded on demand that keep their own state (panel/trace). */
  get client(): GlassboxClient {
    return this.transport.client;
  }

  constructor(private readonly transport: Connection) {
    this.mode = transport.mode;
    const report = (text: string): void => this.toasts.show(text);
    this.connection = new ConnectionState(transport);
    this.model = new ModelStore(transport.client);
    this.conversations = new ConversationsStore(transport.client);
    this.chat = new ChatStore(transport.client, report);
    this.explorer = new ExplorerState(transport.client, report);
    this.endpoints = new EndpointsState(transport.client);
    this.explorer.host = {
      showTokenPanel: () => {
        this.modelPanelOpen = true;
        this.panelTab = 'token';
      },
    };
    this.architecture = new ArchitectureState(transport.client, report);
    this.apiServer = new ApiServerState(transport.client);
    this.documents = new DocumentsState(transport.client, (text, tone) => this.toasts.show(text, tone), () => this.openConversation());
    this.backups = new BackupsState(transport.client);
    this.contextWindow = new ContextWindowState(transport.client, this.chat, this.model, this.conversations, {
      select: (id) => this.select(id),
      report,
    });
    transport.client.on('engine.crashed', ({ message }) => this.toasts.show(describeErrorKind('engine-crashed', message)));
    transport.onReconnect(() => void this.start());
    transport.client.on('app.command', ({ command }) => void this.command(command));
  }

  /** A command from the native menu, or from a keyboard shortcut in the page. */
  async command(command: AppCommand): Promise<void> {
    switch (command) {
      case 'new-chat':
        return this.newChat();
      case 'search':
        return this.conversations.search.show();
      case 'stop':
        return void this.chat.stop();
      case 'toggle-conversations':
        this.conversationsOpen = !this.conversationsOpen;
        return;
      case 'toggle-panel':
        this.modelPanelOpen = !this.modelPanelOpen;
        return;
      case 'show-settings':
        this.settingsOpen = true;
        return;
    }
  }

  openModels(focusPath: boolean): void {
    this.focusModelPath = focusPath;
    this.modelsOpen = true;
  }

  async loadInfo(): Promise<void> {
    try {
      this.info = await this.transport.client.call('app.info', {});
    } catch (error) {
      this.toasts.show(describeError(error));
    }
  }

  /** Reads everything from the server (at start and after a reconnect). */
  async start(): Promise<void> {
    await Promise.all([this.model.refresh(), this.refreshConversations()]);
    const wanted = this.chat.conversationId ?? localStorage.getItem(LAST_CONVERSATION_KEY);
    const exists = this.conversations.items.some((c) => c.id === wanted);
    const id = exists ? wanted : (this.conversations.items[0]?.id ?? null);
    // Fetched while the conversation is, so its answers appear formatted rather than plain first.
    if (id !== null) void loadMarkdown();
    await this.select(id);
  }

  private async refreshConversations(): Promise<void> {
    try {
      await this.conversations.refresh();
    } catch (error) {
      this.toasts.show(describeError(error));
    }
  }

  /** Replaces the conversations with a backup's and reads everything again; null when done, else why not (for the caller to show where the user is). */
  async restoreBackup(backup: BackupInfo): Promise<string | null> {
    try {
      if (!(await this.conversations.restoreBackup(backup))) return 'The backup was not restored.';
      await this.start();
      await this.conversations.refreshStoreStatus();
      this.toasts.show(`Restored the backup from ${backupTime(backup.createdAt)}.`, 'info');
      return null;
    } catch (error) {
      return describeError(error);
    }
  }

  async select(id: string | null): Promise<void> {
    this.conversations.selectedId = id;
    if (id) localStorage.setItem(LAST_CONVERSATION_KEY, id);
    await Promise.all([this.chat.open(id), this.documents.show(id), this.contextWindow.show(id)]);
  }

  async newChat(): Promise<void> {
    const opening = (async () => {
      try {
        const conversation = await this.conversations.create();
        await this.select(conversation.id);
      } catch (error) {
        this.toasts.show(describeError(error));
      }
    })();
    this.openingNewChat = opening;
    try {
      await opening;
    } finally {
      if (this.openingNewChat === opening) this.openingNewChat = null;
    }
  }

  get showProbabilities(): boolean {
    return this.preferences.showProbabilities;
  }

  setShowProbabilities(show: boolean): void {
    this.preferences.setShowProbabilities(show);
  }

  get canSend(): boolean {
    return this.draft.trim().length > 0 && this.model.loaded && !this.chat.isGenerating;
  }

  /** Sends the draft, creating a conversation first when none is open. */
  async send(): Promise<void> {
    if (!this.canSend || draftProblem(this.draft, this.model.facts?.contextSize ?? null)?.blocking) return;
    const text = this.draft;
    this.draft = '';
    // Typed and sent right after "New chat": the message belongs to the chat being opened, not to
    // the one still on screen while it is created (it went there, and the new chat showed empty).
    if (this.openingNewChat !== null) await this.openingNewChat;
    let conversationId = this.chat.conversationId;
    if (conversationId === null) {
      try {
        const conversation = await this.conversations.create();
        await this.select(conversation.id);
        conversationId = conversation.id;
      } catch (error) {
        this.draft = text;
        this.toasts.show(describeError(error));
        return;
      }
    }
    // Sampling typed a moment ago is still waiting for its save (the panel debounces it): the answer uses it.
    await this.explorer.flushSampling(conversationId);
    const sent = await this.chat.send(conversationId, text);
    if (!sent && this.draft === '') this.draft = text;
  }

  /** A file dropped on the window: load it if it is a model and we can know its path. */
  async dropFile(file: File): Promise<void> {
    if (!file.name.toLowerCase().endsWith('.gguf')) {
      // Anything else is a document to ask about (the server says if it cannot read it).
      return this.addDocuments([file]);
    }
    const path = this.transport.pathForFile(file);
    if (!path) {
      this.openModels(true);
      this.toasts.show(
        `The browser does not reveal where “${file.name}” is on disk. Type its full path in Model file (.gguf) and press Load model.`,
        'info',
      );
      return;
    }
    this.modelPanelOpen = true;
    await libraryFor(this.model).load(path);
  }

  /** Documents dropped or picked: added to the open conversation (one is created if none is open). */
  async addDocuments(files: File[]): Promise<void> {
    await this.documents.add(files, (file) => this.transport.pathForFile(file));
  }

  /** The open conversation's id, after creating one when none is open. */
  private async openConversation(): Promise<string | null> {
    // Documents dropped right after "New chat" belong to the chat being opened (as a send does).
    if (this.openingNewChat !== null) await this.openingNewChat;
    if (this.chat.conversationId !== null) return this.chat.conversationId;
    await this.newChat();
    return this.chat.conversationId;
  }
}
