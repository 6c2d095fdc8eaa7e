import type { ExportedFile } from '../../../electron/contract/conversation';

/** base64 → bytes (atob gives one char per byte). */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** bytes → base64, in slices so a large archive does not overflow the argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Whether a file's first bytes are a zip's (an "Export all" archive), not JSON text. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** The exported file as a Blob: text as it is, archives decoded from base64. */
export function exportedFileToBlob(file: ExportedFile): Blob {
  const body = file.encoding === 'base64' ? base64ToBytes(file.content) : file.content;
  return new Blob([body], { type: file.mimeType || 'application/octet-stream' });
}

/** A file name safe for every file system, keeping the extension the server chose. */
export function safeFileName(name: string): string {
  const printable = [...name].map((c) => (c.charCodeAt(0) < 0x20 ? '-' : c)).join('');
  const cleaned = printable
    .replace(/[\\/:*?"<>|]+/g, '-')
    .replace(/^[.\s]+/, '')
    .trim();
  return cleaned.slice(0, 180) || 'glassbox-export';
}

/**
 * Saves the file through the browser's download machinery (a Blob, an object URL and an
 * `<a download>`): in Electron the shell shows a save dialog, in a browser it lands in Downloads.
 */
export function downloadExportedFile(file: ExportedFile, doc: Document = document): void {
  // The desktop app has written it already, where the user chose.
  if (file.encoding === 'saved') return;
  const url = URL.createObjectURL(exportedFileToBlob(file));
  const link = doc.createElement('a');
  link.href = url;
  link.download = safeFileName(file.fileName);
  link.rel = 'noopener';
  link.style.display = 'none';
  doc.body.append(link);
  link.click();
  link.remove();
  // The download has started by now in every browser we know; give it a moment anyway.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
