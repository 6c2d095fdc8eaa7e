import { APP_SOURCE, EngineQueue } from '../services/engine-queue';
import { DEFAULT_API_PORT, MIN_API_KEY_LENGTH } from '../contract/api-server';
import { modelId } from '../api-server/requests';
import { isLoopbackHost, normalizeOrigin } from '../api-server/access';
import { startApiServer } from '../api-server/server';
import { DEFAULT_LOAD_OPTIONS } from '../contract/engine-protocol';
import type { ModelState } from '../contract/model';
import { intOption, parse, UsageError } from './args';
import { createLocalEngine } from './local-engine';

/**
 * `glassbox serve --model MODEL.gguf`: the OpenAI-compatible API without the app. The first line
 * on stdout is the base URL (once the model is loaded); a log line per request goes to stderr.
 */
export async function runServe(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      model: { type: 'string', short: 'm' },
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      threads: { type: 'string' },
    },
    false,
  );
  if (positionals.length > 0) throw new UsageError(`Unexpected argument: ${positionals[0]}`);
  if (values.model === undefined || values.model.length === 0) throw new UsageError('serve needs a model: glassbox serve --model MODEL.gguf');
  const port = intOption(values.port, 'port', 0, 65535) ?? DEFAULT_API_PORT;
  const threads = intOption(values.threads, 'threads', 1, 256) ?? null;
  const host = values.host ?? '127.0.0.1';
  // The environment keeps the key out of `ps` listings.
  const apiKey = values['api-key'] ?? process.env.GLASSBOX_API_KEY ?? null;
  if (apiKey !== null && apiKey.length < MIN_API_KEY_LENGTH) throw new UsageError(`--api-key must be at least ${MIN_API_KEY_LENGTH} characters.`);
  if (!isLoopbackHost(host) && apiKey === null) {
    throw new UsageError(`--host ${host} lets other computers use the model; it needs --api-key KEY (or GLASSBOX_API_KEY).`);
  }
  const allowedOrigins = values['allow-origin'] ?? [];
  for (const origin of allowedOrigins) {
    if (normalizeOrigin(origin) === null) throw new UsageError(`--allow-origin needs a web origin such as http://localhost:3000, not ${origin}.`);
  }

  const engine = createLocalEngine();
  const queue = new EngineQueue(engine, { unboundedSources: [APP_SOURCE] });
  try {
    const facts = await engine.load(values.model, { ...DEFAULT_LOAD_OPTIONS, threads });
    const state: ModelState = { status: 'loaded', facts };
    const server = await startApiServer({
      queue,
      modelState: () => state,
      host,
      port,
      apiKey,
      allowedOrigins,
      onRequest: (e) => {
        const tokens = e.completionTokens === null ? '' : ` ${e.promptTokens ?? 0}+${e.completionTokens} tokens`;
        process.stderr.write(`${new Date(e.at).toISOString()} ${e.client} ${e.method} ${e.path} ${e.status} ${e.durationMs.toFixed(0)} ms${tokens}\n`);
      },
    });
    process.stdout.write(`${server.baseUrl}\n`);
    process.stderr.write(
      `Serving ${modelId(facts)} (${facts.architecture}, ${facts.threads} thread(s), ${facts.gpu}) on ${server.baseUrl}` +
        `${apiKey === null ? '' : ' (API key required)'}. Press Ctrl+C to stop.\n`,
    );
    await new Promise<void>((resolvePromise) => {
      const shutdown = (): void => resolvePromise();
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
    await server.close();
    return 0;
  } finally {
    queue.stopAll();
    await engine.dispose();
  }
}
