import type { GlassboxClient } from '../../../../electron/contract/api';
import type { Endpoint, RemoteModelInfo } from '../../../../electron/contract/remote';
import { LOCAL_ENGINE } from '../../../../electron/contract/local-engine-id';
import { describeError } from '../errors';

/**
 * Remote engines in the renderer: the endpoint list and its add/test/edit form (Model panel →
 * Engines), and which engine the open conversation uses (the chat header's picker). API keys are
 * typed here and sent once; the services never send them back.
 */
export class EndpointsState {
  endpoints = $state.raw<Endpoint[]>([]);
  error = $state<string | null>(null);
  busy = $state(false);
  /** The form: editing an endpoint (its id) or adding one (null). */
  editingId = $state<string | null>(null);
  name = $state('');
  baseUrl = $state('');
  apiKey = $state('');
  removeKey = $state(false);
  model = $state('');
  /** "Architecture from file": the model's .gguf or config.json on this machine ('' for none). */
  architectureFile = $state('');
  /** What "Connect and list models" found; null before a test. */
  models = $state.raw<RemoteModelInfo[] | null>(null);
  /** The open conversation's engine ('local' or an endpoint id) and whether an answer in it had no probabilities. */
  conversationId = $state<string | null>(null);
  engine = $state(LOCAL_ENGINE);
  noProbabilities = $state(false);

  constructor(private readonly client: GlassboxClient) {
    client.on('chat.end', (event) => {
      if (event.conversationId === this.conversationId && event.stats) this.noProbabilities = event.stats.probabilities === 'none';
    });
  }

  get current(): Endpoint | null {
    return this.endpoints.find((e) => e.id === this.engine) ?? null;
  }

  async refresh(): Promise<void> {
    try {
      this.endpoints = await this.client.call('endpoints.list', {});
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /** Reads the conversation's engine (and whether its last answer came without probabilities). */
  async follow(conversationId: string | null): Promise<void> {
    this.conversationId = conversationId;
    this.engine = LOCAL_ENGINE;
    this.noProbabilities = false;
    if (conversationId === null) return;
    try {
      const detail = await this.client.call('conversations.get', { id: conversationId });
      if (this.conversationId !== conversationId) return;
      this.engine = detail.engine ?? LOCAL_ENGINE;
      const last = detail.messages.filter((m) => m.role === 'assistant').at(-1);
      this.noProbabilities = last?.stats?.probabilities === 'none';
    } catch {
      // The chat view reports a conversation it cannot open.
    }
  }

  async choose(engine: string): Promise<void> {
    const id = this.conversationId;
    if (id === null) return;
    try {
      const detail = await this.client.call('conversations.setEngine', { id, engine });
      this.engine = detail.engine ?? LOCAL_ENGINE;
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  edit(endpoint: Endpoint | null): void {
    this.editingId = endpoint?.id ?? null;
    this.name = endpoint?.name ?? '';
    this.baseUrl = endpoint?.baseUrl ?? '';
    this.model = endpoint?.model ?? '';
    this.architectureFile = endpoint?.architectureFile ?? '';
    this.apiKey = '';
    this.removeKey = false;
    this.models = null;
    this.error = null;
  }

  /** "Connect and list models": GET /models with the typed key (or the saved one). */
  async test(): Promise<void> {
    await this.run(async () => {
      const key = this.apiKey.trim();
      const { models } = await this.client.call('endpoints.test', {
        baseUrl: this.baseUrl,
        ...(key ? { apiKey: key } : {}),
        ...(this.editingId !== null && !this.removeKey ? { id: this.editingId } : {}),
      });
      this.models = models;
      if (!models.some((m) => m.id === this.model)) this.model = models[0]?.id ?? '';
    });
  }

  async save(): Promise<void> {
    await this.run(async () => {
      const key = this.apiKey.trim();
      const chosen = this.models?.find((m) => m.id === this.model);
      const saved = await this.client.call('endpoints.save', {
        ...(this.editingId !== null ? { id: this.editingId } : {}),
        name: this.name.trim() || this.baseUrl,
        baseUrl: this.baseUrl,
        model: this.model,
        ...(chosen ? { contextLength: chosen.contextLength } : {}),
        ...(key ? { apiKey: key } : this.removeKey ? { apiKey: null } : {}),
      });
      const file = this.architectureFile.trim() || null;
      if (file !== saved.architectureFile) {
        // The endpoint is saved; if the file is refused, the form stays open on it with the reason.
        this.editingId = saved.id;
        this.apiKey = '';
        this.removeKey = false;
        await this.refresh();
        await this.client.call('endpoints.setArchitectureFile', { id: saved.id, path: file });
      }
      this.edit(null);
      await this.refresh();
    });
  }

  async remove(id: string): Promise<void> {
    await this.run(async () => {
      await this.client.call('endpoints.remove', { id });
      if (this.editingId === id) this.edit(null);
      await this.refresh();
    });
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await action();
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.busy = false;
    }
  }
}
