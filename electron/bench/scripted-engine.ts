import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ChatTurn, Embeddings, GenerateRequest, GenerateResult, LoadOptions, ScoredPrompt, TokenPiece } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { ModelFacts } from '../contract/model';
import type { Engine, Generation, OnTokens } from '../engine/engine';

const WORDS = ' the a little girl named Lily was very happy to play in the park with her dog and it was sunny'.split(' ');

/**
 * An engine that writes plausible tokens at a fixed rate. Only for benchmarks of what sits above
 * the engine (the store, the renderer), where the model's own speed must not vary the result.
 */
export class ScriptedEngine implements Engine {
  readonly pid = null;
  private facts: ModelFacts | null = null;

  constructor(private readonly tokensPerSecond: number) {}

  async load(path: string, _options: LoadOptions): Promise<ModelFacts> {
    this.facts = {
      path,
      fileName: basename(path),
      name: 'scripted',
      architecture: 'llama',
      layers: 16,
      embeddingLength: 2048,
      attentionHeads: 32,
      kvHeads: 8,
      trainedContextLength: 131072,
      contextSize: 4096,
      vocabSize: 128256,
      parameters: 1_235_814_400,
      fileSizeBytes: statSync(path).size,
      chatTemplate: 'scripted',
      gpu: 'cpu',
      gpuLayers: 0,
      threads: 1,
    };
    return this.facts;
  }

  async unload(): Promise<void> {
    this.facts = null;
  }

  generate(request: GenerateRequest, onTokens: OnTokens): Generation {
    let stopped = false;
    const started = performance.now();
    const total = request.sampling.maxTokens;
    const result = new Promise<GenerateResult>((resolve) => {
      let index = request.prefixTokens?.length ?? 0;
      let text = '';
      const timer = setInterval(() => {
        if (stopped || index >= total) {
          clearInterval(timer);
          const totalMs = performance.now() - started;
          resolve({
            status: stopped ? 'stopped' : 'complete',
            finishReason: stopped ? 'cancelled' : 'max-tokens',
            text,
            tokens: index,
            promptTokens: 100,
            evaluatedPromptTokens: 10,
            ttftMs: 1000 / this.tokensPerSecond,
            tokensPerSecond: (index * 1000) / totalMs,
            totalMs,
          });
          return;
        }
        const word = ` ${WORDS[index % WORDS.length] ?? 'the'}`;
        const p = 0.3 + ((index * 37) % 60) / 100;
        const top = [
          { id: index, text: word, p },
          { id: index + 1, text: ' and', p: (1 - p) / 2 },
          { id: index + 2, text: '.', p: (1 - p) / 4 },
        ];
        text += word;
        onTokens({ first: index, tokens: [{ id: index, text: word, p, top }] });
        index += 1;
      }, 1000 / this.tokensPerSecond);
    });
    return { result, stop: () => (stopped = true) };
  }

  async tokenize(text: string): Promise<TokenPiece[]> {
    return text.split(/(?=\s)/).map((piece, id) => ({ id, text: piece, special: false }));
  }

  async embed(_modelPath: string, _texts: string[]): Promise<Embeddings> {
    throw new GlassboxError('invalid-argument', 'The scripted benchmark engine makes no embeddings.');
  }

  async score(_messages: ChatTurn[], _topAlternatives: number): Promise<ScoredPrompt> {
    throw new GlassboxError('invalid-argument', 'The scripted engine does not score prompts.');
  }

  onCrash(): () => void {
    return () => {};
  }

  async dispose(): Promise<void> {}
}
