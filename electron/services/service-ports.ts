import type { ModelFacts } from '../contract/model';
import type { Engine } from '../engine/engine';

/**
 * What the services ask of each other, as interfaces rather than each other's classes: the
 * composition root (services.ts) passes the real services, a test passes a plain object, so
 * ChatService and ModelService are each tested alone.
 */

/** The chat asks the model service which local model is loaded (null: none). */
export interface LoadedModel {
  readonly facts: ModelFacts | null;
}

/** The model service asks the chat whether an answer is being written (no load or unload under it). */
export interface AnswerActivity {
  readonly isGenerating: boolean;
}

/** The chat asks the remote endpoints for the engine a conversation chose; it throws not-found once removed. */
export interface RemoteEngines {
  engine(id: string): Engine & { readonly facts: ModelFacts };
}
