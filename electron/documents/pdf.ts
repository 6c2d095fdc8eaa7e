import { badDocument } from './errors';

export interface PageText {
  /** 1-based page number; null for documents without pages. */
  page: number | null;
  text: string;
}

interface TextItemLike {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

function isTextItem(item: unknown): item is TextItemLike {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

/**
 * A page's text from pdf.js's text items: items on one line are joined, a line break where the
 * text moves down, a blank line (a paragraph break) where it moves down by more than ~1.6 lines.
 */
function pageText(items: readonly unknown[]): string {
  let text = '';
  let lastY: number | null = null;
  let lastHeight = 0;
  for (const item of items) {
    if (!isTextItem(item)) continue;
    const y = item.transform[5] ?? 0;
    if (lastY !== null && item.str !== '') {
      const gap = lastY - y;
      const line = Math.max(lastHeight, item.height, 1);
      if (gap > line * 1.6) text = text.replace(/[ \t]*\n?$/, '\n\n');
      else if (gap > line * 0.5 && !text.endsWith('\n')) text += '\n';
      else if (gap < -line * 0.5 && !text.endsWith('\n')) text += '\n';
    }
    text += item.str;
    if (item.hasEOL) text += '\n';
    if (item.str !== '') {
      lastY = y;
      lastHeight = item.height;
    }
  }
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Text of every page of a PDF, with pdf.js (legacy build for Node, never evaluating code from the
 * file). Encrypted files and files with no text layer (scanned images) are refused with a message.
 */
export async function pdfToPages(
  bytes: Uint8Array,
  name: string,
  onPage: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<{ pages: PageText[]; pageCount: number; warnings: string[] }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js takes ownership of (detaches) the buffer it is given; give it a copy.
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  let pdf;
  try {
    pdf = await task.promise;
  } catch (error) {
    await task.destroy();
    const kind = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
    if (kind === 'PasswordException') {
      throw badDocument(name, 'the PDF is encrypted (password protected). Save an unprotected copy and add that instead.');
    }
    if (kind === 'InvalidPDFException') throw badDocument(name, 'it is not a valid PDF file (it may be damaged or incomplete).');
    throw badDocument(name, `the PDF could not be read (${error instanceof Error ? error.message : String(error)}).`);
  }
  try {
    const pages: PageText[] = [];
    let empty = 0;
    for (let number = 1; number <= pdf.numPages; number++) {
      if (signal?.aborted) break;
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      const text = pageText(content.items);
      page.cleanup();
      if (text.length === 0) empty++;
      else pages.push({ page: number, text });
      onPage(number, pdf.numPages);
    }
    const warnings: string[] = [];
    if (pages.length === 0) {
      throw badDocument(name, 'no text layer: this PDF seems to be scanned images; OCR is not supported.');
    }
    if (empty > 0) {
      warnings.push(`${empty} of ${pdf.numPages} pages have no text layer (scanned images?) and were skipped; OCR is not supported.`);
    }
    return { pages, pageCount: pdf.numPages, warnings };
  } finally {
    await pdf.destroy();
  }
}
