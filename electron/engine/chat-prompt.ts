import { SpecialTokensText, type ChatHistoryItem, type ChatWrapper, type LlamaModel, type LlamaText, type Token } from 'node-llama-cpp';
import type { ChatTurn } from '../contract/engine-protocol';
import { PLAIN_TEXT_TEMPLATE } from '../contract/chat-template';

/**
 * Renders a conversation the way the model was trained to see it, and tokenizes it ourselves
 * instead of using LlamaChatSession, because that class hides token probabilities (shared/MEASURED.md).
 *
 * Two ways of rendering:
 * - A model whose GGUF has `tokenizer.chat_template`: its own chat wrapper (resolved by
 *   node-llama-cpp from the template).
 * - A model without one (a base model such as stories260K): **plain text continuation**. The
 *   model never saw chat markup, and node-llama-cpp's guess (Llama2Chat's `[INST]`) only confuses
 *   it. The conversation is BOS followed by the turns' texts: an assistant turn continues the turn
 *   before it directly (no separator: "Once upon a time" + ", there was…"), every other boundary is
 *   a blank line ("\n\n"). Roles are not written out; empty turns are skipped. There are no stop
 *   strings: the answer ends at the model's end-of-generation token (or the limits).
 *   Each turn is tokenized on its own, so an answer's tokens stay what the model generated (the
 *   KV cache of earlier turns is reused) and the token span of every turn is exact.
 */

export { PLAIN_TEXT_TEMPLATE };

/** How a loaded model's conversations are rendered: its chat wrapper, or null for plain text. */
export type PromptFormat = ChatWrapper | null;

export interface RenderedPrompt {
  tokens: Token[];
  /** Text that ends the answer when the model writes it out (special tokens are caught as EOG instead). */
  stopStrings: string[];
}

export interface ScoringPrompt {
  tokens: Token[];
  /** The tokens of the last turn's content: tokens[start..end). */
  span: { start: number; end: number };
}

/** Plain text for a model whose GGUF has no chat template; its own template otherwise. */
export function promptFormatFor(model: LlamaModel, resolve: (model: LlamaModel) => ChatWrapper): PromptFormat {
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  return typeof template === 'string' && template.trim().length > 0 ? resolve(model) : null;
}

export function formatName(format: PromptFormat): string {
  return format === null ? PLAIN_TEXT_TEMPLATE : format.wrapperName;
}

/**
 * An earlier answer's thought goes to the wrapper as the thought segment node-llama-cpp's LlamaChat
 * would have recorded, so whether a later prompt shows it is the template's rule, not ours (Qwen3,
 * DeepSeek, Harmony and Gemma 4 keep only the current turn's thought). A wrapper that opens the
 * thought at the start of a response (`openOnResponseStart`) gets the open segment LlamaChat adds.
 */
export function toChatHistory(turns: readonly ChatTurn[], format?: ChatWrapper): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = turns.map((turn): ChatHistoryItem => {
    if (turn.role === 'system') return { type: 'system', text: turn.content };
    if (turn.role === 'user') return { type: 'user', text: turn.content };
    if (turn.thought === undefined || turn.thought.length === 0) return { type: 'model', response: [turn.content] };
    return { type: 'model', response: [{ type: 'segment', segmentType: 'thought', text: turn.thought, ended: true }, turn.content] };
  });
  // An empty model turn at the end makes the wrapper render the assistant's opening, ready to answer.
  if (turns[turns.length - 1]?.role !== 'assistant') {
    const opensThought = format?.settings.segments?.thought?.openOnResponseStart === true;
    history.push({ type: 'model', response: opensThought ? [{ type: 'segment', segmentType: 'thought', text: '', ended: false }] : [] });
  }
  return history;
}

export function renderPrompt(model: LlamaModel, format: PromptFormat, turns: readonly ChatTurn[]): RenderedPrompt {
  if (format === null) return { tokens: renderPlainText(model, turns).tokens, stopStrings: [] };
  const state = format.generateContextState({ chatHistory: toChatHistory(turns, format) });
  return {
    tokens: state.contextText.tokenize(model.tokenizer),
    stopStrings: state.stopGenerationTriggers.map(textOfTrigger).filter((s): s is string => s !== null),
  };
}

/**
 * The prompt for scoring the last turn, and where that turn's content lies in it. With a chat
 * template the span is found by rendering the conversation a second time with other content in the
 * last turn: the tokens both renderings share at the start and at the end are the template's, the
 * rest is the content. (A template token that merges with the content's first or last characters is
 * counted as content.) The other content is a placeholder character, not an empty string: real
 * templates (ChatML's wrapper, for one) leave an empty turn out altogether, and the span would then
 * take in the turn's own markup (`user\n…<|im_end|>`).
 */
export function renderForScoring(model: LlamaModel, format: PromptFormat, turns: readonly ChatTurn[]): ScoringPrompt {
  if (format === null) {
    const { tokens, spans } = renderPlainText(model, turns);
    const last = spans[spans.length - 1] ?? { start: tokens.length, end: tokens.length };
    return { tokens, span: last };
  }
  const last = turns[turns.length - 1];
  const full = renderPrompt(model, format, turns).tokens;
  if (last === undefined || last.content.length === 0) return { tokens: full, span: { start: full.length, end: full.length } };
  const placeholder = SCORING_PLACEHOLDERS.find((c) => !last.content.startsWith(c) && !last.content.endsWith(c)) ?? '';
  const empty = renderPrompt(model, format, [...turns.slice(0, -1), { ...last, content: placeholder }]).tokens;
  let start = 0;
  while (start < full.length && start < empty.length && full[start] === empty[start]) start++;
  let suffix = 0;
  while (suffix < full.length - start && suffix < empty.length - start && full[full.length - 1 - suffix] === empty[empty.length - 1 - suffix]) suffix++;
  return { tokens: full, span: { start, end: full.length - suffix } };
}

/** Stand-ins for the scored content; the first that neither starts nor ends it is used. */
const SCORING_PLACEHOLDERS = ['§', '¶'];

/** Plain text continuation: BOS, then each non-empty turn; the span of each rendered turn. */
function renderPlainText(model: LlamaModel, turns: readonly ChatTurn[]): { tokens: Token[]; spans: { start: number; end: number }[] } {
  const tokens: Token[] = [];
  const bos = model.tokens.bos;
  if (bos !== null && model.tokens.shouldPrependBosToken) tokens.push(bos);
  const spans: { start: number; end: number }[] = [];
  let previous: ChatTurn['role'] | null = null;
  for (const turn of turns) {
    if (turn.content.length === 0) continue;
    if (previous === null) {
      const start = tokens.length;
      tokens.push(...model.tokenize(turn.content, false));
      spans.push({ start, end: tokens.length });
    } else {
      const continues = turn.role === 'assistant' && previous === 'user';
      if (!continues) tokens.push(...tokenizeContinuation(model, PLAIN_TEXT_SEPARATOR));
      const start = tokens.length;
      tokens.push(...tokenizeContinuation(model, turn.content));
      spans.push({ start, end: tokens.length });
    }
    previous = turn.role;
  }
  return { tokens, spans };
}

/** Between plain-text turns, except where an assistant continues the user's text. */
export const PLAIN_TEXT_SEPARATOR = '\n\n';

/**
 * Tokens of text that continues earlier text. SentencePiece vocabularies add a space in front of a
 * text's first word ("▁Once"), which is right at the start of a document and wrong in the middle of
 * one (", there" must not become " , there"). Tokenizing "\n" + text and dropping the tokens of "\n"
 * gives the mid-document tokens; when the two merge (a byte-level BPE vocabulary with a "\n\n"
 * token) node-llama-cpp's own trimLeadingSpace tokenization is used instead.
 */
export function tokenizeContinuation(model: LlamaModel, text: string): Token[] {
  if (text.length === 0) return [];
  const anchor = model.tokenize('\n', false);
  const joined = model.tokenize(`\n${text}`, false);
  if (anchor.length > 0 && joined.length > anchor.length && anchor.every((t, i) => joined[i] === t)) return joined.slice(anchor.length);
  return model.tokenize(text, false, 'trimLeadingSpace');
}

/** A trigger made of plain text (possibly written as special-token text); null for builtin special tokens like EOS. */
function textOfTrigger(trigger: LlamaText): string | null {
  let text = '';
  for (const value of trigger.values) {
    if (typeof value === 'string') text += value;
    else if (value instanceof SpecialTokensText) text += value.value;
    else return null;
  }
  return text.length > 0 ? text : null;
}
