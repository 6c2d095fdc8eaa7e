import { describe, expect, it } from 'vitest';
import { TokenTextDecoder, type Detokenize } from '../../../electron/engine/token-text';

// A fake byte-level vocabulary: ids 0..255 are bytes; decoding is lossy UTF-8 like llama.cpp's.
const detokenize: Detokenize = (tokens) => Buffer.from(tokens.map((t) => t)).toString('utf8');

function pieces(text: string): string[] {
  const decoder = new TokenTextDecoder(detokenize);
  const out = [...Buffer.from(text, 'utf8')].map((byte) => decoder.push(byte));
  out.push(decoder.flush());
  return out;
}

describe('token text decoder', () => {
  it('holds split multi-byte characters until they are complete', () => {
    const out = pieces('aé🙂b');
    expect(out.join('')).toBe('aé🙂b');
    expect(out.some((p) => p.includes('\uFFFD'))).toBe(false);
    // é is two bytes: the first piece is empty, the second carries the character.
    expect(out.slice(1, 3)).toEqual(['', 'é']);
  });

  it('gives up after 4 bytes that never form a character', () => {
    const decoder = new TokenTextDecoder(detokenize);
    const out = [0xff, 0xff, 0xff, 0xff].map((b) => decoder.push(b));
    expect(out.slice(0, 3)).toEqual(['', '', '']);
    expect(out[3]).toContain('\uFFFD');
  });

  it('passes previous tokens as context to the detokenizer', () => {
    const seen: number[][] = [];
    const decoder = new TokenTextDecoder((tokens, previous) => {
      seen.push([...previous]);
      return String(tokens.length);
    }, [7, 8]);
    decoder.push(1);
    decoder.push(2);
    expect(seen).toEqual([[7, 8], [7, 8, 1]]);
  });
});
