import { isGlassboxError, VALIDATION_PREFIX, type ErrorKind } from '../../../electron/contract/glassbox-error';

/** What to say for each kind when the server sent no message of its own. */
const FALLBACK: Partial<Record<ErrorKind, string>> = {
  'no-model': 'Load a model first: type the path of a .gguf file in the Model panel and press Load model.',
  'model-invalid': 'That file is not a model Glassbox can read. Choose a .gguf model file.',
  'model-too-large': 'The model does not fit in memory. Try a smaller or more strongly quantised model.',
  'model-load-failed': 'The model could not be loaded. Check the path and try again.',
  'engine-crashed': 'The model engine stopped unexpectedly. Load the model again to continue.',
  busy: 'The model is still busy with another answer. Wait for it to finish, or press Stop.',
  cancelled: 'Cancelled.',
  'not-found': 'It was not found; it may have been deleted.',
  unauthorized: 'This page’s access token was refused. Open the address printed by “glassbox web” again.',
  'database-newer': 'The data was written by a newer Glassbox. Update Glassbox to open it.',
  'database-corrupt': 'The data folder is damaged. Restore it from a backup, or start with a new one.',
};

/** What a person reads when a request failed the contract's checks (a value out of range): never the schema's text. */
const REFUSED = 'Glassbox could not accept that: one of the values is outside what it takes (too long, or out of range). Nothing was changed.';

/** Kinds whose messages are for developers, not users. */
// invalid-argument is not among them: the services word theirs for people ("This file is not JSON…"),
// and the router's schema complaints are replaced by REFUSED above.
const UNEXPECTED = new Set<string>(['internal', 'unknown-call']);

/**
 * One or two sentences: what happened, and what the user can do about it. The services write
 * their messages for users (they already say what to do), so those are shown as they are; only
 * unexpected kinds are marked as such, and an empty message falls back to advice by kind.
 */
export function describeErrorKind(kind: ErrorKind | string, message: string): string {
  const detail = message.trim();
  // The router's schema complaints ("… (text): Too big: expected string …") are for developers.
  if (kind === 'invalid-argument' && detail.startsWith(VALIDATION_PREFIX)) return REFUSED;
  if (UNEXPECTED.has(kind)) return `Something went wrong: ${detail || 'no details were given.'}`;
  if (detail) return detail;
  return FALLBACK[kind as ErrorKind] ?? 'Something went wrong, and no details were given.';
}

export function describeError(error: unknown): string {
  if (isGlassboxError(error)) return describeErrorKind(error.kind, error.message);
  if (error instanceof Error) return describeErrorKind('internal', error.message);
  return describeErrorKind('internal', String(error));
}

/** "The engine stopped unexpectedly." → "the engine stopped unexpectedly", for use mid-sentence. */
export function midSentence(message: string): string {
  const trimmed = message.trim().replace(/[.!]+$/, '');
  if (/^[A-Z][a-z]/.test(trimmed)) return trimmed[0]!.toLowerCase() + trimmed.slice(1);
  return trimmed;
}
