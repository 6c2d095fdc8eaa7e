import type { GenerateResult } from '../contract/engine-protocol';
import type { GenerationStats, ModelIdentity } from '../contract/conversation';
import type { ModelFacts } from '../contract/model';

/** What an answer keeps about its generation: the engine's result as stored stats, and which model wrote it. */
export function statsOf(result: GenerateResult): GenerationStats {
  return {
    tokens: result.tokens,
    promptTokens: result.promptTokens,
    evaluatedPromptTokens: result.evaluatedPromptTokens,
    ttftMs: result.ttftMs,
    tokensPerSecond: result.tokensPerSecond,
    totalMs: result.totalMs,
    finishReason: result.finishReason,
    ...(result.promptHash !== undefined ? { promptHash: result.promptHash } : {}),
    ...(result.meaning !== undefined ? { meaning: result.meaning } : {}),
    ...(result.probabilities === 'none' ? { probabilities: 'none' as const } : {}),
    ...(result.thoughtTokens !== undefined ? { thoughtTokens: result.thoughtTokens, thoughtMs: result.thoughtMs ?? null } : {}),
  };
}

export function identityOf(facts: ModelFacts): ModelIdentity {
  return {
    fileName: facts.fileName,
    path: facts.path,
    architecture: facts.architecture,
    fileSizeBytes: facts.fileSizeBytes,
  };
}
