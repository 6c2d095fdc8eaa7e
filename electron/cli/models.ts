import { join, resolve } from 'node:path';
import { defaultDataDir } from '../services/app-info';
import { CATALOGUE } from '../models/catalogue';
import { formatBytes } from '../models/fit';
import { listModels, pullModel } from '../models/library';
import { parse, UsageError } from './args';

/**
 * `glassbox models list [--json] [--dir DIR]` and `glassbox models pull URI [--dir DIR] [--json]`.
 * The folder defaults to <data dir>/models (the app's default; a folder chosen in the app's settings
 * is not read from here, pass it with --dir). `pull` accepts a catalogue id, hf:user/repo/file.gguf
 * or an https:// link, resumes a partial download, and stops cleanly on Ctrl+C (the partial file is
 * kept for the next pull). `--sha256 HEX` pins the file's hash: a download that does not match is
 * not moved into place.
 */
export async function runModels(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list(rest);
  if (sub === 'pull') return pull(rest);
  throw new UsageError(sub === undefined ? 'models needs a subcommand: list or pull.' : `Unknown models subcommand "${sub}".`);
}

function folder(dir: string | undefined, dataDir: string | undefined): string {
  if (dir !== undefined) return resolve(dir);
  return join(resolve(dataDir ?? defaultDataDir()), 'models');
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false }, dir: { type: 'string' }, 'data-dir': { type: 'string' } }, false);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument: ${positionals[0]}`);
  const dir = folder(values.dir, values['data-dir']);
  const models = await listModels(dir);
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ dir, models }, null, 2)}\n`);
    return 0;
  }
  if (models.length === 0) {
    process.stdout.write(`No models in ${dir}.\nDownload one with: glassbox models pull ${CATALOGUE[0]?.id ?? 'hf:user/repo/file.gguf'}\n`);
    return 0;
  }
  process.stdout.write(`${dir}\n`);
  for (const m of models) {
    const params = m.parameters !== null ? `${(m.parameters / 1e9).toFixed(2)}B` : '?';
    const what = m.problem ?? `${m.architecture ?? '?'}, ${params} parameters, ${m.quantization ?? '?'}, ${m.layers ?? '?'} layers`;
    process.stdout.write(`  ${m.fileName}  ${formatBytes(m.sizeBytes)}  ${what}\n`);
  }
  return 0;
}

async function pull(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { json: { type: 'boolean', default: false }, dir: { type: 'string' }, 'data-dir': { type: 'string' }, sha256: { type: 'string' } },
    true,
  );
  const [target, ...extra] = positionals;
  if (!target) throw new UsageError(`pull needs a model: a catalogue id (${CATALOGUE.map((m) => m.id).join(', ')}), hf:user/repo/file.gguf or an https:// link.`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra[0]}`);
  const model = CATALOGUE.find((m) => m.id === target);
  const uri = model?.uri ?? target;
  const dir = folder(values.dir, values['data-dir']);
  const json = values.json === true;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  let lastLine = 0;
  try {
    const result = await pullModel(uri, dir, {
      signal: abort.signal,
      ...(values.sha256 !== undefined ? { sha256: checkedSha256(values.sha256) } : model?.sha256 ? { sha256: model.sha256 } : {}),
      onProgress: (p) => {
        if (json) {
          process.stdout.write(`${JSON.stringify({ progress: p })}\n`);
          return;
        }
        const now = Date.now();
        if (now - lastLine < 500 && p.receivedBytes !== p.totalBytes) return;
        lastLine = now;
        const total = p.totalBytes !== null ? ` of ${formatBytes(p.totalBytes)}` : '';
        const eta = p.secondsLeft !== null ? `, ${Math.ceil(p.secondsLeft)} s left` : '';
        process.stderr.write(`${formatBytes(p.receivedBytes)}${total} at ${formatBytes(p.bytesPerSecond)}/s${eta}\n`);
      },
    });
    if (json) process.stdout.write(`${JSON.stringify({ done: true, ...result })}\n`);
    else process.stdout.write(`${result.path}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

function checkedSha256(value: string): string {
  if (!/^[0-9a-f]{64}$/i.test(value)) throw new UsageError('--sha256 takes 64 hexadecimal digits.');
  return value.toLowerCase();
}
