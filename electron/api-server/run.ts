import type { GenerateResult } from '../contract/engine-protocol';
import type { GeneratedToken } from '../contract/token';
import type { EngineQueue } from '../services/engine-queue';
import { StopDetector } from '../engine/stop-detector';
import type { PreparedRequest } from './requests';

export interface Piece {
  /** The text sent to the client: the token's text, cut short where a stop string begins. */
  text: string;
  token: GeneratedToken;
}

export type FinishReason = 'stop' | 'length';

export interface RunOutcome {
  text: string;
  pieces: Piece[];
  finishReason: FinishReason;
  promptTokens: number;
  /** Tokens the model generated for this answer (up to and including the one that completed a stop string). */
  completionTokens: number;
  result: GenerateResult;
}

export interface RunHandle {
  readonly outcome: Promise<RunOutcome>;
  /** The client went away: stop generating (or leave the queue). */
  abort(): void;
}

/**
 * One request through the shared queue. The client's stop strings are matched here on the
 * streamed text: pieces that might begin one are held back, and when one matches, the answer is
 * cut before it and the engine is stopped. Throws synchronously when the queue is full.
 */
export function runPrepared(queue: EngineQueue, source: string, prepared: PreparedRequest, onPiece: (piece: Piece) => void, beforeStart?: () => void): RunHandle {
  const detector = new StopDetector<GeneratedToken>(prepared.stops);
  const pieces: Piece[] = [];
  let text = '';
  let received = 0;
  let matchedStop = false;
  let aborted = false;
  const release = (released: { text: string; payload: GeneratedToken }[]): void => {
    for (const { text: pieceText, payload } of released) {
      const piece = { text: pieceText, token: payload };
      pieces.push(piece);
      text += pieceText;
      onPiece(piece);
    }
  };
  const generation = queue.generate(
    source,
    prepared.request,
    ({ tokens }) => {
      for (const token of tokens) {
        // Tokens already on their way when we stopped (later in this batch, or in later ones) are not part of the answer.
        if (matchedStop || aborted) return;
        received++;
        // A reasoning model's thought and its markers are not the answer (they count as completion tokens).
        if (token.segment !== undefined) continue;
        const pushed = detector.push({ text: token.text, payload: token });
        release(pushed.release);
        if (pushed.stopped) {
          matchedStop = true;
          generation.stop();
        }
      }
    },
    beforeStart ? { beforeStart } : {},
  );
  const outcome = generation.result.then((result): RunOutcome => {
    if (!matchedStop && !aborted) release(detector.flush());
    const byLength = result.finishReason === 'max-tokens' || result.finishReason === 'context-full';
    return {
      text,
      pieces,
      finishReason: !matchedStop && byLength ? 'length' : 'stop',
      promptTokens: result.promptTokens,
      completionTokens: matchedStop ? received : result.tokens,
      result,
    };
  });
  return {
    outcome,
    abort: () => {
      if (aborted) return;
      aborted = true;
      generation.stop();
    },
  };
}
