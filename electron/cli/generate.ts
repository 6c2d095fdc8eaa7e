import { DEFAULT_LOAD_OPTIONS } from '../contract/engine-protocol';
import { DEFAULT_SAMPLING, type Sampling } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import { intOption, numberOption, parse, UsageError } from './args';
import { createLocalEngine } from './local-engine';

/** `glassbox generate MODEL --prompt TEXT`: one prompt, streamed to stdout. */
export async function runGenerate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      prompt: { type: 'string', short: 'p' },
      'max-tokens': { type: 'string' },
      'top-k': { type: 'string' },
      temperature: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
      // Whole-vocabulary probabilities for every token (contract/probability-meaning.ts), ~1.5x slower on a 128k vocabulary.
      exact: { type: 'boolean', default: false },
    },
    true,
  );
  const [modelPath, ...extra] = positionals;
  if (!modelPath) throw new UsageError('generate needs a model file: glassbox generate MODEL.gguf --prompt TEXT');
  if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra[0]}`);
  if (values.prompt === undefined || values.prompt.length === 0) throw new UsageError('generate needs --prompt TEXT');

  const sampling: Sampling = {
    ...DEFAULT_SAMPLING,
    maxTokens: intOption(values['max-tokens'], 'max-tokens', 1, 32768) ?? 128,
    topK: intOption(values['top-k'], 'top-k', 1, 1000) ?? DEFAULT_SAMPLING.topK,
    temperature: numberOption(values.temperature, 'temperature', 0, 5) ?? DEFAULT_SAMPLING.temperature,
    seed: intOption(values.seed, 'seed', 0, 2 ** 32 - 1) ?? null,
  };
  const threads = intOption(values.threads, 'threads', 1, 256) ?? null;
  const json = values.json === true;
  const out = (line: string): void => void process.stdout.write(line);

  const engine = createLocalEngine();
  try {
    const facts = await engine.load(modelPath, { ...DEFAULT_LOAD_OPTIONS, threads });
    if (!json) process.stderr.write(`${facts.fileName}: ${facts.architecture}, ${facts.threads} thread(s), ${facts.gpu}\n`);
    const generation = engine.generate(
      { messages: [{ role: 'user', content: values.prompt }], sampling, topAlternatives: Math.min(sampling.topK, 10), exactProbabilities: values.exact === true },
      ({ tokens }) => out(tokens.map((token) => (json ? `${JSON.stringify(tokenLine(token))}\n` : token.text)).join('')),
    );
    const stopOnSignal = (): void => generation.stop();
    process.once('SIGINT', stopOnSignal);
    const result = await generation.result.finally(() => process.off('SIGINT', stopOnSignal));
    if (json) {
      // `meaning` says what every p above was: 'top-k-share' (the default) or 'whole-vocabulary' (--exact).
      out(`${JSON.stringify({ done: true, tokens: result.tokens, ttftMs: result.ttftMs, tokensPerSecond: result.tokensPerSecond, meaning: result.meaning ?? 'top-k-share' })}\n`);
    } else {
      out('\n');
      const speed = result.tokensPerSecond === null ? 'n/a' : result.tokensPerSecond.toFixed(1);
      process.stderr.write(`${result.tokens} tokens, first after ${result.ttftMs?.toFixed(0) ?? 'n/a'} ms, ${speed} tokens/s (${result.finishReason})\n`);
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}

/**
 * The documented per-token JSON line: {text, id, p, top: [{text, id, p}]} with top sorted by p, and
 * `segment` ('thought' or 'marker') on a reasoning model's thinking and the markers around it.
 */
function tokenLine(token: GeneratedToken): { text: string; id: number; p: number; top: { text: string; id: number; p: number }[]; segment?: 'thought' | 'marker' } {
  return {
    text: token.text,
    id: token.id,
    p: token.p,
    top: token.top.map(({ text, id, p }) => ({ text, id, p })),
    ...(token.segment !== undefined ? { segment: token.segment } : {}),
  };
}
