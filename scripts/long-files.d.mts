/** Types for scripts/long-files.mjs (a plain Node script, imported by its test). */
export declare const LINE_LIMIT: number;
export declare const SOURCE_DIRS: string[];
export declare function lineCount(text: string): number;
export declare function firstComment(text: string): string;
export declare function sourceFiles(root: string): string[];
export declare function longFilesWithoutReason(root: string, files?: string[], limit?: number): { file: string; lines: number }[];
