import type { DocumentKind } from '../contract/documents';
import { docxToText } from './docx';
import { badDocument } from './errors';
import { htmlToText } from './html';
import { formatBytes, type DocumentLimits } from './limits';
import { pdfToPages, type PageText } from './pdf';
import { decodeText, kindOf, SUPPORTED_DESCRIPTION } from './text';

export interface ParsedDocument {
  kind: DocumentKind;
  /** Pages with text, in order (one page with page = null for documents without pages). */
  pages: PageText[];
  pageCount: number;
  warnings: string[];
}

/** The checks every file gets before it is read: a kind we know, not empty, not over the limit. */
export function checkFile(name: string, bytes: number, limits: DocumentLimits): DocumentKind {
  const kind = kindOf(name);
  if (kind === null) throw badDocument(name, `this kind of file is not supported. Add ${SUPPORTED_DESCRIPTION}.`);
  if (bytes === 0) throw badDocument(name, 'the file is empty (0 bytes).');
  if (bytes > limits.maxFileBytes) {
    throw badDocument(name, `the file is ${formatBytes(bytes)}, over the ${formatBytes(limits.maxFileBytes)} limit. Split it into smaller files.`);
  }
  return kind;
}

/** A file's bytes to text, page by page. Throws a clear GlassboxError for anything it cannot read. */
export async function parseDocument(
  bytes: Uint8Array,
  name: string,
  limits: DocumentLimits,
  onProgress: (fraction: number) => void = () => {},
  signal?: AbortSignal,
): Promise<ParsedDocument> {
  const kind = checkFile(name, bytes.length, limits);
  const warnings: string[] = [];
  let pages: PageText[];
  let pageCount = 1;
  if (kind === 'pdf') {
    const result = await pdfToPages(bytes, name, (done, total) => onProgress(done / total), signal);
    pages = result.pages;
    pageCount = result.pageCount;
    warnings.push(...result.warnings);
  } else {
    let text: string;
    if (kind === 'docx') text = await docxToText(bytes, name, limits);
    else {
      const decoded = decodeText(bytes, name);
      warnings.push(...decoded.warnings);
      text = kind === 'html' ? htmlToText(decoded.text) : decoded.text;
    }
    onProgress(1);
    pages = [{ page: null, text }];
  }
  const chars = pages.reduce((sum, p) => sum + p.text.length, 0);
  if (pages.every((p) => p.text.trim() === '')) throw badDocument(name, 'it contains no text.');
  if (chars > limits.maxTextChars) throw badDocument(name, `its text is over ${limits.maxTextChars} characters.`);
  return { kind, pages, pageCount, warnings };
}
