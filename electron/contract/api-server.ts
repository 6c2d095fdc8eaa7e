import { z } from 'zod';
import { DEFAULT_API_PORT, MIN_API_KEY_LENGTH } from './api-server-defaults';

/**
 * The app-side contract of the local OpenAI-compatible API server (its switch in the API tab).
 * Only zod here: api.ts imports it; the renderer takes its types, and its values from api-server-defaults.ts.
 */

export { DEFAULT_API_PORT, MIN_API_KEY_LENGTH } from './api-server-defaults';

export const apiServerSettingsSchema = z.object({
  enabled: z.boolean(),
  port: z.number().int().min(1).max(65535),
  /** Listen on every network interface instead of 127.0.0.1 only; then an API key is required. */
  allowNetwork: z.boolean(),
  /** null: no key asked for (only allowed on 127.0.0.1). */
  apiKey: z.string().min(MIN_API_KEY_LENGTH).max(200).nullable(),
});
export type ApiServerSettings = z.infer<typeof apiServerSettingsSchema>;

export const DEFAULT_API_SERVER_SETTINGS: ApiServerSettings = { enabled: false, port: DEFAULT_API_PORT, allowNetwork: false, apiKey: null };

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
    apiKey: z.string().trim().min(MIN_API_KEY_LENGTH).max(200).nullable().optional(),
  })
  .strict();
export type ApiServerConfigure = z.infer<typeof apiServerConfigureSchema>;
