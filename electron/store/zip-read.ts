import { inflateRawSync } from 'node:zlib';

// A zip reader for files from outside (a DOCX, an archive to import): what the archive declares
// is checked before anything is inflated, and each entry is inflated with its declared size as a
// hard cap, so neither a zip bomb nor a zip that lies about its sizes can fill memory or keep the
// CPU busy inflating what would be thrown away.

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export interface ZipReadLimits {
  /** Entries in the archive (all of them, skipped ones included). */
  maxEntries: number;
  /** The sum of the sizes declared by the entries that are inflated. */
  maxInflatedBytes: number;
}

/** Why an archive was refused, in words to put after "it" ("its zip has 12 entries ..."). */
export type ZipProblem =
  | { kind: 'damaged' }
  | { kind: 'zip64' }
  | { kind: 'too-many-entries'; count: number }
  | { kind: 'too-large'; declared: number }
  | { kind: 'inflates-past-size'; entry: string }
  | { kind: 'wrong-size'; entry: string }
  | { kind: 'method'; method: number };

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

/** The entries not skipped, inflated; `fail` turns a problem into the error thrown. */
export function readZip(bytes: Uint8Array, limits: ZipReadLimits, skip: (entry: string) => boolean, fail: (problem: ZipProblem) => Error): ZipEntry[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const damaged = (): Error => fail({ kind: 'damaged' });
  let eocd = -1;
  for (let i = view.length - 22; i >= Math.max(0, view.length - 22 - 0xffff); i--) {
    if (view.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw damaged();
  const count = view.readUInt16LE(eocd + 10);
  const directoryOffset = view.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw fail({ kind: 'zip64' });
  if (count > limits.maxEntries) throw fail({ kind: 'too-many-entries', count });

  const entries: CentralEntry[] = [];
  let declared = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.length || view.readUInt32LE(at) !== CENTRAL) throw damaged();
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
  if (declared > limits.maxInflatedBytes) throw fail({ kind: 'too-large', declared });

  return entries.map((entry): ZipEntry => {
    const local = entry.localOffset;
    if (local + 30 > view.length || view.readUInt32LE(local) !== LOCAL) throw damaged();
    const start = local + 30 + view.readUInt16LE(local + 26) + view.readUInt16LE(local + 28);
    const raw = view.subarray(start, start + entry.compressedSize);
    if (raw.length !== entry.compressedSize) throw damaged();
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) {
      try {
        // The declared size is the cap: inflating past it throws instead of allocating.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
      } catch (error) {
        if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw fail({ kind: 'inflates-past-size', entry: entry.name });
        }
        throw damaged();
      }
    } else throw fail({ kind: 'method', method: entry.method });
    if (data.length !== entry.size) throw fail({ kind: 'wrong-size', entry: entry.name });
    return { name: entry.name, data };
  });
}

/** Whether these bytes start like a zip archive (a local file header, or an empty archive's end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}
