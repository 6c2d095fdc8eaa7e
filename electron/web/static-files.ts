import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * Maps a URL path to a file inside `root`, or null. Decoding, `..`, absolute paths and encoded
 * separators can never reach outside the folder.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = resolve(root);
  const target = resolve(base, normalize(relative));
  if (target !== base && !target.startsWith(base + sep)) return null;
  return target;
}

export function readStaticFile(root: string, urlPath: string): StaticFile | null {
  const path = resolveStaticPath(root, urlPath);
  if (!path || !existsSync(path) || !statSync(path).isFile()) return null;
  return { body: readFileSync(path), contentType: MIME[extname(path).toLowerCase()] ?? 'application/octet-stream' };
}

export function rendererDir(outDir: string): string {
  return join(outDir, 'renderer');
}
