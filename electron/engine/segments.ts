import { LlamaText, SpecialToken, SpecialTokensText, type ChatWrapper, type Token, type Tokenizer } from 'node-llama-cpp';
import type { GeneratedToken } from '../contract/token';
import type { Piece } from './stop-detector';

/**
 * A reasoning model's thought segment, found in the token stream the way node-llama-cpp's LlamaChat
 * finds it: from the markers the chat wrapper declares in `settings.segments.thought` (Qwen3 and
 * DeepSeek `<think>…</think>`, gpt-oss Harmony's `<|channel|>analysis<|message|>…<|end|>`, Gemma 4's
 * `<|channel>thought\n…<channel|>`). We drive generation through LlamaContextSequence, not LlamaChat
 * (it hides probabilities), so the segmentation is ours; the markers, the budget semantics and the
 * rendering of earlier thoughts (chat-prompt.ts) are the wrapper's.
 *
 * A marker is matched as a sequence of symbols: a special (control) token by its id, because its
 * text is empty once detokenized without special tokens, and any other text character by character,
 * because "\n</think>" may arrive as ".\n" + "</think>". Tokens are never split: each generated
 * token is labelled as a whole ('thought', 'marker', or the answer) and its text keeps only the
 * characters that are not marker, so the answer is exactly its tokens' text, and so is the thought.
 */

/** A token id (a special token) or one character of text. */
export type MarkerSymbol = number | string;

export interface ThoughtMarkers {
  prefix: MarkerSymbol[];
  suffix: MarkerSymbol[];
  /** The suffix as the model's tokens: what is evaluated to close a thought that reached its budget. */
  suffixTokens: Token[];
  /** The wrapper opens the thought in the prompt itself (the answer starts inside it). */
  openOnStart: boolean;
  /**
   * What the template writes between a thought's suffix and the answer, as markers: Harmony's
   * `<|start|>assistant<|channel|>final<|message|>`; empty for Qwen3, DeepSeek and Gemma 4.
   */
  answerHeader: MarkerSymbol[];
}

/**
 * The thought markers of a chat wrapper, or null when it declares none (or the model is rendered as
 * plain text). A prefix of type 'openedOnStart' means the template itself opens the thought in the
 * prompt; `openOnResponseStart` means LlamaChat opens it there (chat-prompt.ts renders it so).
 */
export function thoughtMarkersFor(format: ChatWrapper | null, tokenizer: Tokenizer): ThoughtMarkers | null {
  const thought = format?.settings.segments?.thought;
  if (!thought || thought.suffix === undefined) return null;
  const openedByTemplate = typeof thought.prefix === 'object' && !LlamaText.isLlamaText(thought.prefix);
  const prefix = typeof thought.prefix === 'string' || LlamaText.isLlamaText(thought.prefix) ? symbolsOf(LlamaText(thought.prefix), tokenizer) : [];
  const suffix = symbolsOf(LlamaText(thought.suffix), tokenizer);
  if (suffix.length === 0 || (prefix.length === 0 && !openedByTemplate)) return null;
  return {
    prefix,
    suffix,
    suffixTokens: LlamaText(thought.suffix).tokenize(tokenizer, 'trimLeadingSpace'),
    openOnStart: openedByTemplate || thought.openOnResponseStart === true,
    answerHeader: answerHeaderOf(format, LlamaText(thought.suffix).toString(), tokenizer),
  };
}

/** The wrapper's own rendering of a thought and an answer, read between the thought's suffix and the answer. */
function answerHeaderOf(format: ChatWrapper, suffix: string, tokenizer: Tokenizer): MarkerSymbol[] {
  const thought = '\u2063T\u2063';
  const answer = '\u2063A\u2063';
  const rendered = format
    .generateContextState({ chatHistory: [{ type: 'user', text: 'q' }, { type: 'model', response: [{ type: 'segment', segmentType: 'thought', text: thought, ended: true }, answer] }] })
    .contextText.toString();
  const start = rendered.indexOf(thought + suffix);
  const end = rendered.indexOf(answer);
  if (start < 0 || end < 0) return [];
  const header = rendered.slice(start + thought.length + suffix.length, end);
  return header.length === 0 ? [] : symbolsOf(LlamaText(new SpecialTokensText(header)), tokenizer);
}

/** As StopGenerationDetector.resolveLlamaTextTrigger in node-llama-cpp: special tokens by id, the rest as text. */
export function symbolsOf(text: LlamaText, tokenizer: Tokenizer): MarkerSymbol[] {
  const symbols: MarkerSymbol[] = [];
  for (const value of text.values) {
    if (typeof value === 'string') symbols.push(...Array.from(value));
    else if (value instanceof SpecialToken) symbols.push(...value.tokenize(tokenizer));
    else if (value instanceof SpecialTokensText) {
      for (const part of value.tokenizeSpecialTokensOnly(tokenizer)) {
        if (typeof part === 'string') symbols.push(...Array.from(part));
        else symbols.push(part);
      }
    }
  }
  return symbols;
}

/** The symbols a generated token stands for: its id when it is a special token, else its text's characters. */
export function symbolsOfToken(id: number, text: string, isSpecial: (id: number) => boolean): MarkerSymbol[] {
  return isSpecial(id) ? [id] : Array.from(text);
}

type SymbolClass = 'thought' | 'answer' | 'marker';

interface Held {
  piece: Piece<GeneratedToken>;
  symbols: MarkerSymbol[];
  classes: (SymbolClass | null)[];
  /** The segment it arrived in: the label of a piece with no symbols (half of a multi-byte character). */
  arrivedIn: 'answer' | 'thought';
}

export interface ThoughtSummary {
  /** Tokens labelled 'thought' (the markers not counted). */
  tokens: number;
  /** From the first thought token to the last one's successor (null: no thought, or still open at the end). */
  ms: number | null;
}

/**
 * Labels streamed pieces (after the stop detector) as thought, marker or answer. Pieces that might be
 * the start of a marker are held back until it is clear, as the stop detector does for stop strings.
 */
export class ThoughtSegmenter {
  private state: 'answer' | 'thought' | 'header';
  private held: Held[] = [];
  private thoughtTokens = 0;
  private openedAt: number | null = null;
  private closedAt: number | null = null;

  constructor(
    private readonly markers: ThoughtMarkers,
    private readonly isSpecial: (id: number) => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.state = markers.openOnStart ? 'thought' : 'answer';
  }

  /** Where a symbol outside markers goes in the current state (the header's state is the answer's). */
  private get content(): 'answer' | 'thought' {
    return this.state === 'thought' ? 'thought' : 'answer';
  }

  get inThought(): boolean {
    return this.state === 'thought';
  }

  /** node-llama-cpp's budget rule: an open thought with at least `budget` tokens is closed (null: no budget). */
  overBudget(budget: number | null | undefined): boolean {
    return this.state === 'thought' && typeof budget === 'number' && this.thoughtTokens >= budget;
  }

  get summary(): ThoughtSummary {
    return { tokens: this.thoughtTokens, ms: this.openedAt !== null && this.closedAt !== null ? this.closedAt - this.openedAt : null };
  }

  push(pieces: readonly Piece<GeneratedToken>[]): Piece<GeneratedToken>[] {
    if (this.state === 'thought') this.openedAt ??= this.now();
    for (const piece of pieces) {
      const symbols = symbolsOfToken(piece.payload.id, piece.text, this.isSpecial);
      this.held.push({ piece, symbols, classes: symbols.map(() => null), arrivedIn: this.content });
    }
    this.classify(false);
    return this.release(false);
  }

  /** The end of the answer: what is held was not a marker after all. */
  flush(): Piece<GeneratedToken>[] {
    this.classify(true);
    return this.release(true);
  }

  /**
   * Closes an open thought (its budget is spent): what is held is thought, and the suffix tokens the
   * caller evaluates next are markers (`marker`). Returns the pieces released.
   */
  close(): Piece<GeneratedToken>[] {
    const released = this.flush();
    if (this.state === 'thought') this.switchTo('answer');
    return released;
  }

  /** A token the engine evaluated on the model's behalf (a closing suffix): a marker, never matched. */
  marker(piece: Piece<GeneratedToken>): Piece<GeneratedToken> {
    return { text: piece.text, payload: { ...piece.payload, text: piece.text, segment: 'marker' } };
  }

  private classify(final: boolean): void {
    for (;;) {
      const open = this.unclassified();
      if (open.length === 0) return;
      if (this.state === 'header') {
        // The answer's header comes right after the thought, or not at all.
        const header = this.markers.answerHeader;
        const symbols = open.map((ref) => ref.symbol);
        if (indexOf(symbols.slice(0, header.length), header) === 0) {
          open.slice(0, header.length).forEach((ref) => this.set(ref, 'marker'));
          this.state = 'answer';
          continue;
        }
        if (!final && symbols.length < header.length && indexOf(header.slice(0, symbols.length), symbols) === 0) return;
        this.state = 'answer';
        continue;
      }
      const marker = this.state === 'answer' ? this.markers.prefix : this.markers.suffix;
      if (marker.length === 0) {
        // A thought the template opens cannot be opened again by the model: all answer from here.
        open.forEach((ref) => this.set(ref, this.content));
        return;
      }
      const at = indexOf(open.map((ref) => ref.symbol), marker);
      if (at >= 0) {
        open.slice(0, at).forEach((ref) => this.set(ref, this.content));
        open.slice(at, at + marker.length).forEach((ref) => this.set(ref, 'marker'));
        this.switchTo(this.state === 'answer' ? 'thought' : 'answer');
        continue;
      }
      const keep = final ? 0 : partialSuffix(open.map((ref) => ref.symbol), marker);
      open.slice(0, open.length - keep).forEach((ref) => this.set(ref, this.content));
      return;
    }
  }

  private switchTo(state: 'answer' | 'thought'): void {
    const now = this.now();
    if (state === 'thought') this.openedAt ??= now;
    else if (this.openedAt !== null) this.closedAt = now;
    this.state = state === 'answer' && this.markers.answerHeader.length > 0 ? 'header' : state;
  }

  private unclassified(): { held: Held; index: number; symbol: MarkerSymbol }[] {
    const refs: { held: Held; index: number; symbol: MarkerSymbol }[] = [];
    for (const held of this.held) {
      held.classes.forEach((c, index) => {
        if (c === null) refs.push({ held, index, symbol: held.symbols[index] as MarkerSymbol });
      });
    }
    return refs;
  }

  private set(ref: { held: Held; index: number }, value: SymbolClass): void {
    ref.held.classes[ref.index] = value;
  }

  /** Releases the leading pieces whose every symbol is classified (all of them when final). */
  private release(final: boolean): Piece<GeneratedToken>[] {
    const out: Piece<GeneratedToken>[] = [];
    while (this.held.length > 0) {
      const held = this.held[0] as Held;
      if (!final && held.classes.some((c) => c === null)) break;
      this.held.shift();
      out.push(this.labelled(held));
    }
    return out;
  }

  private labelled({ piece, symbols, classes, arrivedIn }: Held): Piece<GeneratedToken> {
    const content = classes.findIndex((c) => c === 'thought' || c === 'answer');
    const { segment: _previous, ...token } = piece.payload;
    if (content < 0 && symbols.length > 0) return { text: piece.text, payload: { ...token, text: piece.text, segment: 'marker' } };
    // A special token outside any marker keeps its (empty) text; a text token its characters outside markers.
    const text = this.isSpecial(piece.payload.id) ? piece.text : symbols.filter((_, i) => classes[i] !== 'marker').join('');
    const segment = content < 0 ? arrivedIn : classes[content];
    if (segment === 'thought') {
      this.thoughtTokens++;
      return { text, payload: { ...token, text, segment: 'thought' } };
    }
    return { text, payload: { ...token, text } };
  }
}

function same(a: MarkerSymbol, b: MarkerSymbol): boolean {
  return a === b;
}

/** First index at which `needle` occurs in `haystack`, or -1. */
export function indexOf(haystack: readonly MarkerSymbol[], needle: readonly MarkerSymbol[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (!same(haystack[i + j] as MarkerSymbol, needle[j] as MarkerSymbol)) continue outer;
    return i;
  }
  return -1;
}

/** Length of the longest suffix of `symbols` that is a proper prefix of `marker`. */
export function partialSuffix(symbols: readonly MarkerSymbol[], marker: readonly MarkerSymbol[]): number {
  for (let n = Math.min(marker.length - 1, symbols.length); n > 0; n--) {
    let match = true;
    for (let j = 0; j < n; j++) {
      if (!same(symbols[symbols.length - n + j] as MarkerSymbol, marker[j] as MarkerSymbol)) {
        match = false;
        break;
      }
    }
    if (match) return n;
  }
  return 0;
}
