/** Types for scripts/llama-bench.mjs (a plain Node script, imported by its test). */
export function bundledRelease(): string;
export function llamaBenchPath(): string;
