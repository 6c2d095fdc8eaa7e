/**
 * Where remote endpoints' API keys live. Keys never go into the database or any plain-text file:
 *
 * - Electron: SafeStorageSecrets (electron/main/safe-storage-secrets.ts) encrypts each key with the
 *   operating system's keychain (safeStorage: Keychain, DPAPI, libsecret/kwallet) and stores only
 *   the ciphertext. Where the OS offers no encryption it refuses to save a key.
 * - Node (web mode, CLI, tests): MemorySecrets keeps keys in this process's memory only; they are
 *   gone when it exits and the user enters them again. Nothing is written.
 */
export interface SecretStore {
  /** 'encrypted': kept across runs, encrypted by the OS; 'memory': forgotten at exit. */
  readonly kind: 'encrypted' | 'memory';
  get(id: string): string | null;
  /** Throws a GlassboxError when the key cannot be kept safely. */
  set(id: string, secret: string): void;
  delete(id: string): void;
}

export class MemorySecrets implements SecretStore {
  readonly kind = 'memory' as const;
  private readonly secrets = new Map<string, string>();

  get(id: string): string | null {
    return this.secrets.get(id) ?? null;
  }

  set(id: string, secret: string): void {
    this.secrets.set(id, secret);
  }

  delete(id: string): void {
    this.secrets.delete(id);
  }
}
