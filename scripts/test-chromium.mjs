#!/usr/bin/env node
// The end-to-end tests drive a real Chromium. This finds one (GLASSBOX_CHROMIUM, then the usual
// names on PATH, then a browser Playwright downloaded), or installs Debian's package when this
// process may (root, or sudo without a password, with apt-get), records the path for the tests
// (test/chromium.ts reads it) and says in one line what it did.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RECORD = join(root, 'node_modules', '.cache', 'glassbox', 'chromium-path');
const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function playwrightBrowser() {
  const cache = join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(cache)) return null;
  for (const dir of readdirSync(cache).filter((d) => d.startsWith('chromium')).sort().reverse()) {
    for (const sub of ['chrome-linux64/chrome', 'chrome-linux/chrome']) {
      if (executable(join(cache, dir, sub))) return join(cache, dir, sub);
    }
  }
  return null;
}

export function findChromium() {
  const given = process.env.GLASSBOX_CHROMIUM;
  if (given) return executable(given) ? given : null;
  for (const name of NAMES) {
    const found = onPath(name);
    if (found) return found;
  }
  return playwrightBrowser();
}

function mayInstall() {
  if (!onPath('apt-get')) return null;
  if (process.getuid?.() === 0) return [];
  return onPath('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0 ? ['sudo', '-n'] : null;
}

function aptInstall(prefix) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const [cmd, ...rest] = [...prefix, ...args];
    return spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  };
  return run(['apt-get', 'update', '-qq']) && run(['apt-get', 'install', '-y', '-qq', 'chromium']);
}

function version(path) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : 'version unknown';
}

function record(path, how) {
  mkdirSync(dirname(RECORD), { recursive: true });
  writeFileSync(RECORD, `${path}\n`);
  console.log(`chromium for the end-to-end tests: ${path} (${version(path)}), ${how}`);
}

function main() {
  const found = findChromium();
  if (found) return record(found, process.env.GLASSBOX_CHROMIUM ? 'from GLASSBOX_CHROMIUM' : 'found');
  if (process.env.GLASSBOX_CHROMIUM) {
    console.error(`chromium: GLASSBOX_CHROMIUM=${process.env.GLASSBOX_CHROMIUM} is not an executable file.`);
    process.exit(1);
  }
  const prefix = mayInstall();
  if (prefix !== null && aptInstall(prefix)) {
    const installed = findChromium();
    if (installed) return record(installed, "installed from Debian's packages (apt-get install chromium)");
  }
  console.error(
    'chromium: none found and none could be installed here. Install one (Debian/Ubuntu: `sudo apt-get install chromium`) ' +
      'or point GLASSBOX_CHROMIUM at a Chromium or Chrome binary, then run `npm test` again.',
  );
  process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
