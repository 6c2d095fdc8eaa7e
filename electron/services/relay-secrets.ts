import { GlassboxError } from '../contract/errors';
import type { SecretStore } from '../remote/secrets';
import type { HostedSecrets } from './host-protocol';

/**
 * The services host's SecretStore when the keys are kept by the main process (Electron's
 * safeStorage exists only there): reads come from the keys it handed over at start, writes are
 * applied here at once and sent to it to be encrypted and saved.
 */
export class RelaySecrets implements SecretStore {
  readonly kind: HostedSecrets['kind'];
  private readonly entries: Map<string, string>;

  constructor(
    private readonly hosted: HostedSecrets,
    private readonly persist: (change: { type: 'secret-set'; id: string; secret: string } | { type: 'secret-delete'; id: string }) => void,
  ) {
    this.kind = hosted.kind;
    this.entries = new Map(Object.entries(hosted.entries));
  }

  get(id: string): string | null {
    return this.entries.get(id) ?? null;
  }

  set(id: string, secret: string): void {
    if (!this.hosted.canStore) throw new GlassboxError('invalid-argument', this.hosted.refusal);
    this.entries.set(id, secret);
    this.persist({ type: 'secret-set', id, secret });
  }

  delete(id: string): void {
    if (!this.entries.delete(id)) return;
    this.persist({ type: 'secret-delete', id });
  }
}
