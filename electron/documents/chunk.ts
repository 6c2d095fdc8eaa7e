import type { PageText } from './pdf';

/**
 * Text to passages for retrieval.
 *
 * - A chunk is an exact slice [start, end) of the document's text, the pages joined by a blank
 *   line; chunks never cross a page, so each has one page number.
 * - Chunks follow the text's structure: a paragraph (text between blank lines) is never split unless
 *   it alone is over the size, and a heading (a Markdown `#` line; HTML and DOCX headings are turned
 *   into those) always starts a new chunk and names the chunks under it.
 * - A paragraph over the size is cut at a line break, else a sentence end, else a space, looking back
 *   at most half a chunk from the limit, else exactly at the limit. Every step is bounded, so a
 *   10 MB line without a space is cut in linear time.
 * - Consecutive chunks of one section overlap by about `overlapTokens` (cut at a word boundary), so a
 *   sentence cut between two chunks is whole in one of them.
 * - Sizes are in the model's tokens through `charsPerToken`: the service measures it with the loaded
 *   model's tokenizer on samples of the document, or uses APPROX_CHARS_PER_TOKEN without a model.
 */

export interface Chunk {
  seq: number;
  page: number | null;
  start: number;
  end: number;
  heading: string;
  text: string;
  tokens: number;
}

export interface ChunkOptions {
  targetTokens: number;
  overlapTokens: number;
  charsPerToken: number;
  /** Whether `#` lines are headings (Markdown, and HTML/DOCX converted to it); not in code, where `#` is a comment. */
  headings?: boolean;
}

/** Without a model: English prose averages about 4 characters per token in common BPE vocabularies. */
export const APPROX_CHARS_PER_TOKEN = 4;

export const DEFAULT_CHUNKING: Omit<ChunkOptions, 'charsPerToken'> = { targetTokens: 160, overlapTokens: 24 };

/** The separator between pages in the document's text (so offsets are global). */
export const PAGE_SEPARATOR = '\n\n';

const HEADING = /^(#{1,6})[ \t]+(\S.*)$/;
const MAX_HEADING_CHARS = 300;

interface Unit {
  start: number;
  end: number;
  heading: string | null;
}

export function estimateTokens(chars: number, charsPerToken: number): number {
  return Math.max(1, Math.ceil(chars / charsPerToken));
}

export function chunkPages(pages: readonly PageText[], options: ChunkOptions): Chunk[] {
  const maxChars = Math.max(32, Math.floor(options.targetTokens * options.charsPerToken));
  const overlapChars = Math.max(0, Math.floor(options.overlapTokens * options.charsPerToken));
  const chunks: Chunk[] = [];
  let offset = 0;
  let heading = '';
  for (const page of pages) {
    const text = page.text;
    let current: { start: number; end: number } | null = null;
    const flush = (): void => {
      if (current === null) return;
      const body = text.slice(current.start, current.end);
      chunks.push({
        seq: chunks.length,
        page: page.page,
        start: offset + current.start,
        end: offset + current.end,
        heading,
        text: body,
        tokens: estimateTokens(body.length, options.charsPerToken),
      });
    };
    for (const unit of units(text, maxChars, options.headings ?? true)) {
      if (unit.heading !== null) {
        flush();
        heading = unit.heading;
        current = { start: unit.start, end: unit.end };
        continue;
      }
      if (current === null) current = { start: unit.start, end: unit.end };
      else if (unit.end - current.start <= maxChars) current.end = unit.end;
      else {
        flush();
        const from: number = overlapStart(text, current.start, current.end, overlapChars);
        current = { start: Math.min(from, unit.start), end: unit.end };
      }
    }
    flush();
    offset += text.length + PAGE_SEPARATOR.length;
  }
  return chunks;
}

/** Where the next chunk starts so that it repeats about `overlap` characters, at a word start. */
function overlapStart(text: string, start: number, end: number, overlap: number): number {
  if (overlap <= 0) return end;
  let at = Math.max(start + 1, end - overlap);
  const limit = Math.min(end, at + 64);
  while (at < limit && !isSpace(text.charCodeAt(at))) at++;
  while (at < end && isSpace(text.charCodeAt(at))) at++;
  return at >= end ? end : at;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 0xa0;
}

/** Paragraphs (headings marked), long ones cut to at most maxChars, whitespace trimmed. */
function* units(text: string, maxChars: number, headings: boolean): Generator<Unit> {
  const breaks = /\n[ \t]*\n/g;
  let from = 0;
  for (;;) {
    const match = breaks.exec(text);
    const to = match === null ? text.length : match.index;
    yield* paragraph(text, from, to, maxChars, headings);
    if (match === null) break;
    from = match.index + match[0].length;
  }
}

function* paragraph(text: string, from: number, to: number, maxChars: number, headings: boolean): Generator<Unit> {
  let start = from;
  let end = to;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (start >= end) return;
  if (headings && end - start <= MAX_HEADING_CHARS && text.charCodeAt(start) === 35 /* # */) {
    const line = text.slice(start, end);
    const match = HEADING.exec(line);
    if (match && !line.includes('\n')) {
      yield { start, end, heading: (match[2] ?? '').trim() };
      return;
    }
  }
  let pos = start;
  while (end - pos > maxChars) {
    const cut = cutPoint(text, pos, pos + maxChars);
    let pieceEnd = cut;
    while (pieceEnd > pos && isSpace(text.charCodeAt(pieceEnd - 1))) pieceEnd--;
    if (pieceEnd > pos) yield { start: pos, end: pieceEnd, heading: null };
    pos = cut;
    while (pos < end && isSpace(text.charCodeAt(pos))) pos++;
  }
  if (pos < end) yield { start: pos, end, heading: null };
}

/** The best place to cut in (limit - half, limit]: after a newline, else a sentence end, else a space. */
function cutPoint(text: string, pos: number, limit: number): number {
  const floor = pos + Math.floor((limit - pos) / 2);
  let sentence = -1;
  let space = -1;
  for (let i = limit; i > floor; i--) {
    const code = text.charCodeAt(i - 1);
    if (code === 10) return i;
    if (isSpace(code)) {
      const before = text.charCodeAt(i - 2);
      if (sentence < 0 && (before === 46 || before === 33 || before === 63)) sentence = i;
      if (space < 0) space = i;
    }
  }
  if (sentence > 0) return sentence;
  if (space > 0) return space;
  // No boundary at all: cut at the limit, but never between the halves of a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
