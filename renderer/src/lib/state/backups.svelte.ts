import type { GlassboxClient } from '../../../../electron/contract/api';
import type { BackupInfo } from '../../../../electron/contract/conversation';
import { describeError } from '../errors';

/** Settings › Backups: where they are, the ones kept, and making one now. Restoring is the app's (it reloads everything). */
export class BackupsState {
  backups = $state.raw<BackupInfo[]>([]);
  folder = $state<string | null>(null);
  error = $state<string | null>(null);
  working = $state(false);

  constructor(private readonly client: GlassboxClient) {}

  async refresh(): Promise<void> {
    try {
      const status = await this.client.call('store.status', {});
      this.backups = [...status.backups].sort((a, b) => b.createdAt - a.createdAt);
      this.folder = status.folder;
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async backupNow(): Promise<BackupInfo | null> {
    this.working = true;
    try {
      const made = await this.client.call('store.backup', {});
      await this.refresh();
      return made;
    } catch (error) {
      this.error = describeError(error);
      return null;
    } finally {
      this.working = false;
    }
  }
}

/** "3 Dec 2026, 17:42": when a backup was made, in the reader's locale. */
export function backupTime(ms: number): string {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- formatted once, not state
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
