import { DEFAULT_LOAD_OPTIONS } from '../contract/engine-protocol';
import { DEFAULT_SAMPLING } from '../contract/model';
import type { Engine } from '../engine/engine';
import { TOP_ALTERNATIVES } from '../services/chat-service';

/** Stop inside a long prompt: its length, how long into it Stop is pressed, how many times. */
export const STOP_PROMPT_TOKENS = 4000;
export const STOP_AFTER_MS = 1500;
/** The --quick model reads the whole prompt in a fraction of a second. */
export const QUICK_STOP_AFTER_MS = 40;
export const STOP_RUNS = 5;

/**
 * Stop while a long prompt is read, and the pinned token's exact distribution, in one fresh engine
 * process after the rounds. Each stop run starts its prompt with another word, so no run finds the
 * previous one's tokens in the KV cache.
 */
export async function measureStopAndPin(newEngine: () => Engine, model: string, threads: number, prompt: string, runs: number, stopAfterMs: number): Promise<{ stop: number[]; read: number[]; pin: number[] }> {
  const engine = newEngine();
  const stop: number[] = [];
  const read: number[] = [];
  const pin: number[] = [];
  try {
    await engine.load(model, { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads, contextSize: STOP_PROMPT_TOKENS + 512 });
    const sampling = { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 8 };
    const short = [{ role: 'user' as const, content: prompt }];
    await engine.generate({ messages: short, sampling, topAlternatives: TOP_ALTERNATIVES }, () => {}).result;
    for (let run = 0; run < runs; run++) {
      const content = `${['a', 'an', 'one', 'some', 'this', 'that', 'my'][run % 7]}${' the'.repeat(STOP_PROMPT_TOKENS - 2)}`;
      const generation = engine.generate({ messages: [{ role: 'user', content }], sampling, topAlternatives: TOP_ALTERNATIVES }, () => {});
      await new Promise((resolve) => setTimeout(resolve, stopAfterMs));
      const pressed = performance.now();
      generation.stop();
      const result = await generation.result;
      read.push(result.evaluatedPromptTokens);
      // A prompt read to its end before Stop came says nothing about stopping inside one.
      if (result.finishReason === 'cancelled' && result.evaluatedPromptTokens < result.promptTokens - 1) stop.push(performance.now() - pressed);
    }
    if (engine.distribution === undefined) return { stop, read, pin };
    for (let run = 0; run < runs; run++) {
      const tokens: number[] = [];
      const answer = await engine.generate({ messages: short, sampling, topAlternatives: TOP_ALTERNATIVES }, (batch) => void tokens.push(...batch.tokens.map((t) => t.id))).result;
      const last = tokens.at(-1);
      if (last === undefined) continue;
      const started = performance.now();
      await engine.distribution({ messages: short, before: tokens.slice(0, -1), token: last, topAlternatives: TOP_ALTERNATIVES, ...(answer.promptHash ? { expectPromptHash: answer.promptHash } : {}) });
      pin.push(performance.now() - started);
    }
    return { stop, read, pin };
  } finally {
    await engine.dispose();
  }
}

