import type { z } from 'zod';
import { toWireError } from '../contract/errors';

/** OpenAI's error body: `{error: {message, type, param, code}}`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error the API answers with: an HTTP status and OpenAI's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Seconds a client should wait before trying again (Retry-After), for 503. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null): ApiError =>
  new ApiError(400, message, 'invalid_request_error', code, param);

export const unsupported = (param: string, what: string): ApiError =>
  invalidRequest(`${what} is not supported by Glassbox's local server.`, param, 'unsupported_parameter');

/** The first zod issue, as OpenAI words a bad parameter. */
export function fromZod(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  const where = param ? ` at '${param}'` : '';
  return invalidRequest(`Invalid request body${where}: ${issue?.message ?? 'rejected'}.`, param, 'invalid_value');
}

/** Errors from the services (GlassboxError kinds) as OpenAI errors with fitting HTTP statuses. */
export function fromServiceError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const wire = toWireError(error);
  switch (wire.kind) {
    case 'busy':
      return new ApiError(503, wire.message, 'server_error', 'queue_full', null, 1);
    case 'invalid-argument':
      return invalidRequest(wire.message);
    case 'context-full':
      // OpenAI's own code for a prompt longer than the model's context.
      return new ApiError(400, wire.message, 'invalid_request_error', 'context_length_exceeded', 'messages');
    case 'no-model':
      return new ApiError(404, wire.message, 'invalid_request_error', 'model_not_found', 'model');
    case 'engine-crashed':
      // The engine restarts on the next request, so a retry is worth it.
      return new ApiError(500, wire.message, 'server_error', 'engine_crashed', null, 1);
    case 'cancelled':
      return new ApiError(503, wire.message, 'server_error', 'shutting_down');
    default:
      return new ApiError(500, wire.message, 'server_error', wire.kind);
  }
}
