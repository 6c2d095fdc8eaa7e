import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, STORIES_260K } from '../../models';
import { browserOpener } from '../../../scripts/start-web.mjs';

function electronInstalled(): boolean {
  try {
    createRequire(import.meta.url)('electron');
    return true;
  } catch {
    return false;
  }
}

describe('npm start without Electron', () => {
  it.skipIf(electronInstalled())('says what is missing and starts web mode instead, printing its address first', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, GLASSBOX_NO_ELECTRON_DOWNLOAD: '1' };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const dataDir = mkdtempSync(join(tmpdir(), 'gb-start-'));
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'start.mjs'), '--model', STORIES_260K(), '--data-dir', dataDir, '--port', '0'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const [url] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited.then(() => [null])])) as [string | null];
      expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect(stderr).toMatch(/Electron's binary is missing/);
      expect(stderr).toMatch(/Starting web mode instead/);
      const page = await fetch(url ?? '');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app"');
      // No desktop session here: it says to open the address instead of trying a browser.
      await expect.poll(() => stderr).toMatch(/Open that address in a browser/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('opens the address with the platform opener only where there is a desktop', () => {
    expect(browserOpener('linux', {})).toBeNull();
    expect(browserOpener('linux', { DISPLAY: ':0' })).toEqual(['xdg-open']);
    expect(browserOpener('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toEqual(['xdg-open']);
    expect(browserOpener('darwin', {})).toEqual(['open']);
    expect(browserOpener('win32', {})).toEqual(['cmd', '/c', 'start', '""']);
  });
});
