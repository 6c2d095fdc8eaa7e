import { DEFAULT_TITLE } from '../contract/conversation';

const MAX_TITLE = 60;

/** A conversation's first title: its first prompt's first line, cut at a word boundary. */
export function titleFromPrompt(prompt: string): string {
  const line = prompt.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  const clean = line.replace(/\s+/g, ' ');
  if (clean.length === 0) return DEFAULT_TITLE;
  if (clean.length <= MAX_TITLE) return clean;
  const cut = clean.slice(0, MAX_TITLE);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_TITLE / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
