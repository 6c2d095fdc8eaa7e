import { describe, expect, it } from 'vitest';
import { StopDetector } from '../../../electron/engine/stop-detector';

function run(triggers: string[], pieces: string[]) {
  const detector = new StopDetector<number>(triggers);
  const shown: string[] = [];
  let stopped = false;
  for (const [i, text] of pieces.entries()) {
    const pushed = detector.push({ text, payload: i });
    shown.push(...pushed.release.map((p) => `${p.payload}:${p.text}`));
    if (pushed.stopped) {
      stopped = true;
      break;
    }
  }
  if (!stopped) shown.push(...detector.flush().map((p) => `${p.payload}:${p.text}`));
  return { shown, stopped };
}

describe('stop detector', () => {
  it('passes text through when nothing looks like a trigger', () => {
    expect(run(['</s>'], ['Once', ' upon', ' a time'])).toEqual({ shown: ['0:Once', '1: upon', '2: a time'], stopped: false });
  });

  it('drops a trigger split over several pieces, and what follows it', () => {
    expect(run(['</s>'], ['The end.', '</', 's', '>', 'more'])).toEqual({ shown: ['0:The end.'], stopped: true });
  });

  it('cuts the piece in which the trigger starts', () => {
    expect(run(['\nUser:'], ['bye\nUs', 'er: hi'])).toEqual({ shown: ['0:bye'], stopped: true });
  });

  it('releases held text once it can no longer become a trigger', () => {
    const detector = new StopDetector<number>(['</s>']);
    expect(detector.push({ text: 'a<', payload: 0 }).release).toEqual([]);
    expect(detector.push({ text: 'b', payload: 1 }).release.map((p) => p.text)).toEqual(['a<', 'b']);
  });

  it('flushes a partial trigger at the end as ordinary text', () => {
    expect(run(['</s>'], ['x', '</'])).toEqual({ shown: ['0:x', '1:</'], stopped: false });
  });

  it('keeps empty pieces (unfinished characters) in order', () => {
    expect(run(['</s>'], ['', 'é'])).toEqual({ shown: ['0:', '1:é'], stopped: false });
  });
});
