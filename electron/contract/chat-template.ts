/**
 * ModelFacts.chatTemplate for a model whose GGUF has no chat template (a base model such as
 * stories260K): it continues text instead of answering turns. Zod-free, so the renderer can name
 * the mode ("Continue the text") without loading a schema library.
 */
export const PLAIN_TEXT_TEMPLATE = 'none (plain text)';
