/** Types for scripts/start-web.mjs (a plain Node script, imported by its test). */
export function browserOpener(platform?: NodeJS.Platform, env?: NodeJS.ProcessEnv): string[] | null;
export function startWebMode(root: string, args: string[]): void;
