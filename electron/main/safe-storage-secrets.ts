import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import { GlassboxError } from '../contract/errors';
import type { HostedSecrets } from '../services/host-protocol';
import type { SecretStore } from '../remote/secrets';

const NO_KEYRING =
  'This system offers no encrypted storage for secrets (no keychain or keyring), so Glassbox will not save the API key. Unlock or install a keyring, or use the endpoint without a key.';

/**
 * API keys encrypted with Electron's safeStorage (the OS keychain's key), kept as base64 ciphertext
 * in one JSON file beside the database. The plain key exists only in memory. When the OS offers no
 * encryption (safeStorage.isEncryptionAvailable() is false, e.g. Linux without a keyring, or
 * 'basic_text' which is only obfuscation), saving a key is refused with a clear message.
 */
export class SafeStorageSecrets implements SecretStore {
  readonly kind = 'encrypted' as const;

  constructor(
    private readonly safeStorage: SafeStorage,
    private readonly file: string,
  ) {}

  private usable(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    if (process.platform === 'linux' && this.safeStorage.getSelectedStorageBackend() === 'basic_text') return false;
    return true;
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null) return {};
      return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return {};
    }
  }

  private write(all: Record<string, string>): void {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(all), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  /** Every key kept, decrypted, and whether new ones can be: what the services host starts with. */
  forHost(): HostedSecrets {
    const entries: Record<string, string> = {};
    for (const id of Object.keys(this.read())) {
      const secret = this.get(id);
      if (secret !== null) entries[id] = secret;
    }
    return { kind: this.kind, canStore: this.usable(), refusal: NO_KEYRING, entries };
  }

  get(id: string): string | null {
    const sealed = this.read()[id];
    if (sealed === undefined || !this.usable()) return null;
    try {
      return this.safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    } catch {
      return null;
    }
  }

  set(id: string, secret: string): void {
    if (!this.usable()) {
      throw new GlassboxError('invalid-argument', NO_KEYRING);
    }
    const all = this.read();
    all[id] = this.safeStorage.encryptString(secret).toString('base64');
    this.write(all);
  }

  delete(id: string): void {
    const all = this.read();
    if (!(id in all)) return;
    delete all[id];
    this.write(all);
  }
}
