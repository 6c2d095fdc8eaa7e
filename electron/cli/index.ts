import { UsageError } from './args';

const USAGE = `Glassbox: local GGUF models, opened up.

Usage:
  glassbox generate MODEL.gguf --prompt TEXT [--max-tokens N] [--top-k K] [--temperature T] [--seed S] [--threads N] [--json]
  glassbox inspect MODEL.gguf [--json] [--types] [--context N]
  glassbox web [--model PATH] [--data-dir DIR] [--port N] [--threads N]
  glassbox serve --model MODEL.gguf [--port N] [--api-key KEY] [--host H] [--allow-origin URL]... [--threads N]
  glassbox bench [--json] [--quick] [--only SECTION,...]
  glassbox models list [--json] [--dir DIR]
  glassbox models pull MODEL [--dir DIR] [--sha256 HEX] [--json]
  glassbox ingest FILE... [--data-dir DIR] [--json]
  glassbox search QUERY [--data-dir DIR] [--top K] [--json]
  glassbox trace MODEL.gguf --prompt TEXT [--lens all|last|auto] [--threads N] [--json]
  glassbox help

generate  runs one prompt through the model and streams the answer; with --json, one JSON object
          per token ({text, id, p, top}) and a final {done, tokens, ttftMs, tokensPerSecond}.
inspect   describes a model from its GGUF header alone (no weights loaded): the module tree with
          Hugging Face names and shapes, heads, RoPE, vocabulary, parameters, KV cache size.
ingest    adds documents (PDF, DOCX, Markdown, HTML, text, code) to the library used for questions.
search    finds the best passages in the added documents (BM25); --json prints [{document, page, text, score}].
web       serves the app on 127.0.0.1 for a browser; the first line printed is its URL.
models    lists the .gguf files in the models folder (default <data dir>/models) from their headers,
          or downloads one (a catalogue id such as llama-3.2-1b-instruct, hf:user/repo/file.gguf, or
          an https:// link), resuming a partial download; GLASSBOX_HF_ENDPOINT changes the server.
trace     one forward pass read out of llama.cpp: every layer's attention per head, and the logit lens
          (each layer's residual through the final norm and output head); --json prints
          {tokens: [{id, text}], layers: [{index, attention[head][query][key], lens: [{position, top}]}]}.
serve     an OpenAI-compatible API (with real logprobs) on 127.0.0.1; the first line printed is its
          base URL. Another --host needs --api-key.`;

// Each command is loaded only when asked for, so `glassbox web` does not pay for the inspector or
// the benchmarks at start-up.
const commands: Record<string, (argv: string[]) => Promise<number>> = {
  generate: async (argv) => (await import('./generate')).runGenerate(argv),
  web: async (argv) => (await import('./web')).runWeb(argv),
  serve: async (argv) => (await import('./serve')).runServe(argv),
  bench: async (argv) => (await import('./bench')).runBench(argv),
  inspect: async (argv) => (await import('./inspect')).runInspect(argv),
  models: async (argv) => (await import('./models')).runModels(argv),
  ingest: async (argv) => (await import('./ingest')).runIngest(argv),
  search: async (argv) => (await import('./search')).runSearch(argv),
  trace: async (argv) => (await import('./trace')).runTrace(argv),
  // Hidden: the documents worker thread runs the CLI bundle with this command (documents/indexer.ts).
  '__documents-worker': async () => (await import('../documents/indexer')).runWorkerThread(),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  const run = commands[command];
  if (!run) {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    const kind = typeof error === 'object' && error !== null && 'kind' in error ? `[${String(error.kind)}] ` : '';
    process.stderr.write(`glassbox ${command}: ${kind}${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
