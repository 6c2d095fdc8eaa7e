import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchSection } from '../bench/section';
import { parse, UsageError } from './args';

/** Every section `glassbox bench` runs, in order; `--only NAME` picks some. */
async function sections(): Promise<BenchSection[]> {
  const [{ storeBench }, { decodeBench }, { decodeRealBench }, { documentsBench }, { uiBench }, { inspectBench }, { traceBench }] = await Promise.all([
    import('../bench/store-bench'),
    import('../bench/decode-bench'),
    import('../bench/decode-real-bench'),
    import('../bench/documents-bench'),
    import('../bench/ui-bench'),
    import('../bench/inspect-bench'),
    import('../bench/trace-bench'),
  ]);
  return [storeBench, decodeBench, decodeRealBench, documentsBench, uiBench, inspectBench, traceBench];
}

/** `glassbox bench [--json] [--quick] [--only store,decode]`: performance as ratios and medians. */
export async function runBench(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, only: { type: 'string' } },
    false,
  );
  if (positionals.length > 0) throw new UsageError(`Unexpected argument: ${positionals[0]}`);
  const only = values.only?.split(',').map((s) => s.trim());
  const workDir = mkdtempSync(join(tmpdir(), 'glassbox-bench-'));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const report: Record<string, Record<string, number | string | null>> = {};
  const failed: string[] = [];
  try {
    for (const section of await sections()) {
      if (only && !only.includes(section.name)) continue;
      log(`bench: ${section.name}...`);
      try {
        report[section.name] = await section.run({ workDir, quick: values.quick === true, log });
        log(`bench: ${section.name}: ${JSON.stringify(report[section.name])}`);
      } catch (error) {
        // One failing section must not lose the others' figures; the exit code still says so.
        failed.push(section.name);
        report[section.name] = { error: error instanceof Error ? error.message : String(error) };
        log(`bench: ${section.name} failed: ${report[section.name]?.error}`);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else for (const [name, figures] of Object.entries(report)) for (const [k, v] of Object.entries(figures)) process.stdout.write(`${name}.${k}: ${v}\n`);
  return failed.length === 0 ? 0 : 1;
}
