import type { GlassboxClient } from '../../../../electron/contract/api';
import type { ApiServerConfigure, ApiServerStatus } from '../../../../electron/contract/api-server';
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
  apiKey = $state('');

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

  /** What is wrong with the form, or null when it can be saved. */
  get formProblem(): string | null {
    const port = Number(this.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return 'The port must be a whole number from 1 to 65535.';
    const key = this.apiKey.trim();
    if (this.allowNetwork && key.length === 0) return 'Other computers can only connect with an API key: set one or press Generate.';
    if (key.length > 0 && key.length < MIN_API_KEY_LENGTH) return `An API key needs at least ${MIN_API_KEY_LENGTH} characters.`;
    return null;
  }

  get dirty(): boolean {
    const settings = this.status?.settings;
    if (!settings) return false;
    return Number(this.port) !== settings.port || this.allowNetwork !== settings.allowNetwork || (this.apiKey.trim() || null) !== settings.apiKey;
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

  /** A random key (24 bytes, URL-safe), for the user to copy into their client. */
  generateKey(): void {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    this.apiKey = `gb-${btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')}`;
  }

  private formValues(): ApiServerConfigure {
    return { port: Number(this.port), allowNetwork: this.allowNetwork, apiKey: this.apiKey.trim() || null };
  }

  private async configure(patch: ApiServerConfigure): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.adopt(await this.client.call('apiServer.configure', patch));
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.busy = false;
    }
  }

  private adopt(status: ApiServerStatus): void {
    this.status = status;
    this.port = String(status.settings.port);
    this.allowNetwork = status.settings.allowNetwork;
    this.apiKey = status.settings.apiKey ?? '';
  }
}
