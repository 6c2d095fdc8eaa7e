/** Types for scripts/move-modules.mjs (a plain Node script, imported by its test). */
export declare function expandMoves(moves: Record<string, string>, files: string[]): Map<string, string>;
export declare function rewriteImports(text: string, file: string, dest: string, moved: Map<string, string>, known: string[]): string;
