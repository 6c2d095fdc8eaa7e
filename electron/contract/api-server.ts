import { z } from 'zod';
import { DEFAULT_API_PORT, MIN_API_KEY_LENGTH } from './api-server-defaults';

/**
 * The app-side contract of the local OpenAI-compatible API server (its switch in the API tab).
 * Only zod here: api.ts imports it; the renderer takes its types, and its values from api-server-defaults.ts.
 */

export { DEFAULT_API_PORT, MIN_API_KEY_LENGTH } from './api-server-defaults';

/** What is saved in the settings. The API key is not: it lives in the secret store (see apiKeyStateSchema). */
export const apiServerSettingsSchema = z.object({
  enabled: z.boolean(),
  port: z.number().int().min(1).max(65535),
  /** Listen on every network interface instead of 127.0.0.1 only; then an API key is required. */
  allowNetwork: z.boolean(),
});
export type ApiServerSettings = z.infer<typeof apiServerSettingsSchema>;

export const DEFAULT_API_SERVER_SETTINGS: ApiServerSettings = { enabled: false, port: DEFAULT_API_PORT, allowNetwork: false };

/**
 * Whether a key is set and where it is kept: 'encrypted' by the OS (the desktop app, as remote
 * endpoints' keys), or 'memory' (web mode: forgotten at exit). The key itself never travels in a
 * status or an event; the configure call that creates one answers it once (newKey).
 */
export const apiKeyStateSchema = z.object({ set: z.boolean(), storage: z.enum(['encrypted', 'memory']) });
export type ApiKeyState = z.infer<typeof apiKeyStateSchema>;

const apiKeySchema = z.string().trim().min(MIN_API_KEY_LENGTH).max(200);

export const apiRequestLogSchema = z.object({
  id: z.number().int(),
  /** Epoch milliseconds when the request arrived. */
  at: z.number(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  durationMs: z.number(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  /** Who asked: the client's address (and its OpenAI `user` field when given). */
  client: z.string(),
});
export type ApiRequestLog = z.infer<typeof apiRequestLogSchema>;

export const apiServerStatusSchema = z.object({
  settings: apiServerSettingsSchema,
  running: z.boolean(),
  /** The base URL clients use (…/v1), when running. */
  baseUrl: z.string().nullable(),
  /** Why it is not running although enabled (port in use, no API key, …), in words for the user. */
  error: z.string().nullable(),
  apiKey: apiKeyStateSchema,
  /** Most recent first. */
  recent: z.array(apiRequestLogSchema),
});
export type ApiServerStatus = z.infer<typeof apiServerStatusSchema>;

/** What the API tab may change; omitted fields keep their value. */
export const apiServerConfigureSchema = z
  .object({
    enabled: z.boolean().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    allowNetwork: z.boolean().optional(),
    /** A key the user chose; null removes the key. */
    apiKey: apiKeySchema.nullable().optional(),
    /** Glassbox makes a random key, keeps it and answers it once, in the result's newKey. */
    createKey: z.literal(true).optional(),
  })
  .strict()
  .refine((patch) => !(patch.createKey && patch.apiKey !== undefined), { message: 'Either set apiKey or ask for createKey, not both.' });
export type ApiServerConfigure = z.infer<typeof apiServerConfigureSchema>;

/** configure's answer: the status, and the key it created (shown once, never sent again). */
export const apiServerConfigureResultSchema = apiServerStatusSchema.extend({ newKey: apiKeySchema.nullable() });
export type ApiServerConfigureResult = z.infer<typeof apiServerConfigureResultSchema>;
