import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../models';

function electronInstalled(): boolean {
  try {
    createRequire(import.meta.url)('electron');
    return true;
  } catch {
    return false;
  }
}

describe('npm start without Electron', () => {
  it.skipIf(electronInstalled())('says what is missing and points to web mode', () => {
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'start.mjs')], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, GLASSBOX_NO_ELECTRON_DOWNLOAD: '1' },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Electron's binary is missing/);
    expect(run.stderr).toContain('npm run web -- --model');
  });
});
