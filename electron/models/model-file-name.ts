import { lstat, realpath } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute, sep } from 'node:path';
import { GlassboxError } from '../contract/errors';

/**
 * A model's file name comes from a URL, a catalogue entry or a server's header: hostile until
 * checked. It must be a plain base name ending in .gguf that every OS can store, and the path it
 * makes must stay inside the models folder, also after symlinks (a `.part` symlinked elsewhere
 * would otherwise be appended to, then renamed over).
 */

// Names Windows maps to devices whatever the extension (CON.gguf opens the console).
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
// Forbidden in Windows file names, plus every C0 control and DEL.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/;
// The longest name most file systems take, minus room for the ".part" of a download in progress.
const MAX_NAME_BYTES = 255 - '.part'.length;

/** The reason a file name is refused, or null when it is a plain, portable .gguf base name. */
export function modelFileNameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (FORBIDDEN_CHARS.test(name)) return 'it contains a path separator, a control character or one of < > : " | ? *';
  if (name === '.' || name === '..' || name.startsWith('.')) return 'it starts with a dot';
  if (/[. ]$/.test(name)) return 'it ends with a dot or a space';
  if (!name.toLowerCase().endsWith('.gguf') || name.length === '.gguf'.length) return 'it does not end in .gguf';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} bytes`;
  const stem = name.split('.')[0] ?? '';
  if (WINDOWS_DEVICE.test(stem.trimEnd())) return `${stem} is a device name on Windows`;
  return null;
}

/** Throws a typed error unless `name` is a plain .gguf base name. */
export function checkModelFileName(name: string, from: string): string {
  const problem = modelFileNameProblem(name);
  if (problem !== null) {
    throw new GlassboxError('invalid-argument', `${from} names the file ${JSON.stringify(name.slice(0, 80))}, which cannot be saved as a model: ${problem}. Nothing was downloaded.`);
  }
  return name;
}

/**
 * The path `name` takes in `dir` (created beforehand, returned as the caller spelled it), refused
 * when it, or its `.part`, is a symlink or otherwise resolves outside the folder.
 */
export async function modelPathInside(dir: string, name: string, from: string): Promise<string> {
  checkModelFileName(name, from);
  const root = await realpath(dir);
  const dest = join(dir, name);
  for (const path of [dest, `${dest}.part`]) {
    const info = await lstat(path).catch(() => null);
    if (info !== null && !info.isFile()) {
      throw new GlassboxError('invalid-argument', `${path} is not a plain file (a link or a folder), so a download will not write to it. Remove it and try again.`);
    }
  }
  if (!isInside(root, await realpath(dirname(dest)))) throw new GlassboxError('invalid-argument', `${from} resolves outside the models folder ${root}.`);
  return dest;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}
