import { intOption, parse, UsageError } from './args';
import type { ForwardTrace, LensChoice } from '../trace/forward-trace';

const LENS_CHOICES: readonly LensChoice[] = ['all', 'last', 'auto'];

/** The documented --json shape: tokens, then per layer its attention [head][query][key] and its lens at each position. */
export interface TraceJson {
  tokens: { id: number; text: string }[];
  layers: { index: number; attention: number[][][]; lens: { position: number; top: { id: number; text: string; p: number }[] }[] }[];
}

export function traceJson(trace: ForwardTrace, attention: ReadonlyMap<number, Float32Array>): TraceJson {
  const n = trace.tokens.length;
  const heads = trace.model.heads;
  return {
    tokens: trace.tokens,
    layers: trace.layers.map((layer) => {
      const flat = attention.get(layer.index) ?? new Float32Array(heads * n * n);
      return {
        index: layer.index,
        attention: Array.from({ length: heads }, (_, h) => Array.from({ length: n }, (_, q) => Array.from(flat.subarray((h * n + q) * n, (h * n + q + 1) * n)))),
        lens: trace.lens.map((position) => ({ position: position.position, top: position.layers[layer.index]?.top ?? [] })),
      };
    }),
  };
}

function describe(trace: ForwardTrace): string {
  const { model } = trace;
  const last = trace.lens[trace.lens.length - 1];
  const lines = [
    `${model.architecture}: ${model.layers} layers, ${model.heads} query heads sharing ${model.kvHeads} KV heads${model.slidingWindow === null ? '' : `, sliding window ${model.slidingWindow}`}`,
    `${trace.tokens.length} tokens: ${trace.tokens.map((t) => JSON.stringify(t.text)).join(' ')}`,
    `forward pass ${trace.timings.forwardMs.toFixed(0)} ms, logit lens ${trace.timings.lensMs.toFixed(0)} ms`,
    '',
    `layer  entropy(bits)  first-token share  lens at the last position (top 3)  p(${JSON.stringify(last?.final[0]?.text ?? '')})`,
  ];
  for (const layer of trace.layers) {
    const entropy = layer.heads.reduce((sum, h) => sum + h.entropy, 0) / Math.max(1, layer.heads.length);
    const sink = layer.heads.reduce((sum, h) => sum + h.firstTokenShare, 0) / Math.max(1, layer.heads.length);
    const lens = last?.layers[layer.index];
    const top = (lens?.top ?? []).slice(0, 3).map((c) => `${JSON.stringify(c.text)} ${c.p.toFixed(3)}`).join(', ');
    lines.push(`${String(layer.index).padStart(5)}${layer.sliding ? '*' : ' '} ${entropy.toFixed(2).padStart(12)}  ${sink.toFixed(3).padStart(17)}  ${top.padEnd(34)}  ${(lens?.pFinal ?? 0).toFixed(4)}`);
  }
  if (model.slidingWindow !== null) lines.push('* a sliding-window layer');
  return `${lines.join('\n')}\n`;
}

/** `glassbox trace MODEL --prompt TEXT`: one forward pass read out of llama.cpp, here in this process. */
export async function runTrace(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      prompt: { type: 'string', short: 'p' },
      lens: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const [modelPath, ...extra] = positionals;
  if (!modelPath) throw new UsageError('trace needs a model file: glassbox trace MODEL.gguf --prompt TEXT');
  if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra[0]}`);
  if (values.prompt === undefined || values.prompt.length === 0) throw new UsageError('trace needs --prompt TEXT');
  const lens = (values.lens ?? 'all') as LensChoice;
  if (!LENS_CHOICES.includes(lens)) throw new UsageError(`--lens must be one of ${LENS_CHOICES.join(', ')}.`);
  const [{ TraceModelSession }, { traceText }] = await Promise.all([import('../trace/model-session'), import('../trace/forward-trace')]);
  const threads = intOption(values.threads, 'threads', 1, 256) ?? null;
  const session = await TraceModelSession.open(modelPath, { threads });
  try {
    const attention = new Map<number, Float32Array>();
    const json = values.json === true;
    const trace = await traceText(session, values.prompt, lens, { onAttention: json ? (layer, weights) => attention.set(layer, weights) : undefined });
    process.stdout.write(json ? `${JSON.stringify(traceJson(trace, attention))}\n` : describe(trace));
    return 0;
  } finally {
    session.close();
  }
}
