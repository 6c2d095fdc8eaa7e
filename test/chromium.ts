import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './models';

/** Where scripts/test-chromium.mjs (run by `npm test` first) recorded the Chromium it found or installed. */
const RECORDED = join(PROJECT_ROOT, 'node_modules', '.cache', 'glassbox', 'chromium-path');

function recorded(): string | null {
  if (!existsSync(RECORDED)) return null;
  const path = readFileSync(RECORDED, 'utf8').trim();
  return path !== '' && existsSync(path) ? path : null;
}

/** The Chromium the end-to-end tests and the UI bench drive: GLASSBOX_CHROMIUM, the recorded one, or Debian's. */
export const CHROMIUM = process.env.GLASSBOX_CHROMIUM ?? recorded() ?? '/usr/bin/chromium';
