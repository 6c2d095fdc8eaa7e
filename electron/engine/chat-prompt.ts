import { SpecialTokensText, type ChatHistoryItem, type ChatWrapper, type LlamaModel, type LlamaText, type Token } from 'node-llama-cpp';
import type { ChatTurn } from '../contract/engine-protocol';

/**
 * Renders a conversation the way the model was trained to see it, using its own chat wrapper
 * (resolved from the GGUF's template or architecture). We render and tokenize ourselves instead of
 * using LlamaChatSession because that class hides token probabilities (shared/MEASURED.md).
 */

export interface RenderedPrompt {
  tokens: Token[];
  /** Text that ends the answer when the model writes it out (special tokens are caught as EOG instead). */
  stopStrings: string[];
}

export function toChatHistory(turns: readonly ChatTurn[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = turns.map((turn): ChatHistoryItem => {
    if (turn.role === 'system') return { type: 'system', text: turn.content };
    if (turn.role === 'user') return { type: 'user', text: turn.content };
    return { type: 'model', response: [turn.content] };
  });
  // An empty model turn at the end makes the wrapper render the assistant's opening, ready to answer.
  if (turns[turns.length - 1]?.role !== 'assistant') history.push({ type: 'model', response: [] });
  return history;
}

export function renderPrompt(model: LlamaModel, wrapper: ChatWrapper, turns: readonly ChatTurn[]): RenderedPrompt {
  const state = wrapper.generateContextState({ chatHistory: toChatHistory(turns) });
  return {
    tokens: state.contextText.tokenize(model.tokenizer),
    stopStrings: state.stopGenerationTriggers.map(textOfTrigger).filter((s): s is string => s !== null),
  };
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
