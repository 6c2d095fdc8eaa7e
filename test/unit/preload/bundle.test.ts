import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../models';

// A sandboxed preload can require nothing but `electron`: a bundled dependency that slipped out
// as require('x') would only fail at run time, inside Electron, where these tests cannot go.
describe('built preload script', () => {
  const path = join(PROJECT_ROOT, 'out', 'preload', 'index.cjs');

  it('requires nothing but electron', () => {
    expect(existsSync(path), 'run `npm run build` first').toBe(true);
    const required = [...readFileSync(path, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
  });
});
