import { GlassboxError } from '../contract/errors';
import type { WordVectors } from '../contract/trace';
import { ForwardCapture } from './forward-capture';
import type { TraceModelSession } from './model-session';
import { readF32 } from './native/graph-tensors';
import { llamaApi } from './native/llama-library';
import { cosine, norm } from './vector-math';

/**
 * The same word in two sentences: its vector at the embedding and after every layer, in each.
 * The embedding is a table lookup, so one token id gives one vector whatever surrounds it;
 * attention then mixes in the context and the two drift apart.
 */

/** The token holding the word's last character (the one that has seen the whole word), or null. */
export function wordTokenIndex(pieces: readonly string[], text: string, word: string): number | null {
  const match = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'iu').exec(text);
  if (match === null) return null;
  const lastChar = Buffer.byteLength(text.slice(0, match.index + match[0].length), 'utf8') - 1;
  let offset = 0;
  for (let i = 0; i < pieces.length; i += 1) {
    const bytes = Buffer.byteLength(pieces[i] ?? '', 'utf8');
    if (offset <= lastChar && lastChar < offset + bytes) return i;
    offset += bytes;
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface SentenceVectors {
  position: number;
  id: number;
  /** [embedding, after layer 0, …]. */
  vectors: Float32Array[];
}

function sentenceVectors(session: TraceModelSession, text: string, word: string): SentenceVectors {
  const ids = session.tokenize(text);
  if (ids.length > session.capacity) throw new GlassboxError('invalid-argument', `The sentence is ${ids.length} tokens; at most ${session.capacity}.`);
  // Pieces as the tokenizer renders them, without the start token, which has no text.
  const special = session.tokenize('').length;
  const pieces = ids.map((id, i) => (i < special ? '' : session.piece(id)));
  // SentencePiece vocabularies turn the leading space into part of the first piece.
  const rendered = pieces.join('');
  const position = wordTokenIndex(pieces, rendered.length === text.length + 1 && rendered.startsWith(' ') ? ` ${text}` : text, word);
  if (position === null) throw new GlassboxError('invalid-argument', `"${word}" is not a word of "${text}".`);
  const api = llamaApi();
  const capture = new ForwardCapture({
    tokens: ids.length,
    layers: session.model.layers,
    heads: session.model.heads,
    keep: [position],
    onAttention: null,
    read: (tensor) => readF32(api, tensor),
  });
  session.decode(ids, capture);
  return { position, id: ids[position] ?? -1, vectors: capture.kept.get(position) ?? [] };
}

export function compareWord(session: TraceModelSession, a: string, b: string, word: string): WordVectors {
  const va = sentenceVectors(session, a, word);
  const vb = sentenceVectors(session, b, word);
  const layers = va.vectors.map((x, i) => {
    const y = vb.vectors[i] ?? new Float32Array(x.length);
    const previousA = va.vectors[i - 1];
    const previousB = vb.vectors[i - 1];
    return {
      layer: i - 1,
      cosine: cosine(x, y),
      normA: norm(x),
      normB: norm(y),
      consecutiveA: previousA === undefined ? 1 : cosine(previousA, x),
      consecutiveB: previousB === undefined ? 1 : cosine(previousB, y),
    };
  });
  const token = (v: SentenceVectors): WordVectors['a'] => ({ position: v.position, token: { id: v.id, text: session.piece(v.id) } });
  return { word, a: token(va), b: token(vb), sameToken: va.id === vb.id, layers };
}
