import { inflateRawSync } from 'node:zlib';
import { createZip, type ZipEntry } from '../store/zip';
import { badDocument } from './errors';
import { htmlToText } from './html';
import { formatBytes, type DocumentLimits } from './limits';

interface CentralEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * Reads a zip's central directory and checks what it declares before anything is inflated: the
 * entry count and the sum of the uncompressed sizes (a zip bomb declares gigabytes). Each entry is
 * then inflated with its declared size as a hard output cap, so a zip that lies about its sizes is
 * stopped at the cap rather than filling memory.
 */
export function readZip(bytes: Uint8Array, name: string, limits: DocumentLimits, skip: (entry: string) => boolean): ZipEntry[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notZip = (): Error => badDocument(name, 'it is not a valid DOCX file (the zip container is damaged).');
  let eocd = -1;
  for (let i = view.length - 22; i >= Math.max(0, view.length - 22 - 0xffff); i--) {
    if (view.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw notZip();
  const count = view.readUInt16LE(eocd + 10);
  const directoryOffset = view.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw badDocument(name, 'its zip uses Zip64, which is not supported for DOCX.');
  if (count > limits.maxZipEntries) throw badDocument(name, `its zip has ${count} entries (more than ${limits.maxZipEntries}).`);

  const entries: CentralEntry[] = [];
  let declared = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.length || view.readUInt32LE(at) !== CENTRAL) throw notZip();
    const nameLength = view.readUInt16LE(at + 28);
    const entry: CentralEntry = {
      method: view.readUInt16LE(at + 10),
      compressedSize: view.readUInt32LE(at + 20),
      size: view.readUInt32LE(at + 24),
      name: view.toString('utf8', at + 46, at + 46 + nameLength),
      localOffset: view.readUInt32LE(at + 42),
    };
    at += 46 + nameLength + view.readUInt16LE(at + 30) + view.readUInt16LE(at + 32);
    if (skip(entry.name)) continue;
    declared += entry.size;
    entries.push(entry);
  }
  if (declared > limits.maxInflatedBytes) {
    throw badDocument(
      name,
      `its contents would inflate to ${formatBytes(declared)}, more than the ${formatBytes(limits.maxInflatedBytes)} allowed ` +
        '(this looks like a zip bomb).',
    );
  }

  return entries.map((entry): ZipEntry => {
    const local = entry.localOffset;
    if (local + 30 > view.length || view.readUInt32LE(local) !== LOCAL) throw notZip();
    const start = local + 30 + view.readUInt16LE(local + 26) + view.readUInt16LE(local + 28);
    const raw = view.subarray(start, start + entry.compressedSize);
    if (raw.length !== entry.compressedSize) throw notZip();
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) {
      try {
        // The declared size is the cap: inflating past it throws instead of allocating.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
      } catch (error) {
        if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw badDocument(name, `the zip entry ${entry.name} inflates past the size it declares (this looks like a zip bomb).`);
        }
        throw notZip();
      }
    } else throw badDocument(name, `its zip uses compression method ${entry.method}, which is not supported.`);
    if (data.length !== entry.size) throw badDocument(name, `the zip entry ${entry.name} is not the size it declares.`);
    return { name: entry.name, data, modified: new Date(0) };
  });
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
  const safe = createZip(entries);
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
