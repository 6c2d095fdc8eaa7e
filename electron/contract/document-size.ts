// Free of zod (contract.ts has the schemas): the renderer checks a file's size before sending it.

/** The size limit of one file (the 200 MB). */
export const MAX_DOCUMENT_BYTES = 200 * 1024 * 1024;
