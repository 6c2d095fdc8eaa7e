import { z } from 'zod';

/**
 * The forward-pass trace's part of the contract (electron/trace): attention weights, the logit lens
 * and contextual vectors read out of llama.cpp's own compute graph. api.ts lists the calls and
 * events; these are their shapes.
 */

/** Traces longer than this are refused: one layer's attention is heads × n × n numbers. */
export const MAX_TRACE_TOKENS = 512;
export const TRACE_ARCHITECTURES = ['llama', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3', 'phi3'] as const;
export const LENS_TOP = 5;

export const traceTokenSchema = z.object({ id: z.number().int(), text: z.string() });
export type TraceToken = z.infer<typeof traceTokenSchema>;

export const lensCandidateSchema = z.object({ id: z.number().int(), text: z.string(), p: z.number() });
export type LensCandidate = z.infer<typeof lensCandidateSchema>;

export const traceModelSchema = z.object({
  architecture: z.string(),
  layers: z.number().int(),
  heads: z.number().int(),
  kvHeads: z.number().int(),
  embedding: z.number().int(),
  vocabulary: z.number().int(),
  /** Keys further back than this many positions are masked in a sliding-window layer; null: no sliding window. */
  slidingWindow: z.number().int().nullable(),
});
export type TraceModel = z.infer<typeof traceModelSchema>;

export const headStatsSchema = z.object({
  /** Mean over queries of the attention row's entropy, in bits. */
  entropy: z.number(),
  /** Mean over queries after the first of the weight on the first token (attention sinks). */
  firstTokenShare: z.number(),
});

export const attendedSchema = z.object({ key: z.number().int(), weight: z.number() });

export const traceLayerSchema = z.object({
  index: z.number().int(),
  sliding: z.boolean(),
  heads: z.array(headStatsSchema),
  /** Per query position: the keys it attends to most, averaged over heads (top 3). */
  topAttended: z.array(z.array(attendedSchema)),
  /** Per position: the L2 norm of the residual stream after this layer. */
  residualNorm: z.array(z.number()),
  /** Per position: cosine similarity of the residual stream before and after this layer. */
  similarityToPrevious: z.array(z.number()),
});
export type TraceLayer = z.infer<typeof traceLayerSchema>;

export const lensPositionSchema = z.object({
  position: z.number().int(),
  /** llama.cpp's own next-token distribution at this position (the last layer, as the model outputs it). */
  final: z.array(lensCandidateSchema),
  /** Per layer: the residual stream through the final norm and output head. */
  layers: z.array(
    z.object({
      layer: z.number().int(),
      top: z.array(lensCandidateSchema),
      /** The probability this layer gives the token the model finally predicts (final[0]). */
      pFinal: z.number(),
    }),
  ),
});
export type LensPosition = z.infer<typeof lensPositionSchema>;

export const traceSummarySchema = z.object({
  traceId: z.string(),
  model: traceModelSchema,
  tokens: z.array(traceTokenSchema),
  layers: z.array(traceLayerSchema),
  lens: z.array(lensPositionSchema),
  /** 'all': every position was lensed; 'last': only the last one (long prompts, see MAX_LENS_VECTORS). */
  lensCoverage: z.enum(['all', 'last']),
  timings: z.object({ forwardMs: z.number(), lensMs: z.number() }),
});
export type TraceSummary = z.infer<typeof traceSummarySchema>;

export const traceStartSchema = z
  .object({
    jobId: z.string().min(1).max(100),
    text: z.string().min(1).max(20_000),
    /** Which positions to lens: every one, the last one, or (default) every one when the prompt is short enough. */
    lens: z.enum(['all', 'last', 'auto']).optional(),
  })
  .strict();

export const traceProgressSchema = z.object({
  jobId: z.string(),
  stage: z.enum(['loading', 'forward', 'lens', 'done', 'error', 'cancelled']),
  /** Layers read so far (forward) or lens vectors done (lens), out of total. */
  done: z.number().int(),
  total: z.number().int(),
});
export type TraceProgress = z.infer<typeof traceProgressSchema>;

/** One layer's attention: [head][query][key] over the traced tokens (0 above the diagonal). */
export const traceAttentionSchema = z.object({
  traceId: z.string(),
  layer: z.number().int(),
  weights: z.array(z.array(z.array(z.number()))),
});
export type TraceAttention = z.infer<typeof traceAttentionSchema>;

export const vectorLayerSchema = z.object({
  /** -1 is the token embedding (before the first layer). */
  layer: z.number().int(),
  cosine: z.number(),
  normA: z.number(),
  normB: z.number(),
  /** Cosine similarity to the previous layer's vector, in each sentence (1 for the embedding). */
  consecutiveA: z.number(),
  consecutiveB: z.number(),
});

export const compareWordSchema = z
  .object({
    a: z.string().min(1).max(2000),
    b: z.string().min(1).max(2000),
    word: z.string().min(1).max(100),
  })
  .strict();

export const wordVectorsSchema = z.object({
  word: z.string(),
  a: z.object({ position: z.number().int(), token: traceTokenSchema }),
  b: z.object({ position: z.number().int(), token: traceTokenSchema }),
  sameToken: z.boolean(),
  layers: z.array(vectorLayerSchema),
});
export type WordVectors = z.infer<typeof wordVectorsSchema>;
