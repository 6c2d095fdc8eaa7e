import { describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { decodeTokens, encodeTokens } from '../../../electron/store/codec';
import { awkwardTokens, token } from './helpers';

const awkward = awkwardTokens;

describe('token codec', () => {
  it('round-trips exactly: doubles, unicode, lone surrogates, empty top', () => {
    const decoded = decodeTokens(encodeTokens(awkward), 'test');
    expect(decoded).toEqual(awkward);
    // toEqual treats 0 and -0 alike and does not check bits; compare probabilities by Object.is.
    decoded.forEach((t, i) => expect(Object.is(t.p, awkward[i]?.p)).toBe(true));
  });

  it('is compact: tuples, no key names', () => {
    expect(encodeTokens([token(5, 'a', 0.5, [[5, 'a', 0.5]])])).toBe('[[5,"a",0.5,[[5,"a",0.5]]]]');
  });

  it('keeps the sampler\'s pool, with or without a segment, as a sixth element', () => {
    const pool = { size: 40, afterTopK: 40, afterTopP: 12, kept: 7, weight: 2.718281828459045 };
    const tokens = [{ ...token(5, 'a', 0.5, [[5, 'a', 0.5]]), pool }, { ...token(6, 'b', 0.25), segment: 'thought' as const, pool }];
    const text = encodeTokens(tokens);
    expect(text).toBe('[[5,"a",0.5,[[5,"a",0.5]],null,[40,40,12,7,2.718281828459045]],[6,"b",0.25,[],"t",[40,40,12,7,2.718281828459045]]]');
    expect(decodeTokens(text, 'test')).toEqual(tokens);
    expect(() => decodeTokens('[[5,"a",0.5,[],null,[40,0,1,1,1]]]', 'test')).toThrow(/sampling pool of token 0 is malformed/);
  });

  it('refuses probabilities JSON cannot hold', () => {
    expect(() => encodeTokens([token(1, 'x', Number.NaN)])).toThrow(/not finite/);
  });

  it.each([
    ['not JSON', '[[1,'],
    ['not an array', '{"a":1}'],
    ['a short tuple', '[[1,"a",0.5]]'],
    ['a probability above 1', '[[1,"a",1.5,[]]]'],
    ['a fractional id', '[[1.5,"a",0.5,[]]]'],
    ['a malformed alternative', '[[1,"a",0.5,[[1,"a"]]]]'],
  ])('gives a clear database-corrupt error for %s', (_, text) => {
    try {
      decodeTokens(text, 'Message m1 (tokens)');
      expect.unreachable();
    } catch (error) {
      expect(isGlassboxError(error, 'database-corrupt')).toBe(true);
      expect((error as Error).message).toMatch(/^Message m1 \(tokens\) could not be read: /);
    }
  });
});
