import type { ChunkHit, ChunkRow } from './documents-store';
import type { DocumentInfo, Source } from '../contract/documents';
import { APPROX_CHARS_PER_TOKEN } from './chunk';
import { contextBlock, wholePages } from './retrieval';

/**
 * Which passages of the attached documents fit in the model's context (pure: the store is reached
 * only through the `chunksOf` reader it is given). The service ranks; this decides what is sent.
 */

/** What the chat needs to fit passages in the model's context. */
export interface ContextBudget {
  contextSize: number;
  /** Tokens the answer may take (sampling.maxTokens). */
  answerTokens: number;
  /** Characters of everything else in the prompt (system prompt and history). */
  promptChars: number;
}

export interface DocumentContext {
  /** Added to the system prompt: the instruction and the numbered, delimited passages. */
  system: string;
  sources: Source[];
}

/** The chat's view of the documents service (chat-service.ts calls only these). */
export interface DocumentContextProvider {
  retrieveContext(conversationId: string, question: string, budget: ContextBudget): Promise<DocumentContext | null>;
  saveSources(messageId: string, sources: readonly Source[]): void;
  /**
   * The passages an answer was given, as the prompt held them, rebuilt from its saved sources (null:
   * it had none). A first passage that was cut to fit comes back whole, so that prompt does not
   * match its fingerprint and its exact numbers are refused rather than computed on another prompt.
   */
  contextOf(messageId: string): string | null;
}

/** Room kept for the instruction, delimiters and the chat template's own tokens. */
const OVERHEAD_TOKENS = 96;
/** A passage is never cut below this many tokens: a sliver would be useless. */
const MIN_PASSAGE_TOKENS = 48;

/** Tokens left for passages once the answer, the rest of the prompt and the overhead have theirs. */
export function passageTokens(budget: ContextBudget): number {
  const answerRoom = Math.min(budget.answerTokens, Math.floor(budget.contextSize / 4));
  return Math.max(
    MIN_PASSAGE_TOKENS,
    budget.contextSize - answerRoom - Math.ceil(budget.promptChars / APPROX_CHARS_PER_TOKEN) - OVERHEAD_TOKENS,
  );
}

/** True when every attached document can be given whole. */
export function fitsWhole(documents: readonly DocumentInfo[], budget: ContextBudget): boolean {
  return documents.reduce((sum, d) => sum + d.tokens, 0) <= passageTokens(budget);
}

/**
 * The numbered passages for the prompt: whole documents page by page when they fit, else the
 * ranked `hits` as many as fit, else (nothing matched) the start of each document. Null when none.
 */
export function buildContext(
  documents: readonly DocumentInfo[],
  budget: ContextBudget,
  hits: readonly ChunkHit[],
  chunksOf: (documentId: string) => ChunkRow[],
): DocumentContext | null {
  const available = passageTokens(budget);
  const sources: Source[] = [];
  const texts = new Map<number, string>();
  const add = (chunk: ChunkRow, text: string, tokens: number, score: number | null, used: number): number => {
    const left = available - used;
    if (left < MIN_PASSAGE_TOKENS && sources.length > 0) return used;
    const n = sources.length + 1;
    sources.push({
      n,
      documentId: chunk.documentId,
      documentName: chunk.document,
      chunkId: chunk.id,
      page: chunk.page,
      heading: chunk.heading,
      text,
      score,
    });
    if (tokens > left) {
      // Only the first passage can be over what is left: it is cut for the model, kept whole in Sources.
      texts.set(n, `${text.slice(0, Math.max(1, Math.floor((Math.max(left, MIN_PASSAGE_TOKENS) * text.length) / tokens)))}…`);
      return available;
    }
    return used + tokens;
  };
  let used = 0;
  if (fitsWhole(documents, budget)) {
    for (const document of documents) {
      for (const page of wholePages(chunksOf(document.id))) used = add(page.first, page.text, page.tokens, null, used);
    }
  } else if (hits.length > 0) {
    for (const hit of hits) {
      if (used >= available) break;
      used = add(hit, hit.text, hit.tokens, hit.score, used);
    }
  } else {
    // Nothing matched the question's words: the start of each document is the best guess.
    for (const document of documents) {
      const first = chunksOf(document.id)[0];
      if (first !== undefined && used < available) used = add(first, first.text, first.tokens, null, used);
    }
  }
  if (sources.length === 0) return null;
  return { system: contextBlock(sources, texts), sources };
}
