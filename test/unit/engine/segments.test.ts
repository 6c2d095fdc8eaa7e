import type { Token } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import type { GeneratedToken } from '../../../electron/contract/token';
import { indexOf, partialSuffix, ThoughtSegmenter, type ThoughtMarkers } from '../../../electron/engine/segments';
import type { Piece } from '../../../electron/engine/stop-detector';

// Qwen3's markers as its wrapper declares them, "<think>\n" and "\n</think>", with <think> and
// </think> as special tokens 1 and 2 here (a real vocabulary is in test/integration/engine/reasoning.test.ts).
const THINK = 1;
const END_THINK = 2;
const QWEN: ThoughtMarkers = { prefix: [THINK, '\n'], suffix: ['\n', END_THINK], suffixTokens: [10, END_THINK] as Token[], openOnStart: false, answerHeader: [] };
const isSpecial = (id: number): boolean => id === THINK || id === END_THINK || id === 99;

let nextId = 100;
const piece = (text: string, id = nextId++): Piece<GeneratedToken> => ({ text, payload: { id, text: '', p: 0.5, top: [] } });
const special = (id: number): Piece<GeneratedToken> => piece('', id);

function run(segmenter: ThoughtSegmenter, pieces: Piece<GeneratedToken>[]): { released: number[]; out: Piece<GeneratedToken>[] } {
  const released: number[] = [];
  const out: Piece<GeneratedToken>[] = [];
  for (const p of pieces) {
    const r = segmenter.push([p]);
    released.push(r.length);
    out.push(...r);
  }
  out.push(...segmenter.flush());
  return { released, out };
}
const joined = (out: Piece<GeneratedToken>[], segment?: GeneratedToken['segment']): string =>
  out.filter((p) => p.payload.segment === segment).map((p) => p.text).join('');

describe('ThoughtSegmenter', () => {
  it('labels a whole thought: markers, thought tokens, answer tokens; texts exact without markers', () => {
    const { out } = run(new ThoughtSegmenter(QWEN, isSpecial), [special(THINK), piece('\nLet'), piece(' me'), piece(' see.\n'), special(END_THINK), piece('\n\nHi'), piece('!')]);
    expect(out.map((p) => p.payload.segment ?? 'answer')).toEqual(['marker', 'thought', 'thought', 'thought', 'marker', 'answer', 'answer']);
    expect(joined(out, 'thought')).toBe('Let me see.');
    expect(joined(out)).toBe('\n\nHi!');
    // Every piece's payload text is its text: what is streamed and saved is one thing.
    for (const p of out) expect(p.payload.text).toBe(p.text);
  });

  it('holds back a token that may start a marker until the next one decides', () => {
    const segmenter = new ThoughtSegmenter(QWEN, isSpecial);
    expect(segmenter.push([special(THINK)])).toHaveLength(0); // "<think>" alone may still miss its "\n"
    expect(segmenter.push([piece('\nA')])).toHaveLength(2);
    expect(segmenter.inThought).toBe(true);
    expect(segmenter.push([piece('\n')])).toHaveLength(0); // may start "\n</think>"
    const after = segmenter.push([piece('B')]);
    expect(after.map((p) => [p.text, p.payload.segment])).toEqual([
      ['\n', 'thought'],
      ['B', 'thought'],
    ]);
  });

  it('a marker token without its text is not a marker: "<think>" then "x" is answer text', () => {
    const { out } = run(new ThoughtSegmenter(QWEN, isSpecial), [special(THINK), piece('x')]);
    expect(out.map((p) => p.payload.segment)).toEqual([undefined, undefined]);
  });

  it('a marker spelt in text is matched across tokens (a vocabulary without <think> tokens)', () => {
    const text: ThoughtMarkers = { ...QWEN, prefix: Array.from('<think>'), suffix: Array.from('</think>') };
    const { out } = run(new ThoughtSegmenter(text, isSpecial), [piece('<th'), piece('ink>'), piece('hm'), piece('</'), piece('think>ok')]);
    expect(joined(out, 'thought')).toBe('hm');
    expect(joined(out)).toBe('ok');
    expect(out.map((p) => p.payload.segment ?? 'answer')).toEqual(['marker', 'marker', 'thought', 'marker', 'answer']);
  });

  it('counts thought tokens against a budget and closes on request', () => {
    const segmenter = new ThoughtSegmenter(QWEN, isSpecial, () => 0);
    segmenter.push([special(THINK), piece('\nA'), piece('B')]);
    expect(segmenter.overBudget(2)).toBe(true);
    expect(segmenter.overBudget(3)).toBe(false);
    expect(segmenter.overBudget(null)).toBe(false);
    segmenter.close();
    expect(segmenter.inThought).toBe(false);
    expect(segmenter.overBudget(0)).toBe(false);
    expect(segmenter.marker(piece('</think>', END_THINK)).payload.segment).toBe('marker');
    expect(segmenter.summary).toEqual({ tokens: 2, ms: 0 });
  });

  it('a template that opens the thought: the answer starts inside it', () => {
    const { out } = run(new ThoughtSegmenter({ ...QWEN, prefix: [], openOnStart: true }, isSpecial), [piece('hmm'), piece('\n'), special(END_THINK), piece('Yes'), special(THINK), piece('\nno')]);
    expect(joined(out, 'thought')).toBe('hmm');
    expect(joined(out)).toBe('Yes\nno'); // the thought cannot open again: <think> is then answer (with no text)
  });

  it("Harmony's answer header after the thought is marker; a header that does not follow is answer", () => {
    const harmony: ThoughtMarkers = { ...QWEN, prefix: [THINK], suffix: [END_THINK], answerHeader: [99, ...Array.from('final'), 99] };
    const { out } = run(new ThoughtSegmenter(harmony, isSpecial), [special(THINK), piece('t'), special(END_THINK), special(99), piece('final'), special(99), piece('A')]);
    expect(joined(out, 'thought')).toBe('t');
    expect(joined(out)).toBe('A');
    const other = run(new ThoughtSegmenter(harmony, isSpecial), [special(THINK), piece('t'), special(END_THINK), piece('fin'), piece('e')]).out;
    expect(joined(other)).toBe('fine');
  });

  it('a half of a multi-byte character (no text yet) goes with the segment it arrived in', () => {
    const { out } = run(new ThoughtSegmenter(QWEN, isSpecial), [special(THINK), piece('\nx'), piece(''), piece('é')]);
    expect(out.map((p) => p.payload.segment)).toEqual(['marker', 'thought', 'thought', 'thought']);
  });
});

describe('symbol matching', () => {
  it('finds a marker and the longest partial one at the end', () => {
    expect(indexOf(['a', 1, '\n', 2], ['\n', 2])).toBe(2);
    expect(indexOf(['a', '\n'], ['\n', 2])).toBe(-1);
    expect(partialSuffix(['a', '\n'], ['\n', 2])).toBe(1);
    expect(partialSuffix(['a', 2], ['\n', 2])).toBe(0);
  });
});
