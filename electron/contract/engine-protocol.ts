import { z } from 'zod';
import { wireErrorSchema } from './errors';
import { modelFactsSchema, samplingSchema } from './model';
import { probabilityMeaningSchema, tokenBatchTokensSchema } from './token';
import { finishReasonSchema, messageRoleSchema } from './conversation';
import { tokenDistributionSchema } from './token-distribution';

/**
 * Messages between the main process (host) and the engine process (worker). The engine may crash
 * at any time; the host treats every request as possibly unanswered.
 */
export const loadOptionsSchema = z.object({
  /** Threads for decoding; null picks from the cores this process may use. */
  threads: z.number().int().min(1).max(256).nullable(),
  /** 'auto' tries CUDA, Vulkan or Metal and falls back to the CPU. */
  gpu: z.enum(['auto', 'cpu']),
  /** Context size in tokens; null uses min(trained context, 4096). */
  contextSize: z.number().int().min(64).max(1_048_576).nullable(),
  /** Layers to offload to the GPU: 'auto' (absent) lets node-llama-cpp fit what VRAM allows. */
  gpuLayers: z.union([z.literal('auto'), z.number().int().min(0).max(1024)]).optional(),
  /** Prompt-processing batch in tokens; null or absent uses the library's default. */
  batchSize: z.number().int().min(1).max(65_536).nullable().optional(),
  /** Flash attention (smaller compute buffer); absent or 'auto' leaves it to llama.cpp, as before. */
  flashAttention: z.union([z.literal('auto'), z.boolean()]).optional(),
});
export type LoadOptions = z.infer<typeof loadOptionsSchema>;

export const DEFAULT_LOAD_OPTIONS: LoadOptions = { threads: null, gpu: 'auto', contextSize: null };

export const chatTurnSchema = z.object({
  role: messageRoleSchema,
  content: z.string(),
  /** An assistant turn's thought (a reasoning model's): its chat wrapper decides whether later prompts show it. */
  thought: z.string().optional(),
});
export type ChatTurn = z.infer<typeof chatTurnSchema>;

export const generateRequestSchema = z.object({
  messages: z.array(chatTurnSchema).min(1),
  sampling: samplingSchema,
  /** How many alternatives each token reports (the shown top-k). */
  topAlternatives: z.number().int().min(1).max(100),
  /**
   * Branch from a token: the answer starts with these token ids (the kept prefix and the chosen
   * alternative). They are evaluated, not sampled or streamed; streamed indexes continue after them
   * (the first new token has index prefixTokens.length). result.text is the FULL answer, the prefix's
   * text included; result.prefixText is that prefix's part. maxTokens limits the new tokens only.
   */
  prefixTokens: z.array(z.number().int().min(0)).max(32768).optional(),
  /**
   * The prefix tokens' text (set with prefixTokens). A remote engine cannot evaluate token ids (they
   * are not the server's vocabulary; see electron/remote/remote-engine.ts), so it continues from this text.
   */
  prefixText: z.string().optional(),
  /**
   * Whole-vocabulary probabilities for every token (contract/token.ts), at the cost of one extra
   * pass over the logits per token; absent or false: top-K shares, the cheap default for streaming.
   */
  exactProbabilities: z.boolean().optional(),
});
export type GenerateRequest = z.infer<typeof generateRequestSchema>;

/** The pinned token's whole distribution (contract/token-distribution.ts), asked of the engine: the prompt as the answer's generation rendered it, and the answer's tokens before the position. */
export const distributionRequestSchema = z.object({
  messages: z.array(chatTurnSchema).min(1),
  /** The answer's tokens before the position (its prefix as the model read it). */
  before: z.array(z.number().int().min(0)).max(1_048_576),
  /** The token the answer has at the position (its exact probability and rank are reported). */
  token: z.number().int().min(0),
  topAlternatives: z.number().int().min(1).max(100),
  /**
   * The fingerprint of the prompt the answer was generated from (GenerateResult.promptHash): when
   * set and the prompt rendered now differs, nothing is evaluated and the call fails with
   * 'prompt-changed', since the numbers would describe another prompt.
   */
  expectPromptHash: z.string().max(64).optional(),
});
export type DistributionRequest = z.infer<typeof distributionRequestSchema>;

export const generateResultSchema = z.object({
  status: z.enum(['complete', 'stopped']),
  /** Why it ended: an end-of-generation token, a stop string, the token limit, or the user. */
  finishReason: finishReasonSchema,
  text: z.string(),
  tokens: z.number().int(),
  promptTokens: z.number().int(),
  evaluatedPromptTokens: z.number().int(),
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  totalMs: z.number(),
  /**
   * Only for a branch (request.prefixTokens): the text of the prefix tokens. `text` is always the
   * whole answer, prefix included (text starts with prefixText); `tokens` counts only the tokens
   * generated after the prefix (the streamed ones); `promptTokens` counts the rendered prompt and
   * the prefix (everything before the first new token), `evaluatedPromptTokens` how many of those
   * were not in the KV cache and had to be evaluated.
   */
  prefixText: z.string().optional(),
  /**
   * Whether the tokens carry probabilities. 'none': the engine (a remote server that ignores
   * `logprobs`) reported none, so every token was streamed with p = 1 and top = [] as placeholders
   * that must not be shown as probabilities. Absent means 'exact' (the local engine always has them).
   */
  probabilities: z.enum(['exact', 'none']).optional(),
  /** What the tokens' p and alternatives mean (contract/token.ts); absent: 'top-k-share'. */
  meaning: probabilityMeaningSchema.optional(),
  /**
   * A reasoning model's thought (engine/segments.ts), apart from `text`: its text without the
   * markers, its tokens, and the time from its first token to its end (null if it never ended).
   */
  thought: z.string().optional(),
  thoughtTokens: z.number().int().optional(),
  thoughtMs: z.number().nullable().optional(),
  /**
   * A fingerprint of the rendered prompt's tokens (engine/prompt-fingerprint.ts), kept with the
   * answer so a later look at one of its positions (the pinned token's exact distribution) can tell
   * whether the prompt rebuilt then is the one the answer was written from. Absent from remote engines.
   */
  promptHash: z.string().max(64).optional(),
});
export type GenerateResult = z.infer<typeof generateResultSchema>;

/**
 * One token of a text as llama.cpp splits it (electron/engine/tokenize.ts). `special`: a control or
 * end-of-generation token (BOS, EOS, <|eot_id|>), whose text is its name. Other tokens show their
 * piece's bytes; bytes that do not form a whole UTF-8 character on their own are written `<0xNN>`.
 */
export const tokenPieceSchema = z.object({ id: z.number().int(), text: z.string(), special: z.boolean() });
export type TokenPiece = z.infer<typeof tokenPieceSchema>;

/** How probable the model found each token of a message it did not write (the prompt view). */
export const scoredTokenSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  /**
   * The whole-vocabulary softmax at temperature 1 (contract/token.ts), exact, as are `top`'s. null
   * for a token with nothing before it to predict it from, or outside the model's top 1000
   * candidates (electron/engine/scoring.ts).
   */
  p: z.number().min(0).max(1).nullable(),
  top: z.array(z.object({ id: z.number().int(), text: z.string(), p: z.number() })),
});
export const scoredPromptSchema = z.object({
  tokens: z.array(scoredTokenSchema),
  /** exp of the mean negative log-probability over the scored tokens (p not null); null when none could be scored. */
  perplexity: z.number().nullable(),
  /** What p means (contract/token.ts); absent: 'whole-vocabulary'. */
  meaning: probabilityMeaningSchema.optional(),
});
export type ScoredPrompt = z.infer<typeof scoredPromptSchema>;

/** Texts in one embed request: a long document is embedded in several, so a chat is never blocked long. */
export const EMBED_MAX_TEXTS = 64;

/** Vectors for an embed request, in the order of its texts, each of `dimensions` numbers (unit length). */
export const embeddingsSchema = z.object({
  /** The embedding model's file name: with `dimensions`, what identifies the vectors (stored with them). */
  model: z.string(),
  dimensions: z.number().int().min(1),
  vectors: z.array(z.array(z.number())),
});
export type Embeddings = z.infer<typeof embeddingsSchema>;

export const hostToEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('load'), id: z.number().int(), path: z.string(), options: loadOptionsSchema }),
  z.object({ type: z.literal('unload'), id: z.number().int() }),
  z.object({ type: z.literal('generate'), id: z.number().int(), request: generateRequestSchema }),
  z.object({ type: z.literal('tokenize'), id: z.number().int(), text: z.string() }),
  /** Scores the last message of `messages` as rendered by the chat template. */
  z.object({
    type: z.literal('score'),
    id: z.number().int(),
    messages: z.array(chatTurnSchema).min(1),
    topAlternatives: z.number().int().min(1).max(100),
  }),
  /** The whole next-token distribution at one position of an answer (the pinned token). */
  z.object({ type: z.literal('distribution'), id: z.number().int(), request: distributionRequestSchema }),
  /** Cancels the generation whose request id is `target`. */
  z.object({ type: z.literal('stop'), target: z.number().int() }),
  /**
   * One vector per text from the embedding model at `model` (a GGUF path), loaded beside the chat
   * model and kept until another embedding model is asked for (electron/engine/embedding.ts).
   */
  z.object({ type: z.literal('embed'), id: z.number().int(), model: z.string().min(1), texts: z.array(z.string()).min(1).max(EMBED_MAX_TEXTS) }),
]);
export type HostToEngine = z.infer<typeof hostToEngineSchema>;

export const engineToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('load-progress'), id: z.number().int(), progress: z.number() }),
  z.object({ type: z.literal('loaded'), id: z.number().int(), facts: modelFactsSchema }),
  z.object({ type: z.literal('unloaded'), id: z.number().int() }),
  /**
   * Consecutive streamed tokens (engine/token-batcher.ts: tokens that come faster than ~60 a second
   * share a message). The host passes the batch on whole, validated here once.
   */
  z.object({ type: z.literal('tokens'), id: z.number().int(), first: z.number().int().min(0), tokens: tokenBatchTokensSchema }),
  z.object({ type: z.literal('generated'), id: z.number().int(), result: generateResultSchema }),
  z.object({ type: z.literal('tokenized'), id: z.number().int(), tokens: z.array(tokenPieceSchema) }),
  z.object({ type: z.literal('scored'), id: z.number().int(), result: scoredPromptSchema }),
  z.object({ type: z.literal('embedded'), id: z.number().int(), result: embeddingsSchema }),
  z.object({ type: z.literal('distributed'), id: z.number().int(), result: tokenDistributionSchema }),
  z.object({ type: z.literal('error'), id: z.number().int(), error: wireErrorSchema }),
]);
export type EngineToHost = z.infer<typeof engineToHostSchema>;
