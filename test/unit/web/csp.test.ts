import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../../electron/web/csp';
import { PROJECT_ROOT } from '../../models';

function parseCsp(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...sources] = d.split(/\s+/);
        return [name, sources];
      }),
  );
}

describe('Content-Security-Policy', () => {
  const csp = parseCsp(CONTENT_SECURITY_POLICY);

  it('denies by default and allows scripts only from the app itself', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src') ?? csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('has no unsafe-eval, no unsafe-inline and no remote origin anywhere', () => {
    for (const [directive, sources] of csp) {
      for (const source of sources) {
        expect(source, directive).not.toMatch(/unsafe-eval|unsafe-inline|^\*$|^https?:|^wss?:|^http/);
      }
    }
  });

  it('is the same policy the renderer page declares', () => {
    const html = readFileSync(join(PROJECT_ROOT, 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    expect(parseCsp(meta ?? '')).toEqual(parseCsp(META_CONTENT_SECURITY_POLICY));
    expect(meta).not.toContain('frame-ancestors');
  });
});
