import { LlamaVocabularyType, type LlamaModel, type Token } from 'node-llama-cpp';
import type { TokenPiece } from '../contract/engine-protocol';

/**
 * The tokenizer view: a text split exactly as llama.cpp splits it, with each token's own text.
 *
 * - Ids are llama.cpp's (`llama_tokenize` with special-token parsing on: "<|eot_id|>" written in the
 *   text becomes that one control token), preceded by BOS when the model adds one.
 * - `special` is true for control tokens (BOS, EOS, <|eot_id|>, …) and end-of-generation tokens;
 *   their text is their name as the vocabulary writes it ("<|begin_of_text|>", "<s>").
 * - Other tokens show the bytes of their piece, as llama.cpp's token-to-piece gives them (byte-level
 *   BPE's "Ġ" is a space, SentencePiece's "▁" is a space, also for the first word, where the
 *   detokenizer would drop it). A piece that is not valid UTF-8 on its own (part of a character
 *   split over several tokens) shows each byte that does not form a whole character as `<0xNN>`
 *   (upper-case hex), the notation SentencePiece vocabularies use for byte tokens; the valid parts
 *   are shown as text. So "😀" split into 4 byte tokens is `<0xF0>` `<0x9F>` `<0x98>` `<0x80>`.
 */

export interface TokenizeOptions {
  /** Prepend BOS when the model adds one (default true). llama.cpp's tokenizer tests compare without it. */
  addBos?: boolean;
}

export function tokenizeToPieces(model: LlamaModel, text: string, options: TokenizeOptions = {}): TokenPiece[] {
  const ids: Token[] = [];
  const bos = model.tokens.bos;
  if ((options.addBos ?? true) && bos !== null && model.tokens.shouldPrependBosToken) ids.push(bos);
  ids.push(...model.tokenize(text, true));
  const pieces = new PieceText(model);
  return ids.map((id) => pieces.piece(id));
}

/** Each token's text, as described above; cached per token, since a vocabulary does not change. */
export class PieceText {
  private readonly cache = new Map<number, TokenPiece>();
  private readonly vocab: readonly string[] | null;
  private readonly type: LlamaVocabularyType;

  constructor(private readonly model: LlamaModel) {
    const tokens = model.fileInfo.metadata.tokenizer?.ggml?.tokens;
    this.vocab = Array.isArray(tokens) ? (tokens as readonly string[]) : null;
    this.type = model.vocabularyType;
  }

  piece(id: number): TokenPiece {
    let piece = this.cache.get(id);
    if (piece === undefined) {
      piece = this.compute(id as Token);
      this.cache.set(id, piece);
    }
    return piece;
  }

  private compute(id: Token): TokenPiece {
    const model = this.model;
    const special = model.getTokenAttributes(id).control || model.isEogToken(id);
    if (special) return { id, text: model.detokenize([id], true) || (this.vocab?.[id] ?? ''), special: true };
    const bytes = this.bytes(id);
    if (bytes !== null) return { id, text: showBytes(bytes), special: false };
    return { id, text: model.detokenize([id], false), special: false };
  }

  /** The piece's bytes from the vocabulary's own spelling, for the vocabulary types whose spelling is known; null otherwise. */
  private bytes(id: Token): Uint8Array | null {
    const spelled = this.vocab?.[id];
    if (spelled === undefined) return null;
    const attributes = this.model.getTokenAttributes(id);
    // Tokens added by the model's authors are stored as plain text in either family.
    if (attributes.userDefined) return new TextEncoder().encode(spelled);
    if (this.type === LlamaVocabularyType.bpe) return byteLevelDecode(spelled);
    if (this.type === LlamaVocabularyType.spm) {
      if (attributes.byte) {
        const match = /^<0x([0-9A-Fa-f]{2})>$/.exec(spelled);
        if (match?.[1] !== undefined) return Uint8Array.of(Number.parseInt(match[1], 16));
      }
      return new TextEncoder().encode(spelled.replaceAll('\u2581', ' '));
    }
    return null;
  }
}

/** GPT-2's byte-to-unicode table, reversed: the characters byte-level BPE vocabularies spell bytes with. */
let unicodeToByte: Map<number, number> | null = null;

function byteLevelTable(): Map<number, number> {
  if (unicodeToByte !== null) return unicodeToByte;
  const table = new Map<number, number>();
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (printable(b)) table.set(b, b);
    else table.set(256 + next++, b);
  }
  unicodeToByte = table;
  return table;
}

/** Bytes of a byte-level BPE token's spelling; null when it is not such a spelling. */
export function byteLevelDecode(spelled: string): Uint8Array | null {
  const table = byteLevelTable();
  const out: number[] = [];
  for (const ch of spelled) {
    const b = table.get(ch.codePointAt(0) ?? -1);
    if (b === undefined) return null;
    out.push(b);
  }
  return Uint8Array.from(out);
}

/** UTF-8 text for the valid characters, `<0xNN>` for every byte that is not part of one. */
export function showBytes(bytes: Uint8Array): string {
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      text += `<0x${(bytes[i] ?? 0).toString(16).toUpperCase().padStart(2, '0')}>`;
      i += 1;
    } else {
      text += Buffer.from(bytes.subarray(i, i + length)).toString('utf8');
      i += length;
    }
  }
  return text;
}

/** Length of the valid UTF-8 sequence starting at i, or 0 when the byte there does not start one. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  const cont = (k: number): boolean => ((bytes[i + k] ?? 0) & 0xc0) === 0x80 && i + k < bytes.length;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const b1 = bytes[i + 1] ?? 0;
    if ((b0 === 0xe0 && b1 < 0xa0) || (b0 === 0xed && b1 > 0x9f)) return 0; // overlong / surrogates
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const b1 = bytes[i + 1] ?? 0;
    if ((b0 === 0xf0 && b1 < 0x90) || (b0 === 0xf4 && b1 > 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
