import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createServices, type Services } from '../../../electron/services/services';
import type { CallArgs, EventPayload } from '../../../electron/contract/api';
import { createInMemoryClient, type PortClient } from '../../../electron/contract/rpc';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import type { GeneratedToken } from '../../../electron/contract/token';

export type End = EventPayload<'chat.end'>;
type Client = PortClient & { close(): void };

/** Greedy, and long enough that an answer ends on the model's own end of turn, not on the limit. */
export const GREEDY = { temperature: 0, maxTokens: 160 } as const;

export interface RealModelSession {
  readonly client: Client;
  readonly services: Services;
  readonly dataDir: string;
}

/** The app's services with the real engine and a real SQLite file, one model loaded once for the whole test file. */
export function useRealModel(path: () => string): RealModelSession {
  let services: Services | undefined;
  let client: Client | undefined;
  let dataDir = '';
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gb-real-'));
    services = createServices({ dataDir, mode: 'web', version: 'test', engine: new EngineHost(createNodeLauncher()) });
    client = createInMemoryClient(services.router, services.hub);
    // One thread: a 135M-270M model decodes fastest on one, and spinning threads on a shared 2-core
    // machine slow everything else down (MEASURED.md, Threads).
    await client.call('model.load', { path: path(), settings: { threads: 1 } });
  });
  afterAll(async () => {
    client?.close();
    await services?.dispose();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The model is not loaded yet (use the session inside a test).');
    return value;
  };
  return {
    get client() {
      return ready(client);
    },
    get services() {
      return ready(services);
    },
    get dataDir() {
      return dataDir;
    },
  };
}

/** The answer a call starts (chat.send, chat.edit, chat.regenerate, chat.branchFromToken), with its streamed tokens in order. */
export async function answerOf<T>(client: Client, conversationId: string, start: () => Promise<T>): Promise<{ started: T; tokens: GeneratedToken[]; end: End }> {
  const tokens: GeneratedToken[] = [];
  const offToken = client.on('chat.tokens', (e) => {
    if (e.conversationId === conversationId) tokens.push(...e.tokens);
  });
  let offEnd = (): void => {};
  const ended = new Promise<End>((resolve) => {
    offEnd = client.on('chat.end', (e) => {
      if (e.conversationId === conversationId) resolve(e);
    });
  });
  try {
    const started = await start();
    return { started, tokens, end: await ended };
  } finally {
    offToken();
    offEnd();
  }
}

/** Sends a prompt; without `sampling`, the conversation's own settings apply. */
export function send(client: Client, conversationId: string, text: string, sampling?: CallArgs<'chat.send'>['sampling']) {
  return answerOf(client, conversationId, () => client.call('chat.send', { conversationId, text, ...(sampling ? { sampling } : {}) }));
}

/** A new conversation with a system prompt and (greedy) sampling. */
export async function conversationWith(client: Client, systemPrompt: string, sampling: CallArgs<'conversations.setSampling'>['sampling'] = GREEDY): Promise<string> {
  const { id } = await client.call('conversations.create', {});
  await client.call('conversations.setSystemPrompt', { id, systemPrompt });
  await client.call('conversations.setSampling', { id, sampling });
  return id;
}

/** Template markup that must never reach the saved text (ChatML's and Gemma's turn markers). */
export const TEMPLATE_MARKUP = /<\|im_start\|>|<\|im_end\|>|<start_of_turn>|<end_of_turn>|<\|endoftext\|>|<eos>|<bos>/;
