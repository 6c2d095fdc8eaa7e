import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../electron/services/services';
import type { EventPayload } from '../../../electron/contract/api';
import { createInMemoryClient, type PortClient } from '../../../electron/contract/rpc';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { STORIES_260K } from '../../models';

// Issue 18, item 5: a 512-token context that fills up must say why the answer stopped, refuse the
// next prompt with a kind the UI can act on, and go on once the oldest turns are dropped.

let services: Services;
let client: PortClient & { close(): void };

beforeAll(async () => {
  services = createServices({ dataDir: mkdtempSync(join(tmpdir(), 'gb-ctx-')), mode: 'web', version: 'test', engine: new EngineHost(createNodeLauncher()) });
  client = createInMemoryClient(services.router, services.hub);
  await client.call('model.load', { path: STORIES_260K(), settings: { contextSize: 512 } });
});

afterAll(async () => {
  client.close();
  await services.dispose();
});

async function ask(conversationId: string, text: string, maxTokens: number): Promise<EventPayload<'chat.end'>> {
  const ended = new Promise<EventPayload<'chat.end'>>((resolve) => {
    const off = client.on('chat.end', (e) => {
      if (e.conversationId !== conversationId) return;
      off();
      resolve(e);
    });
  });
  await client.call('chat.send', { conversationId, text, sampling: { temperature: 1, seed: 7, maxTokens } });
  return ended;
}

describe('a full context (512 tokens, stories260K)', () => {
  it('says the answer stopped on a full context, then on a second prompt, and goes on without the oldest turn', async () => {
    const { id } = await client.call('conversations.create', {});

    const first = await ask(id, 'Once upon a time', 4000);
    expect(first.status).toBe('complete');
    expect(first.stats?.finishReason).toBe('context-full');
    expect((first.stats?.promptTokens ?? 0) + (first.stats?.tokens ?? 0)).toBeGreaterThan(500);

    const second = await ask(id, 'And then?', 50);
    expect(second.status).toBe('error');
    expect(second.error?.kind).toBe('context-full');

    expect(await client.call('conversations.droppedTurns', { id })).toEqual({ turns: 0 });
    expect(await client.call('conversations.setDroppedTurns', { id, turns: 1 })).toEqual({ turns: 1 });
    const third = await ask(id, 'The end.', 20);
    expect(third.status).toBe('complete');
    expect(third.stats?.promptTokens).toBeLessThan(100);
    expect(await client.call('conversations.droppedTurns', { id })).toEqual({ turns: 1 });
  });

  it('records why a shorter answer ended: the answer length limit', async () => {
    const { id } = await client.call('conversations.create', {});
    const end = await ask(id, 'Once upon a time', 5);
    expect(end.stats?.tokens).toBe(5);
    expect(end.stats?.finishReason).toBe('max-tokens');
  });
});
