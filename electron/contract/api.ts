import { z } from 'zod';
import { wireErrorSchema } from './errors';
import { modelFactsSchema, modelStateSchema, samplingSchema } from './model';
import { generatedTokenSchema } from './token';
import type { CallName } from './names';
import {
  conversationDetailSchema,
  conversationSummarySchema,
  generationStatsSchema,
  messageSchema,
  messageStatusSchema,
} from './conversation';

const id = z.string().min(1).max(100);
const empty = z.object({}).strict();

/**
 * Every call the renderer (or any client) can make, with the schema its arguments are validated
 * against on the receiving side and the shape of its result. Preload, IPC router, WebSocket server
 * and clients are all derived from this table; no other module names a call by a string literal
 * of its own.
 */
export const calls = {
  'app.info': {
    args: empty,
    result: z.object({
      version: z.string(),
      mode: z.enum(['electron', 'web']),
      dataDir: z.string(),
      platform: z.string(),
    }),
  },
  'model.state': { args: empty, result: modelStateSchema },
  'model.load': {
    args: z.object({ path: z.string().min(1).max(4096) }).strict(),
    result: modelFactsSchema,
  },
  'conversations.list': { args: empty, result: z.array(conversationSummarySchema) },
  'conversations.create': {
    args: z.object({ title: z.string().max(200).optional() }).strict(),
    result: conversationSummarySchema,
  },
  'conversations.get': { args: z.object({ id }).strict(), result: conversationDetailSchema },
  'chat.send': {
    args: z
      .object({
        conversationId: id,
        text: z.string().min(1).max(200_000),
        sampling: samplingSchema.partial().optional(),
      })
      .strict(),
    result: z.object({ userMessage: messageSchema, assistantMessage: messageSchema }),
  },
  'chat.stop': {
    args: z.object({ conversationId: id }).strict(),
    result: z.object({ stopped: z.boolean() }),
  },
} as const satisfies { [N in CallName]: { args: z.ZodType; result: z.ZodType } };

/** Events pushed to every connected client. Deltas only: a token event never carries the whole chat. */
export const events = {
  'chat.token': z.object({
    conversationId: z.string(),
    messageId: z.string(),
    index: z.number().int(),
    token: generatedTokenSchema,
  }),
  'chat.end': z.object({
    conversationId: z.string(),
    messageId: z.string(),
    status: messageStatusSchema,
    content: z.string(),
    stats: generationStatsSchema.nullable(),
    error: wireErrorSchema.nullable(),
  }),
  'model.state': modelStateSchema,
  'conversations.changed': z.object({ conversation: conversationSummarySchema }),
  'engine.crashed': z.object({ message: z.string() }),
} as const;

export type Calls = typeof calls;
export { CALL_NAMES, IPC_CHANNELS, isCallName, type CallName } from './names';
export type CallArgs<N extends CallName> = z.input<Calls[N]['args']>;
export type CallResult<N extends CallName> = z.output<Calls[N]['result']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** What a client sees, whatever the transport. Errors are thrown as GlassboxError. */
export interface GlassboxClient {
  call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}
