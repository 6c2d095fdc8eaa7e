// better-sqlite3 for Electron's ABI, built once into node_modules/.glassbox-electron/ and left
// beside the Node build, so `npm test` (Node) and `npm start` (Electron) both work from one
// checkout. The app finds it through GLASSBOX_SQLITE_BINDING (electron/store/database.ts).
import { cpSync, existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function electronSqliteBinding(root, electronVersion) {
  const modules = join(root, 'node_modules');
  const dir = join(modules, '.glassbox-electron', `better-sqlite3-electron-${electronVersion}-${process.platform}-${process.arch}`);
  const binding = join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return { binding };

  rmSync(dir, { recursive: true, force: true });
  cpSync(join(modules, 'better-sqlite3'), dir, {
    recursive: true,
    filter: (source) => !source.includes(`${join('better-sqlite3', 'build')}`),
  });
  const electronArgs = ['--runtime', 'electron', '--target', electronVersion, '--arch', process.arch];
  // A prebuilt addon for this Electron when one is published; otherwise compile against
  // Electron's headers (needs a C++ toolchain). Both download, which is why this runs at start.
  const prebuilt = spawnSync(process.execPath, [join(modules, 'prebuild-install', 'bin.js'), ...electronArgs], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (!existsSync(binding)) {
    const compiled = spawnSync(
      process.execPath,
      [
        join(modules, 'node-gyp', 'bin', 'node-gyp.js'),
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        '--dist-url=https://electronjs.org/headers',
        '--runtime=electron',
        `--arch=${process.arch}`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    if (!existsSync(binding)) {
      const reason = [prebuilt.stderr, compiled.stderr].join('\n').split('\n').find((l) => /err/i.test(l))?.trim();
      return { binding: null, reason: reason ?? 'neither a prebuilt addon nor a compile succeeded' };
    }
  }
  return { binding };
}
