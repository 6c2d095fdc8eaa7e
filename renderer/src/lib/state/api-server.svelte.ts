import type { GlassboxClient } from '../../../../electron/contract/api';
import type { ApiServerConfigure, ApiServerConfigureResult, ApiServerStatus } from '../../../../electron/contract/api-server';
import { DEFAULT_API_PORT, MIN_API_KEY_LENGTH } from '../../../../electron/contract/api-server-defaults';
import { describeError } from '../errors';

const RECENT = 50;

/** The API tab: the local OpenAI-compatible server's switch, its settings form, and recent requests. */
export class ApiServerState {
  status = $state.raw<ApiServerStatus | null>(null);
  /** Why the last change was refused, in words for the user. */
  error = $state<string | null>(null);
  /** A change is being applied. */
  busy = $state(false);
  /** The form's fields (applied with save()). */
  port = $state(String(DEFAULT_API_PORT));
  allowNetwork = $state(false);
  /** A key the user types to replace the current one; empty keeps it. */
  apiKey = $state('');
  /** The key Glassbox just created: shown this once, never sent again. */
  shownKey = $state<string | null>(null);

  constructor(private readonly client: GlassboxClient) {
    client.on('apiServer.status', (s) => {
      this.status = { ...s, recent: this.status?.recent ?? [] };
    });
    client.on('apiServer.request', (entry) => {
      if (this.status) this.status = { ...this.status, recent: [entry, ...this.status.recent].slice(0, RECENT) };
    });
  }

  get running(): boolean {
    return this.status?.running === true;
  }

  get keySet(): boolean {
    return this.status?.apiKey.set === true;
  }

  /** What is wrong with the form, or null when it can be saved. */
  get formProblem(): string | null {
    const port = Number(this.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return 'The port must be a whole number from 1 to 65535.';
    const key = this.apiKey.trim();
    if (this.allowNetwork && key.length === 0 && !this.keySet) return 'Other computers can only connect with an API key: type one or press Create key.';
    if (key.length > 0 && key.length < MIN_API_KEY_LENGTH) return `An API key needs at least ${MIN_API_KEY_LENGTH} characters.`;
    return null;
  }

  get dirty(): boolean {
    const settings = this.status?.settings;
    if (!settings) return false;
    return Number(this.port) !== settings.port || this.allowNetwork !== settings.allowNetwork || this.apiKey.trim().length > 0;
  }

  async refresh(): Promise<void> {
    try {
      this.adopt(await this.client.call('apiServer.status', {}));
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async setEnabled(enabled: boolean): Promise<void> {
    await this.configure({ enabled, ...(enabled && this.dirty && this.formProblem === null ? this.formValues() : {}) });
  }

  /** Applies the form (restarting the server if it runs). */
  async save(): Promise<void> {
    const problem = this.formProblem;
    if (problem) {
      this.error = problem;
      return;
    }
    await this.configure(this.formValues());
  }

  /** Glassbox makes a random key and keeps it; the answer shows it once, for the user to copy. */
  async createKey(): Promise<void> {
    const port = Number(this.port);
    const form = Number.isInteger(port) && port >= 1 && port <= 65535 ? { port, allowNetwork: this.allowNetwork } : {};
    const result = await this.configure({ ...form, createKey: true });
    if (result) this.shownKey = result.newKey;
  }

  async removeKey(): Promise<void> {
    await this.configure({ apiKey: null });
  }

  private formValues(): ApiServerConfigure {
    const key = this.apiKey.trim();
    return { port: Number(this.port), allowNetwork: this.allowNetwork, ...(key.length > 0 ? { apiKey: key } : {}) };
  }

  private async configure(patch: ApiServerConfigure): Promise<ApiServerConfigureResult | null> {
    this.busy = true;
    this.error = null;
    this.shownKey = null;
    try {
      const result = await this.client.call('apiServer.configure', patch);
      // The new key goes to the caller only, not into the status every view reads.
      const { newKey, ...status } = result;
      this.adopt(status);
      return { ...status, newKey };
    } catch (error) {
      this.error = describeError(error);
      return null;
    } finally {
      this.busy = false;
    }
  }

  private adopt(status: ApiServerStatus): void {
    this.status = status;
    this.port = String(status.settings.port);
    this.allowNetwork = status.settings.allowNetwork;
    this.apiKey = '';
  }
}
