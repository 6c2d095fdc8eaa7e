// `npm start`: build, then run the desktop app. Electron's binary is downloaded on first start
// (npm's install step is told not to, so `npm install` works offline); when it cannot be, the same
// app starts in web mode instead (scripts/start-web.mjs): its address is printed and opened in the
// system's browser where there is one.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { electronSqliteBinding } from './electron-sqlite.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    return require('electron'); // the package exports the binary's path, or throws when it is missing
  } catch {
    return null;
  }
}

let binary = electronBinary();
let reason = 'GLASSBOX_NO_ELECTRON_DOWNLOAD is set, so no download was tried.';
if (!binary && !process.env.GLASSBOX_NO_ELECTRON_DOWNLOAD) {
  console.error("Electron's binary is not installed yet; downloading it once (node_modules/electron/install.js)...");
  const install = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  binary = install.status === 0 ? electronBinary() : null;
  // The installer's stack trace helps nobody; its first error line says what went wrong.
  reason = (install.stderr ?? '').split('\n').find((line) => /error/i.test(line))?.trim() ?? `the installer exited with ${install.status}`;
}
if (!binary) {
  console.error(`
Glassbox cannot open its own window: Electron's binary is missing and could not be downloaded
(this machine may be offline, or its network blocks the download).
  Reason: ${reason}
Starting web mode instead: the same app in your browser, on this computer only.
(On a machine with network, \`npm start\` downloads Electron once and opens the desktop app.)
`);
  const { startWebMode } = await import('./start-web.mjs');
  startWebMode(root, process.argv.slice(2));
} else {
  startDesktop(binary);
}

function startDesktop(binary) {
  const build = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);

  const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const sqlite = electronSqliteBinding(root, electronVersion);
  if (!sqlite.binding) {
    console.error(`
  Glassbox could not prepare its SQLite module for Electron ${electronVersion}: ${sqlite.reason}
  It needs either network access (to fetch a prebuilt module) or a C++ toolchain (to compile one).
  Web mode needs neither: npm run web -- --model /path/to/model.gguf
  `);
    process.exit(1);
  }

  const child = spawn(binary, [root, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, GLASSBOX_SQLITE_BINDING: sqlite.binding },
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
