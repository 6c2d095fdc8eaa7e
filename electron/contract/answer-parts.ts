import type { GeneratedToken } from './token';

/**
 * The two texts an answer's tokens spell: the answer itself and a reasoning model's thought
 * (engine/segments.ts labels each token; marker tokens such as `<think>` are in neither). The chat
 * service and the renderer both build a streaming message's texts this way, so the saved answer is
 * exactly its answer tokens' text and the Thinking block exactly its thought tokens'.
 */
export class AnswerParts {
  content = '';
  thought = '';

  constructor(tokens: readonly GeneratedToken[] = []) {
    for (const token of tokens) this.push(token);
  }

  push(token: GeneratedToken): void {
    if (token.segment === undefined) this.content += token.text;
    else if (token.segment === 'thought') this.thought += token.text;
  }
}

/** The tokens of one part of an answer, each with its index in the whole token list (for branching and the explorer). */
export function tokensOfPart(tokens: readonly GeneratedToken[], part: 'answer' | 'thought'): { token: GeneratedToken; index: number }[] {
  const wanted = part === 'thought' ? 'thought' : undefined;
  const out: { token: GeneratedToken; index: number }[] = [];
  tokens.forEach((token, index) => {
    if (token.segment === wanted) out.push({ token, index });
  });
  return out;
}
