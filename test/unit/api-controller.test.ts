import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EngineQueue } from '../../electron/app/engine-queue';
import { ApiServerController } from '../../electron/api-server/controller';
import { prepareChat, toSampling } from '../../electron/api-server/requests';
import { chatCompletionRequestSchema } from '../../electron/api-server/openai-schema';
import { ApiError } from '../../electron/api-server/errors';
import { isGlassboxError } from '../../electron/contract/errors';
import type { ModelFacts } from '../../electron/contract/model';
import { EventHub } from '../../electron/contract/rpc';
import type { Engine } from '../../electron/engine/engine';

function memoryStore() {
  const values = new Map<string, string>();
  return { getSetting: (key: string) => values.get(key) ?? null, setSetting: (key: string, value: string) => void values.set(key, value) };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

const controllerWith = (store: ReturnType<typeof memoryStore>, hub = new EventHub()) =>
  new ApiServerController({ store, hub, queue: new EngineQueue({} as Engine), modelState: () => ({ status: 'none' }) });

describe('ApiServerController', () => {
  it('is off by default, starts on 127.0.0.1 when enabled, and remembers it', async () => {
    const store = memoryStore();
    const hub = new EventHub();
    const events: string[] = [];
    hub.subscribe((e) => events.push(e.name));
    const controller = controllerWith(store, hub);
    expect(controller.status).toMatchObject({ running: false, settings: { enabled: false, allowNetwork: false, apiKey: null } });
    const port = await freePort();
    const status = await controller.configure({ enabled: true, port });
    expect(status).toMatchObject({ running: true, baseUrl: `http://127.0.0.1:${port}/v1`, error: null });
    expect(events).toContain('apiServer.status');
    const response = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(await response.json()).toEqual({ object: 'list', data: [] });
    expect(controller.status.recent[0]).toMatchObject({ method: 'GET', path: '/v1/models', status: 200 });
    await controller.dispose();

    const again = controllerWith(store);
    expect(again.status.settings).toMatchObject({ enabled: true, port });
    expect((await again.restore()).running).toBe(true);
    await again.dispose();
  });

  it('refuses other computers without an API key, and reports a busy port in words', async () => {
    const controller = controllerWith(memoryStore());
    const refused = await controller.configure({ allowNetwork: true }).catch((e: unknown) => e);
    expect(isGlassboxError(refused, 'invalid-argument')).toBe(true);
    expect(controller.status.settings.allowNetwork).toBe(false);

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const status = await controller.configure({ enabled: true, port });
      expect(status.running).toBe(false);
      expect(status.error).toMatch(/already used/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await controller.dispose();
    }
  });
});

describe('OpenAI requests → engine requests', () => {
  const facts = { fileName: 'm.gguf', path: '/m.gguf', contextSize: 2048 } as ModelFacts;
  const body = (extra: Record<string, unknown>) => chatCompletionRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('uses OpenAI’s defaults and asks for at least ten alternatives', () => {
    const prepared = prepareChat(body({ logprobs: true, top_logprobs: 20 }), facts);
    expect(prepared.request.sampling).toMatchObject({ temperature: 1, topP: 1, minP: 0, topK: 40, seed: null, maxTokens: 2048 });
    expect(prepared.request.topAlternatives).toBe(20);
    expect(prepareChat(body({ logprobs: true, top_logprobs: 3 }), facts).request.topAlternatives).toBe(10);
    expect(prepareChat(body({ logprobs: true, top_logprobs: 3 }), facts).logprobs).toEqual({ top: 3 });
  });

  it('maps seeds, top_p 0 and message roles, and refuses what it cannot do', () => {
    expect(toSampling({ seed: -1 }, 5).seed).toBe(2 ** 32 - 1);
    expect(toSampling({ seed: 2 ** 40 + 3 }, 5).seed).toBe(3);
    expect(toSampling({ top_p: 0, temperature: 1 }, 5)).toMatchObject({ temperature: 0, topP: 1 });
    const turns = prepareChat(body({ messages: [{ role: 'developer', content: [{ type: 'text', text: 'be brief' }] }, { role: 'user', content: 'hi' }] }), facts).request.messages;
    expect(turns).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
    const refusals = [{ n: 2 }, { top_logprobs: 2 }, { tools: [{}] }, { presence_penalty: 1 }, { messages: [{ role: 'tool', content: 'x' }] }];
    for (const extra of refusals) {
      let error: unknown = null;
      try {
        prepareChat(body(extra), facts);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(extra)).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(400);
    }
  });
});
