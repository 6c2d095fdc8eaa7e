import { zipSync } from 'fflate';
import { readZip as readArchive, type ZipEntry, type ZipProblem } from '../store/zip-read';
import { badDocument } from './errors';
import { htmlToText } from './html';
import { formatBytes, type DocumentLimits } from './limits';

function docxProblem(name: string, limits: DocumentLimits, problem: ZipProblem): Error {
  switch (problem.kind) {
    case 'damaged':
      return badDocument(name, 'it is not a valid DOCX file (the zip container is damaged).');
    case 'zip64':
      return badDocument(name, 'its zip uses Zip64, which is not supported for DOCX.');
    case 'too-many-entries':
      return badDocument(name, `its zip has ${problem.count} entries (more than ${limits.maxZipEntries}).`);
    case 'too-large':
      return badDocument(
        name,
        `its contents would inflate to ${formatBytes(problem.declared)}, more than the ${formatBytes(limits.maxInflatedBytes)} allowed ` +
          '(this looks like a zip bomb).',
      );
    case 'inflates-past-size':
      return badDocument(name, `the zip entry ${problem.entry} inflates past the size it declares (this looks like a zip bomb).`);
    case 'wrong-size':
      return badDocument(name, `the zip entry ${problem.entry} is not the size it declares.`);
    case 'method':
      return badDocument(name, `its zip uses compression method ${problem.method}, which is not supported.`);
  }
}

/** A DOCX's zip entries (not those skipped), checked against the document limits (store/zip-read.ts). */
export function readZip(bytes: Uint8Array, name: string, limits: DocumentLimits, skip: (entry: string) => boolean): ZipEntry[] {
  const archiveLimits = { maxEntries: limits.maxZipEntries, maxInflatedBytes: limits.maxInflatedBytes };
  return readArchive(bytes, archiveLimits, skip, (problem) => docxProblem(name, limits, problem));
}

/** Images are never read (we index text), so they are not inflated either. */
const isMedia = (entry: string): boolean => /^word\/media\//i.test(entry) || /\.(png|jpe?g|gif|emf|wmf|bmp|tiff?|svg)$/i.test(entry);

/**
 * DOCX to text with headings kept (as Markdown `#` lines). The zip is checked and re-packed by us
 * first, so mammoth only ever sees a zip whose sizes are known to be true.
 */
export async function docxToText(bytes: Uint8Array, name: string, limits: DocumentLimits): Promise<string> {
  const entries = readZip(bytes, name, limits, isMedia);
  if (!entries.some((entry) => entry.name === 'word/document.xml')) {
    throw badDocument(name, 'it is not a Word document (no word/document.xml inside).');
  }
  // Stored, not deflated: mammoth reads it at once and the sizes are already known to be true.
  const safe = Buffer.from(zipSync(Object.fromEntries(entries.map((entry) => [entry.name, entry.data])), { level: 0 }));
  // Loaded on first use: mammoth and its zip and XML libraries are the largest part of the
  // services' start-up, and most sessions read no Word document.
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: safe },
      { convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })) },
    );
    html = result.value;
  } catch (error) {
    throw badDocument(name, `it could not be read as a Word document (${error instanceof Error ? error.message : String(error)}).`);
  }
  return htmlToText(html);
}
