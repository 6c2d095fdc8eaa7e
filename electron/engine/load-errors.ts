import { stat } from 'node:fs/promises';
import { InsufficientMemoryError, readGgufFileInfo } from 'node-llama-cpp';
import { GlassboxError } from '../contract/errors';

/**
 * Turns a failed model load into an error the UI can act on. node-llama-cpp reports most failures
 * as a bare "Failed to load model" (the reason goes to llama.cpp's log) or as a TypeError from a
 * truncated header, so we look at the log lines and re-read the header to tell a broken file from
 * a machine that cannot run it.
 */
export async function classifyLoadError(error: unknown, path: string, recentLog: readonly string[]): Promise<GlassboxError> {
  if (error instanceof GlassboxError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const log = recentLog.join(' ').trim();
  if (code === 'ENOENT') return new GlassboxError('not-found', `No model file at ${path}.`, { cause: error });
  if (code === 'EISDIR') return new GlassboxError('not-found', `${path} is a folder, not a model file.`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') {
    return new GlassboxError('model-load-failed', `Glassbox may not read ${path}: check the file's permissions.`, { cause: error });
  }
  if (error instanceof InsufficientMemoryError || /out of memory|failed to allocate|unable to allocate/i.test(`${message} ${log}`)) {
    return new GlassboxError('model-too-large', `Not enough memory to load this model (${message}). Try a smaller model or a smaller context.`, { cause: error });
  }
  const headerProblem = await headerError(path);
  if (headerProblem !== null) {
    return new GlassboxError('model-invalid', `${fileName(path)} is not a valid GGUF model: ${headerProblem}`, { cause: error });
  }
  if (/corrupt|incomplete|not within the file bounds|invalid|magic/i.test(log)) {
    return new GlassboxError('model-invalid', `${fileName(path)} is corrupt or incomplete: ${lastLine(recentLog)}`, { cause: error });
  }
  const detail = log.length > 0 ? ` (${lastLine(recentLog)})` : '';
  return new GlassboxError('model-load-failed', `Could not load ${fileName(path)}: ${message}${detail}`, { cause: error });
}

/** Why the GGUF header cannot be read, or null when it reads fine. */
async function headerError(path: string): Promise<string | null> {
  try {
    // The reader is lenient: at the end of a truncated file it returns what it got, so check what is missing.
    const info = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false, sourceType: 'filesystem' });
    if (typeof info.metadata.general?.architecture !== 'string') return 'its header is incomplete (no general.architecture), the file is probably truncated.';
    const size = (await stat(path)).size;
    const beyond = (info.fullTensorInfo ?? []).find((t) => Number(t.fileOffset) >= size);
    if (beyond !== undefined) return `the data of tensor ${beyond.name} lies past the end of the file, the file is truncated.`;
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/magic/i.test(message)) return 'the file does not start with the GGUF signature.';
    return `its header could not be read, the file is probably truncated or corrupt (${message}).`;
  }
}

function lastLine(lines: readonly string[]): string {
  return (lines[lines.length - 1] ?? '').trim();
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
