import { z } from 'zod';

/**
 * Remote engines as clients see them (calls in contract/api.ts). Free of Node imports: the renderer
 * reads these types too. An API key goes in (endpoints.save / endpoints.test) and never comes out:
 * clients only learn whether an endpoint has one.
 */

export { LOCAL_ENGINE } from './local-engine-id';

export const remoteModelSchema = z.object({ id: z.string(), contextLength: z.number().int().nullable() });
export type RemoteModelInfo = z.infer<typeof remoteModelSchema>;

export const endpointSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The OpenAI base URL, e.g. http://127.0.0.1:8080/v1. */
  baseUrl: z.string(),
  /** The model id sent with each request (one of GET /models). */
  model: z.string(),
  /** From GET /models where the server tells it; null when it does not. */
  contextLength: z.number().int().nullable(),
  hasApiKey: z.boolean(),
  /** How the key is kept: encrypted by the OS (Electron), or in memory until the app exits (web mode). */
  keyStorage: z.enum(['encrypted', 'memory']),
  /** A .gguf or Hugging Face config.json of the model the server runs: the Model tab shows its architecture. */
  architectureFile: z.string().nullable(),
});
export type Endpoint = z.infer<typeof endpointSchema>;

const key = z.string().min(1).max(4096);
const baseUrl = z.string().trim().min(1).max(2000);

export const endpointSaveSchema = z
  .object({
    /** Absent: a new endpoint. */
    id: z.string().min(1).max(100).optional(),
    name: z.string().trim().min(1).max(100),
    baseUrl,
    model: z.string().trim().min(1).max(500),
    contextLength: z.number().int().min(1).max(100_000_000).nullable().optional(),
    /** A new key; null removes the key; absent keeps the one saved. */
    apiKey: key.nullable().optional(),
  })
  .strict();
export type EndpointSave = z.infer<typeof endpointSaveSchema>;

export const endpointTestSchema = z
  .object({
    baseUrl,
    /** The key to try; absent uses the saved key of endpoint `id` (when given). */
    apiKey: key.optional(),
    id: z.string().min(1).max(100).optional(),
  })
  .strict();

/** Points an endpoint at the model's .gguf or config.json (read and checked before it is kept); null forgets it. */
export const endpointArchitectureFileSchema = z
  .object({
    id: z.string().min(1).max(100),
    path: z.string().trim().min(1).max(4096).nullable(),
  })
  .strict();
