// Free of zod (contract.ts has the schemas): the renderer's API tab needs these values at run time.

export const DEFAULT_API_PORT = 8427;
/** An API key is what another computer must show; short keys are too easy to guess. */
export const MIN_API_KEY_LENGTH = 16;
