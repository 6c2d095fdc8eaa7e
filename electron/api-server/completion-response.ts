import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { EngineQueue } from '../services/engine-queue';
import type { ModelFacts } from '../contract/model';
import { sendJson, writeEvent } from './http';
import { modelId, type PreparedRequest } from './requests';
import { chatLogprob, legacyLogprobs, usageOf } from './responses';
import { runPrepared, type Piece, type RunHandle, type RunOutcome } from './run';

const SYSTEM_FINGERPRINT = 'glassbox';

export interface CompletionJob {
  queue: EngineQueue;
  /** The queue source: who this client is (see access.ts connectionIdentity). */
  source: string;
  prepared: PreparedRequest;
  /** The model the request was accepted for; the answer names it. */
  facts: ModelFacts;
  kind: 'chat' | 'text';
  /** Runs when the request's turn comes; throws when its model is no longer the loaded one. */
  beforeStart: () => void;
  /** Every running answer, so that closing the server stops them. */
  inFlight: Set<RunHandle>;
}

/** Runs one completion through the queue and answers it, streamed or whole; the client leaving stops the generation. */
export async function answerCompletion(response: ServerResponse, job: CompletionJob): Promise<{ promptTokens: number; completionTokens: number }> {
  const { prepared, kind } = job;
  const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const object = kind === 'chat' ? (prepared.stream ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion';
  const head = { id, object, created, model: modelId(job.facts), system_fingerprint: SYSTEM_FINGERPRINT };
  const usageNull = prepared.includeUsage ? { usage: null } : {};
  const top = prepared.logprobs?.top ?? null;
  let textOffset = 0;

  const onPiece = prepared.stream
    ? (piece: Piece): void => {
        if (kind === 'chat') {
          const logprobs = top === null ? null : { content: [chatLogprob(piece.text, piece.token, top)], refusal: null };
          writeEvent(response, { ...head, choices: [{ index: 0, delta: { content: piece.text }, logprobs, finish_reason: null }], ...usageNull });
        } else {
          const logprobs = top === null ? null : legacyLogprobs([piece], top, textOffset);
          writeEvent(response, { ...head, choices: [{ index: 0, text: piece.text, logprobs, finish_reason: null }], ...usageNull });
          textOffset += piece.text.length;
        }
      }
    : (): void => {};

  const run = runPrepared(job.queue, job.source, prepared, onPiece, job.beforeStart);
  job.inFlight.add(run);
  response.on('close', () => {
    if (!response.writableFinished) run.abort();
  });
  // A client that left while its body was being read is already gone: 'close' will not come again.
  if (response.destroyed) run.abort();
  if (prepared.stream) {
    response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    // The role comes first, as OpenAI sends it; the client knows it is queued.
    if (kind === 'chat') {
      writeEvent(response, { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], ...usageNull });
    }
  }
  let outcome: RunOutcome;
  try {
    outcome = await run.outcome;
  } finally {
    job.inFlight.delete(run);
  }
  const tokens = { promptTokens: outcome.promptTokens, completionTokens: outcome.completionTokens };
  if (response.writableEnded || response.destroyed) return tokens;
  const usage = usageOf(outcome.promptTokens, outcome.completionTokens);
  if (prepared.stream) {
    const last = kind === 'chat'
      ? { index: 0, delta: {}, logprobs: null, finish_reason: outcome.finishReason }
      : { index: 0, text: '', logprobs: null, finish_reason: outcome.finishReason };
    writeEvent(response, { ...head, choices: [last], ...usageNull });
    if (prepared.includeUsage) writeEvent(response, { ...head, choices: [], usage });
    response.end('data: [DONE]\n\n');
  } else if (kind === 'chat') {
    const logprobs = top === null ? null : { content: outcome.pieces.map((p) => chatLogprob(p.text, p.token, top)), refusal: null };
    const message = { role: 'assistant', content: outcome.text, refusal: null };
    sendJson(response, 200, { ...head, choices: [{ index: 0, message, logprobs, finish_reason: outcome.finishReason }], usage });
  } else {
    const logprobs = top === null ? null : legacyLogprobs(outcome.pieces, top, 0);
    sendJson(response, 200, { ...head, choices: [{ index: 0, text: outcome.text, logprobs, finish_reason: outcome.finishReason }], usage });
  }
  return tokens;
}
