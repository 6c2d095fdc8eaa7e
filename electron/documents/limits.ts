import { MAX_DOCUMENT_BYTES } from '../contract/documents';

/** What one file may cost. The defaults are the product's; tests pass smaller ones. */
export interface DocumentLimits {
  /** Bytes of the file itself. */
  maxFileBytes: number;
  /** The sum of the sizes a DOCX's zip declares for the parts we inflate (zip-bomb guard). */
  maxInflatedBytes: number;
  /** Entries in a DOCX's zip. */
  maxZipEntries: number;
  /** Characters of extracted text (a 200 MB text file is 200 M characters; beyond that is not a document to chat with). */
  maxTextChars: number;
}

export const DEFAULT_LIMITS: DocumentLimits = {
  maxFileBytes: MAX_DOCUMENT_BYTES,
  maxInflatedBytes: 256 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxTextChars: 200 * 1024 * 1024,
};

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
