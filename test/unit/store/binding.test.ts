import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { openDatabase, SQLITE_BINDING_ENV } from '../../../electron/store/database';

// npm start gives Electron its own build of better-sqlite3 through this variable; these tests use
// the Node build (the only one here) to show the variable is honoured and a bad one is reported.
const nodeBinding = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

afterEach(() => {
  delete process.env[SQLITE_BINDING_ENV];
});

/** The shared libraries this process has mapped (Linux). */
function mappedLibraries(): string {
  return readFileSync('/proc/self/maps', 'utf8');
}

describe('the SQLite addon named by GLASSBOX_SQLITE_BINDING', () => {
  // A copy at a path of its own: it is loaded only if the variable is honoured (the default
  // binding, which better-sqlite3 would load anyway, proves nothing).
  it.runIf(process.platform === 'linux')('is the one loaded', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'gb-binding-')), 'glassbox-test-sqlite.node');
    copyFileSync(nodeBinding, copy);
    expect(mappedLibraries()).not.toContain(copy);
    process.env[SQLITE_BINDING_ENV] = copy;
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    db.close();
    expect(mappedLibraries()).toContain(copy);
  });

  it('fails loudly when it cannot be loaded, and never as a corrupt database', () => {
    const bogus = join(mkdtempSync(join(tmpdir(), 'gb-binding-')), 'better_sqlite3.node');
    writeFileSync(bogus, 'not a shared library');
    process.env[SQLITE_BINDING_ENV] = bogus;
    let caught: unknown;
    try {
      openDatabase(':memory:');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(isGlassboxError(caught, 'database-corrupt')).toBe(false);
  });
});
