import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_HOST } from '../../../electron/main/app-origin';
import { appProtocolResponse } from '../../../electron/main/app-protocol';
import { readStaticFile } from '../../../electron/web/static-files';
import { PROJECT_ROOT } from '../../models';

// The window's start-up time is mostly the code the page must run before the chat is usable
// (issue 8), so what the first chunk holds is checked on the build itself, as it ships.
const rendererDir = join(PROJECT_ROOT, 'out', 'renderer');
const assetsDir = join(rendererDir, 'assets');

/** The budget for the first chunk and what it imports statically (it was 1 MB with everything in it). */
const STARTUP_BUDGET_BYTES = 250 * 1024;

function pageAssets(): string[] {
  const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
  return [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
}

/** The chunks a module loads before it runs: its static imports, transitively (dynamic import() is not one). */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(assetsDir, file), 'utf8');
    for (const m of code.matchAll(/(?:from|import)\s*["']\.\/([\w.-]+\.js)["']/g)) visit(m[1] ?? '');
  };
  visit(entry);
  return [...seen];
}

describe('built renderer', () => {
  it('exists (run `npm run build` first)', () => {
    expect(existsSync(join(rendererDir, 'index.html'))).toBe(true);
  });

  it('loads only files that exist, and both web mode and app:// serve every chunk as what it is', () => {
    const referenced = pageAssets();
    expect(referenced.some((path) => path.endsWith('.js'))).toBe(true);
    const files = readdirSync(assetsDir);
    for (const path of referenced) expect(files).toContain(path.replace(/^assets\//, ''));
    for (const file of files) {
      const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : file.endsWith('.css') ? 'text/css; charset=utf-8' : null;
      if (!type) continue;
      expect(readStaticFile(rendererDir, `/assets/${file}`)?.contentType, file).toBe(type);
      const response = appProtocolResponse(rendererDir, `app://${APP_HOST}/assets/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers['Content-Type'], file).toBe(type);
    }
  });

  it('starts from a small chunk; Markdown, highlighting and the side panel views come later', () => {
    const entry = pageAssets().find((path) => path.endsWith('.js'))?.replace(/^assets\//, '') ?? '';
    const startup = staticClosure(entry);
    const bytes = startup.reduce((sum, file) => sum + readFileSync(join(assetsDir, file)).length, 0);
    expect(bytes).toBeLessThan(STARTUP_BUDGET_BYTES);
    const code = startup.map((file) => readFileSync(join(assetsDir, file), 'utf8')).join('\n');
    for (const marker of ['DOMPurify', 'highlightAuto']) expect(code, marker).not.toContain(marker);
    const files = readdirSync(assetsDir);
    for (const lazy of ['markdown', 'ArchitectureView', 'TokenExplorer', 'TracePanel']) {
      const chunk = files.find((file) => file.startsWith(`${lazy}-`) && file.endsWith('.js'));
      expect(chunk, `a chunk of its own for ${lazy}`).toBeDefined();
      expect(startup, lazy).not.toContain(chunk);
    }
  });

  it('holds no zod: the renderer validates nothing itself, and zod would probe eval under the CSP', () => {
    for (const file of readdirSync(assetsDir).filter((f) => f.endsWith('.js'))) {
      expect(readFileSync(join(assetsDir, file), 'utf8'), file).not.toContain('$ZodType');
    }
  });
});
