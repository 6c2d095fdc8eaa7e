import { describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS, type GenerateRequest, type HostToEngine } from '../../../electron/contract/engine-protocol';
import { GlassboxError } from '../../../electron/contract/errors';
import { DEFAULT_SAMPLING, type ModelFacts } from '../../../electron/contract/model';
import { EngineHost } from '../../../electron/engine/host';
import type { EngineLauncher, EngineProcessHandle } from '../../../electron/engine/launcher';
import type { TokenBatch } from '../../../electron/contract/token-batch';

const FACTS: ModelFacts = {
  path: '/m.gguf', fileName: 'm.gguf', name: null, architecture: 'llama', layers: 1, embeddingLength: 8, attentionHeads: 1, kvHeads: 1,
  trainedContextLength: 64, contextSize: 64, vocabSize: 10, parameters: 100, fileSizeBytes: 1, chatTemplate: 'General', gpu: 'cpu', gpuLayers: 0, threads: 1,
};
const REQUEST: GenerateRequest = { messages: [{ role: 'user', content: 'hi' }], sampling: DEFAULT_SAMPLING, topAlternatives: 3 };

/** An in-memory engine process that answers loads and lets the test drive generations. */
class FakeProcess implements EngineProcessHandle {
  readonly pid: number;
  readonly received: HostToEngine[] = [];
  private messageListener: (message: unknown) => void = () => undefined;
  private exitListener: (code: number | null, signal: string | null) => void = () => undefined;

  constructor(pid: number) {
    this.pid = pid;
    queueMicrotask(() => this.reply({ type: 'ready', pid }));
  }
  send(message: HostToEngine): void {
    this.received.push(message);
    if (message.type === 'load') queueMicrotask(() => this.reply({ type: 'loaded', id: message.id, facts: FACTS }));
  }
  onMessage(listener: (message: unknown) => void): void {
    this.messageListener = listener;
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListener = listener;
  }
  kill(): void {
    this.exitListener(null, 'SIGTERM');
  }
  reply(message: unknown): void {
    this.messageListener(message);
  }
  crash(): void {
    this.exitListener(null, 'SIGSEGV');
  }
}

function launcher(): EngineLauncher & { processes: FakeProcess[] } {
  const processes: FakeProcess[] = [];
  return {
    processes,
    launch: () => {
      const p = new FakeProcess(100 + processes.length);
      processes.push(p);
      return p;
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('EngineHost', () => {
  it('starts lazily, rejects pending calls on a crash, then restarts and reloads the last model', async () => {
    const l = launcher();
    const host = new EngineHost(l);
    expect(l.processes).toHaveLength(0);
    await host.load('/m.gguf', DEFAULT_LOAD_OPTIONS);
    const crashes: string[] = [];
    host.onCrash((m) => crashes.push(m));

    const generation = host.generate(REQUEST, () => undefined);
    await tick();
    l.processes[0]!.crash();
    const error = await generation.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GlassboxError);
    expect((error as GlassboxError).kind).toBe('engine-crashed');
    expect((error as GlassboxError).message).toContain('SIGSEGV');
    expect(crashes).toHaveLength(1);
    expect(host.pid).toBeNull();

    const next = host.generate(REQUEST, () => undefined);
    await tick();
    const second = l.processes[1]!;
    expect(second.received.map((m) => m.type)).toEqual(['load', 'generate']);
    expect(second.received[0]).toMatchObject({ path: '/m.gguf', options: DEFAULT_LOAD_OPTIONS });
    const id = (second.received[1] as { id: number }).id;
    second.reply({ type: 'tokens', id, first: 0, tokens: [{ id: 1, text: 'a', p: 0.5, top: [] }] });
    second.reply({ type: 'garbage' }); // invalid messages are ignored
    second.reply({ type: 'generated', id, result: { status: 'complete', finishReason: 'eog', text: 'a', tokens: 1, promptTokens: 3, evaluatedPromptTokens: 3, ttftMs: 1, tokensPerSecond: null, totalMs: 2 } });
    expect((await next.result).text).toBe('a');
    await host.dispose();
    expect(crashes).toHaveLength(1); // dispose is not a crash
  });

  it("passes the worker's batch on whole, once, and drops a batch that fails validation", async () => {
    const l = launcher();
    const host = new EngineHost(l);
    await host.load('/m.gguf', DEFAULT_LOAD_OPTIONS);
    const heard: TokenBatch[] = [];
    const generation = host.generate(REQUEST, (batch) => heard.push(batch));
    await tick();
    const engine = l.processes[0]!;
    const id = (engine.received.at(-1) as { id: number }).id;
    const tokens = ['a', 'b', 'c'].map((text, i) => ({ id: i, text, p: 0.5, top: [] }));
    engine.reply({ type: 'tokens', id, first: 0, tokens });
    // One bad token spoils its whole message; an empty batch is no batch.
    engine.reply({ type: 'tokens', id, first: 3, tokens: [{ id: 3, text: 'd', p: 0.5, top: [] }, { id: 4, text: 'e', p: 2, top: [] }] });
    engine.reply({ type: 'tokens', id, first: 3, tokens: [] });
    engine.reply({ type: 'tokens', id, first: 3, tokens: [tokens[0]] });
    expect(heard).toEqual([
      { first: 0, tokens },
      { first: 3, tokens: [tokens[0]] },
    ]);
    engine.reply({ type: 'generated', id, result: { status: 'complete', finishReason: 'eog', text: 'abca', tokens: 4, promptTokens: 3, evaluatedPromptTokens: 3, ttftMs: 1, tokensPerSecond: null, totalMs: 2 } });
    await generation.result;
    await host.dispose();
  });

  it('delivers a stop that came before the request was sent', async () => {
    const l = launcher();
    const host = new EngineHost(l);
    const generation = host.generate(REQUEST, () => undefined);
    generation.stop();
    await tick();
    expect(l.processes[0]!.received.map((m) => m.type)).toEqual(['generate', 'stop']);
    await host.dispose();
    await generation.result.catch(() => undefined);
  });
});
