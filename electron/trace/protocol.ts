import { z } from 'zod';
import type { WireError } from '../contract/errors';
import { compareWordSchema, type TraceProgress, type WordVectors } from '../contract/trace';
import type { ForwardTrace } from './forward-trace';

/** Messages between the app and the trace process (electron/trace/worker.ts). */

const modelRequest = z.object({ id: z.number().int(), model: z.string().min(1), threads: z.number().int().min(1).max(256).nullable() });

export const hostToTracerSchema = z.discriminatedUnion('type', [
  modelRequest.extend({ type: z.literal('trace'), text: z.string().min(1), lens: z.enum(['all', 'last', 'auto']) }),
  modelRequest.extend({ type: z.literal('compare'), ...compareWordSchema.shape }),
]);
export type HostToTracer = z.infer<typeof hostToTracerSchema>;

/** What the process sends back (built by our own code in the worker; the host trusts its shape). */
export type TracerToHost =
  | { type: 'progress'; id: number; stage: TraceProgress['stage']; done: number; total: number }
  | { type: 'attention'; id: number; layer: number; weights: Float32Array }
  | { type: 'trace'; id: number; trace: ForwardTrace }
  | { type: 'vectors'; id: number; vectors: WordVectors }
  | { type: 'error'; id: number; error: WireError };
