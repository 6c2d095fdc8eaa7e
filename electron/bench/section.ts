/**
 * One part of `glassbox bench`. Each section measures against a baseline run in the same process
 * (never against a fixed time), and returns flat numbers under its own prefix (store.*, decode.*, ui.*).
 */
export interface BenchContext {
  /** Scratch folder for generated models and databases. */
  workDir: string;
  /** Smaller sizes for a quick run (`--quick`), e.g. in tests. */
  quick: boolean;
  log(line: string): void;
}

export interface BenchSection {
  name: string;
  run(context: BenchContext): Promise<Record<string, number | string | null>>;
}
