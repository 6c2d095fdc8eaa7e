import { inspectGguf } from '../inspect/describe';
import { printDescription } from '../inspect/print-tree';
import { intOption, parse, UsageError } from './args';

/**
 * `glassbox inspect MODEL.gguf [--json] [--types] [--context N]`: the model's module tree and numbers,
 * from the GGUF header alone (no weights are loaded, so it is instant even for large models).
 */
export async function runInspect(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      json: { type: 'boolean', default: false },
      types: { type: 'boolean', default: false },
      context: { type: 'string' },
    },
    true,
  );
  const [modelPath, ...extra] = positionals;
  if (!modelPath) throw new UsageError('inspect needs a model file: glassbox inspect MODEL.gguf [--json]');
  if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra[0]}`);
  const contextLength = intOption(values.context, 'context', 1, 2 ** 24);

  const description = await inspectGguf(modelPath, contextLength !== undefined ? { contextLength } : {});
  const text = values.json === true ? JSON.stringify(description, null, 2) : printDescription(description, { types: values.types === true });
  process.stdout.write(`${text}\n`);
  return 0;
}
