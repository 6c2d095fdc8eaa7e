// `npm start` where Electron cannot run: the built app in web mode (`glassbox web`, 127.0.0.1 only,
// a random token in the address). The address is printed first, as web mode prints it, then opened
// in the system's browser when there is a desktop to show it on.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The command that opens a URL in the default browser here, or null (no desktop session). */
export function browserOpener(platform = process.platform, env = process.env) {
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open'] : null;
}

export function startWebMode(root, args) {
  const web = spawn(process.execPath, [join(root, 'bin', 'glassbox.mjs'), 'web', ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
  const lines = createInterface({ input: web.stdout });
  let first = true;
  lines.on('line', (line) => {
    process.stdout.write(`${line}\n`);
    if (!first) return;
    first = false;
    const opener = browserOpener();
    if (opener === null || !/^http:\/\/127\.0\.0\.1:\d+\//.test(line)) {
      console.error('Open that address in a browser on this computer.');
      return;
    }
    const [cmd, ...rest] = opener;
    const open = spawn(cmd, [...rest, line.trim()], { stdio: 'ignore', detached: true });
    open.on('error', () => console.error('Open that address in a browser on this computer.'));
    open.unref();
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => web.kill(signal));
  web.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
