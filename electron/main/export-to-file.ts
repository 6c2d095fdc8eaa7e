import { basename } from 'node:path';
import { parseWireError } from '../contract/port-client';
import type { Router } from '../contract/rpc';
import type { WireResult } from '../contract/wire';
import type { ServicesProcess } from '../services/services-process';

/** The archive's name for today, as the services name it: glassbox-export-YYYY-MM-DD.zip. */
export function exportFileName(now: number): string {
  return `glassbox-export-${new Date(now).toISOString().slice(0, 10)}.zip`;
}

/**
 * The desktop app's "Export all": the user picks the file in the main process's save dialog and
 * the services host writes the zip straight into it, a conversation at a time. The archive never
 * crosses a process as base64 and is never whole in memory (web mode, a browser, downloads it).
 * Every other call goes to the services unchanged. The path comes only from the dialog, never from
 * the renderer, whose call has no arguments.
 */
export function withExportToFile(
  services: Pick<ServicesProcess, 'dispatch' | 'exportAllTo'>,
  choosePath: (suggestedName: string) => Promise<string | null>,
  now: () => number = Date.now,
): Pick<Router, 'dispatch'> {
  return {
    async dispatch(name: unknown, args: unknown): Promise<WireResult> {
      if (name !== 'conversations.exportAll') return services.dispatch(name, args);
      const path = await choosePath(exportFileName(now()));
      if (path === null) return { ok: false, error: { kind: 'cancelled', message: 'The export was cancelled.' } };
      try {
        await services.exportAllTo(path);
      } catch (error) {
        const wire = parseWireError(error);
        return { ok: false, error: { kind: wire.kind, message: `The export could not be written to ${path}: ${wire.message}` } };
      }
      return { ok: true, value: { fileName: basename(path), mimeType: 'application/zip', encoding: 'saved', content: path } };
    },
  };
}
