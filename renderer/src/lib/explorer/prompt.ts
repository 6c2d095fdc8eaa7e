/** The prompt view's words: how surprising a user's prompt was to the model. */

/** "how surprising your prompt was to the model: perplexity 12.3 ≈ as unsure as picking among 12 equally likely tokens". */
export function perplexityText(perplexity: number | null): string {
  if (perplexity === null || !Number.isFinite(perplexity)) {
    return 'Perplexity: not available (no token of this prompt had anything before it to be predicted from).';
  }
  const shown = perplexity < 100 ? perplexity.toFixed(1) : String(Math.round(perplexity));
  const among = Math.max(1, Math.round(perplexity));
  const choices = among === 1 ? 'as sure as if there were only 1 possible token' : `as unsure as picking among ${among} equally likely tokens`;
  return `Perplexity ${shown}: how surprising your prompt was to the model; ${choices}.`;
}
