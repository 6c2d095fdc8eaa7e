import { extname } from 'node:path';
import type { DocumentKind } from '../contract/documents';
import { badDocument } from './errors';

const CODE_EXTENSIONS = new Set([
  '.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.py', '.rb', '.go', '.rs', '.java', '.kt', '.kts', '.scala', '.c', '.h',
  '.cc', '.cpp', '.cxx', '.hpp', '.hh', '.cs', '.swift', '.m', '.mm', '.php', '.pl', '.pm', '.lua', '.r', '.jl', '.sh',
  '.bash', '.zsh', '.fish', '.ps1', '.sql', '.svelte', '.vue', '.css', '.scss', '.less', '.json', '.jsonc', '.yaml',
  '.yml', '.toml', '.ini', '.cfg', '.conf', '.xml', '.gradle', '.cmake', '.dart', '.ex', '.exs', '.erl', '.hs', '.ml',
  '.clj', '.zig', '.nim', '.proto', '.graphql', '.tf', '.dockerfile', '.makefile',
]);
const TEXT_EXTENSIONS = new Set(['.txt', '.text', '.log', '.csv', '.tsv', '.rst', '.adoc', '.org', '.tex', '']);
const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown', '.mdown', '.mkd']);
const HTML_EXTENSIONS = new Set(['.html', '.htm', '.xhtml']);

/** The kind of a file, from its name, or null when it is none we read. */
export function kindOf(name: string): DocumentKind | null {
  const ext = extname(name).toLowerCase();
  const base = name.toLowerCase().split(/[\\/]/).pop() ?? '';
  if (ext === '.pdf') return 'pdf';
  if (ext === '.docx') return 'docx';
  if (MARKDOWN_EXTENSIONS.has(ext)) return 'markdown';
  if (HTML_EXTENSIONS.has(ext)) return 'html';
  if (CODE_EXTENSIONS.has(ext) || base === 'makefile' || base === 'dockerfile') return 'code';
  if (TEXT_EXTENSIONS.has(ext)) return 'text';
  return null;
}

export const SUPPORTED_DESCRIPTION = 'PDF, DOCX, Markdown, HTML, plain text or source code';

/** Above this share of undecodable bytes or control characters, a "text" file is treated as binary. */
const BINARY_RATIO = 0.1;
/** Only the head of a large file is sampled for NULs: a text file has none anywhere, a binary one early. */
const SNIFF_BYTES = 64 * 1024;

export interface DecodedText {
  text: string;
  warnings: string[];
}

/**
 * Bytes of a text file as a string. UTF-8 (with or without BOM) and UTF-16 with a BOM are read;
 * a file with NUL bytes or mostly undecodable bytes is refused as binary. Some invalid UTF-8 in an
 * otherwise text file is replaced by U+FFFD, with a warning (better a readable document with a few
 * � than none). Line endings become \n; other control characters except tab and form feed are dropped.
 */
export function decodeText(bytes: Uint8Array, name: string): DecodedText {
  const warnings: string[] = [];
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
  else {
    const head = bytes.subarray(0, SNIFF_BYTES);
    if (head.includes(0)) {
      throw badDocument(name, 'it looks like a binary file (it contains NUL bytes), not text. Add the original document instead.');
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
      let replaced = 0;
      for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) replaced++;
      if (replaced / Math.max(1, text.length) > BINARY_RATIO) {
        throw badDocument(name, 'it does not look like text (most of it is not valid UTF-8). Add the original document instead.');
      }
      warnings.push(`${replaced} invalid UTF-8 sequence${replaced === 1 ? ' was' : 's were'} replaced with “\ufffd”.`);
    }
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const controls = text.match(/[\x00-\x08\x0b\x0e-\x1f\x7f]/g)?.length ?? 0;
  if (controls / Math.max(1, text.length) > BINARY_RATIO) {
    throw badDocument(name, 'it looks like a binary file (mostly control characters), not text.');
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  text = text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b\x0e-\x1f\x7f]/g, '');
  return { text, warnings };
}
