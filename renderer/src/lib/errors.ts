import { isGlassboxError, type ErrorKind } from '../../../electron/contract/errors';

/** One or two sentences: what happened, and what the user can do about it. */
export function describeErrorKind(kind: ErrorKind | string, message: string): string {
  const detail = message.trim();
  switch (kind) {
    case 'no-model':
      return 'Load a model first: type the path of a .gguf file in the Model panel and press Load model.';
    case 'model-invalid':
      return `That file is not a model Glassbox can read (${detail}). Choose a .gguf model file.`;
    case 'model-too-large':
      return `The model does not fit in memory (${detail}). Try a smaller or more strongly quantised model.`;
    case 'model-load-failed':
      return `The model could not be loaded: ${detail} Check the path and try again.`;
    case 'engine-crashed':
      return `The model engine stopped unexpectedly (${detail}). Load the model again to continue.`;
    case 'busy':
      return 'The model is still busy with another answer. Wait for it to finish, or press Stop.';
    case 'cancelled':
      return 'Cancelled.';
    case 'not-found':
      return `${detail || 'Not found.'} It may have been deleted; pick another item.`;
    case 'unauthorized':
      return 'This page’s access token was refused. Open the address printed by “glassbox web” again.';
    case 'database-newer':
      return `${detail} Update Glassbox to open this data.`;
    case 'database-corrupt':
      return `${detail} Restore the data folder from a backup, or start with a new one.`;
    default:
      return `Something went wrong: ${detail || 'no details were given.'}`;
  }
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
