/**
 * The one limit on a message's length, the same for sending, editing and tokenizing it (so a
 * message that was accepted can always be shown in the Model panel). Zod-free: the renderer checks
 * it before sending, so a person reads a sentence instead of a schema's complaint.
 */
export const MESSAGE_MAX_CHARS = 200_000;
