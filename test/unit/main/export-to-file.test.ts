import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServicesProcess } from '../../../electron/services/services-process';
import { exportFileName, withExportToFile } from '../../../electron/main/export-to-file';
import { messagePair } from '../services/services-host-pair';
import { tempDir } from '../store/helpers';

// The desktop app's Export all (main/export-to-file.ts): the file the save dialog gave is written
// by the services host, streamed; the archive never comes back through the main process.

let dir: string;
let cleanup: () => void;
let services: ServicesProcess;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  services = new ServicesProcess({
    host: messagePair().host,
    launchWorker: () => {
      throw new Error('no worker is needed here');
    },
    options: { dataDir: join(dir, 'data'), mode: 'electron', version: 'test', modelPath: null },
    secrets: { hosted: { kind: 'memory', canStore: true, refusal: '', entries: {} }, set: () => {}, delete: () => {} },
    log: () => {},
  });
});
afterEach(async () => {
  await services.dispose();
  cleanup();
});

describe('Export all in the desktop app', () => {
  it('writes the zip where the save dialog says, and answers only where it went', async () => {
    await services.dispatch('conversations.create', { title: 'Kept' });
    const asked: string[] = [];
    const target = join(dir, 'chosen.zip');
    const router = withExportToFile(services, async (suggested) => (asked.push(suggested), target), () => Date.UTC(2026, 11, 3));
    const result = await router.dispatch('conversations.exportAll', {});
    expect(asked).toEqual(['glassbox-export-2026-12-03.zip']);
    expect(result).toEqual({ ok: true, value: { fileName: 'chosen.zip', mimeType: 'application/zip', encoding: 'saved', content: target } });
    expect(Object.keys(unzipSync(readFileSync(target))).filter((name) => name.endsWith('.json'))).toHaveLength(1);
  });

  it('writes nothing when the dialog is cancelled, says why when the file cannot be written, and passes other calls on', async () => {
    const cancelled = withExportToFile(services, async () => null);
    expect(await cancelled.dispatch('conversations.exportAll', {})).toMatchObject({ ok: false, error: { kind: 'cancelled' } });
    const unwritable = join(dir, 'no-such-folder', 'x.zip');
    const failing = withExportToFile(services, async () => unwritable);
    const failed = await failing.dispatch('conversations.exportAll', {});
    expect(failed).toMatchObject({ ok: false, error: { message: expect.stringContaining(`could not be written to ${unwritable}`) } });
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
    expect(await cancelled.dispatch('conversations.list', {})).toEqual({ ok: true, value: [] });
    expect(exportFileName(Date.UTC(2026, 0, 2))).toBe('glassbox-export-2026-01-02.zip');
  });
});
