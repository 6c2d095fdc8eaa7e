import type { ModelFacts, ModelState } from '../contract/model';
import { ApiError } from './errors';
import { matchesModel, modelId } from './requests';

/**
 * What the API says about the app's loaded model: the `/v1/models` objects, the model a request
 * names, and whether a queued request's model is still the one loaded when its turn comes.
 */
export class LoadedModel {
  private readonly createdAt = Math.floor(Date.now() / 1000);

  constructor(private readonly state: () => ModelState) {}

  /** The loaded model's facts, or null; `strict` turns "still loading" into a 503 to retry. */
  facts(strict: boolean): ModelFacts | null {
    const state = this.state();
    if (state.status === 'loaded') return state.facts;
    if (strict && state.status === 'loading') {
      throw new ApiError(503, 'A model is loading in Glassbox. Try again in a moment.', 'server_error', 'model_loading', 'model', 2);
    }
    return null;
  }

  /** The facts of the model a request names, which must be the loaded one. */
  require(requested: string): ModelFacts {
    const facts = this.facts(true);
    if (!facts) throw new ApiError(404, 'No model is loaded in Glassbox. Load a GGUF model in the app first.', 'invalid_request_error', 'model_not_found', 'model');
    if (!matchesModel(requested, facts)) throw this.notFound(requested);
    return facts;
  }

  /** A queued request runs only on the model it was accepted for: the user may have switched meanwhile. */
  requireStill(accepted: ModelFacts): void {
    const now = this.facts(false);
    if (now !== null && now.path === accepted.path) return;
    const hint = now ? ` Glassbox now has '${modelId(now)}' loaded; send the request again for it.` : ' No model is loaded now.';
    throw new ApiError(404, `The model '${modelId(accepted)}' this request was accepted for was unloaded before its turn.${hint}`, 'invalid_request_error', 'model_not_found', 'model');
  }

  notFound(requested: string): ApiError {
    const facts = this.facts(false);
    const hint = facts ? ` The loaded model is '${modelId(facts)}'.` : ' No model is loaded.';
    return new ApiError(404, `The model '${requested.slice(0, 200)}' does not exist.${hint}`, 'invalid_request_error', 'model_not_found', 'model');
  }

  /** OpenAI's model object for `facts`. */
  object(facts: ModelFacts): Record<string, unknown> {
    return { id: modelId(facts), object: 'model', created: this.createdAt, owned_by: 'glassbox' };
  }

  /** `/v1/models`: the loaded model, or nothing. */
  list(): Record<string, unknown>[] {
    const facts = this.facts(false);
    return facts ? [this.object(facts)] : [];
  }

  /** `/v1/models/{id}`. */
  find(id: string): Record<string, unknown> {
    const facts = this.facts(false);
    if (!facts || !matchesModel(id, facts)) throw this.notFound(id);
    return this.object(facts);
  }
}
