import { GlassboxError } from '../contract/errors';
import { getJson, hostOf, type HttpTarget } from './http';
import { positiveInt, record } from './openai-chunks';

/** A model an endpoint lists (GET /v1/models). */
export interface RemoteModel {
  id: string;
  contextLength: number | null;
}

/** The context length where servers expose one (llama-server meta.n_ctx_train, vLLM max_model_len, OpenRouter context_length). */
function contextLengthOf(model: Record<string, unknown>): number | null {
  const meta = record(model.meta);
  return (
    positiveInt(meta?.n_ctx) ??
    positiveInt(meta?.n_ctx_train) ??
    positiveInt(model.max_model_len) ??
    positiveInt(model.context_length) ??
    positiveInt(model.context_window) ??
    null
  );
}

/** GET /v1/models: what "Connect and list models" shows. */
export async function listRemoteModels(target: HttpTarget, signal?: AbortSignal): Promise<RemoteModel[]> {
  const body = record(await getJson(target, 'models', 'the model list (GET /models)', signal));
  const data = body?.data;
  if (!Array.isArray(data)) {
    throw new GlassboxError('remote-failed', `${hostOf(target.baseUrl)} answered GET /models without a model list. Is the base URL right (it usually ends in /v1)?`);
  }
  const models: RemoteModel[] = [];
  for (const item of data as unknown[]) {
    const model = record(item);
    if (model && typeof model.id === 'string') models.push({ id: model.id, contextLength: contextLengthOf(model) });
  }
  return models;
}
