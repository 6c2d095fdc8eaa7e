// Free of zod (contract.ts has the schemas): the renderer's engine picker needs the value at run time.

/** The engine a conversation uses when it names none: the GGUF model loaded in this app. */
export const LOCAL_ENGINE = 'local';
