import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../services/app-info';
import type { Services } from '../services/services';
import { toWireError } from '../contract/glassbox-error';
import { startWebServer } from '../web/server';
import { intOption, parse, UsageError } from './args';
import { outDir } from './paths';

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(outDir(), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `glassbox web`: the whole app for a browser, on 127.0.0.1. The first line printed is the URL. */
export async function runWeb(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      model: { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      threads: { type: 'string' },
    },
    false,
  );
  if (positionals.length > 0) throw new UsageError(`Unexpected argument: ${positionals[0]}`);
  const port = intOption(values.port, 'port', 0, 65535) ?? 0;
  const threads = intOption(values.threads, 'threads', 1, 256) ?? null;
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());

  // The services (the database, zod's schemas, document parsers) take most of a second to load;
  // the page takes as long in the browser, so both happen at once: the server answers the page
  // now and its first calls as soon as the services are up.
  const starting = startServices(dataDir, threads);
  // A tab that falls behind is caught up from the answer itself (web/socket-sender.ts).
  const backend = starting.then((s) => ({ router: s.router, hub: s.hub, tokensSince: (messageId: string, from: number) => s.chat.tokensSince(messageId, from) }));
  const server = await startWebServer({ backend, rendererDir: join(outDir(), 'renderer'), port });
  process.stdout.write(`${server.url}\n`);
  const stopped = new Promise<void>((resolvePromise) => {
    process.once('SIGINT', () => resolvePromise());
    process.once('SIGTERM', () => resolvePromise());
  });

  let services: Services;
  try {
    services = await starting;
  } catch (error) {
    await server.close();
    throw error;
  }
  process.stderr.write(`Glassbox web mode: data in ${dataDir}. Press Ctrl+C to stop.\n`);

  const modelPath = values.model ?? services.models.lastPath();
  if (modelPath) {
    services.models.load(modelPath).then(
      (facts) => process.stderr.write(`Loaded ${facts.fileName} (${facts.architecture}, ${facts.threads} threads, ${facts.gpu}).\n`),
      (error: unknown) => process.stderr.write(`Could not load ${modelPath}: ${toWireError(error).message}\n`),
    );
  }

  await stopped;
  await server.close();
  await services.dispose();
  return 0;
}

async function startServices(dataDir: string, threads: number | null): Promise<Services> {
  const [{ createServices }, { createLocalEngine }] = await Promise.all([import('../services/services'), import('./local-engine')]);
  return createServices({
    dataDir,
    mode: 'web',
    version: packageVersion(),
    engine: createLocalEngine(),
    loadOptions: { threads },
  });
}
