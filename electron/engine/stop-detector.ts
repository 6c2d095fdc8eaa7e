/**
 * Holds back generated pieces that might be the start of a stop string (e.g. "</s>" written as
 * text), so a stop string never reaches the user. Works on pieces that each carry a payload (the
 * token they came from), because the UI streams tokens, not characters.
 *
 * Why not node-llama-cpp's StopGenerationDetector: it needs the model's tokenizer and its own
 * Token values, and it reports which stops triggered and which tokens to queue, leaving the cut to
 * the caller. Here the same detector also serves the local API (api-server/run.ts, whose `stop`
 * strings come from the client) and must hand back our tokens, each with its probabilities, cut
 * exactly where a stop string begins.
 */

export interface Piece<T> {
  text: string;
  payload: T;
}

export interface StopPush<T> {
  /** Pieces safe to show now, in order. The piece in which a stop string starts is cut before it. */
  release: Piece<T>[];
  /** A stop string matched: generation should end; everything after it is dropped. */
  stopped: boolean;
}

export class StopDetector<T> {
  private readonly triggers: string[];
  private held: Piece<T>[] = [];

  constructor(triggers: readonly string[]) {
    this.triggers = [...new Set(triggers.filter((t) => t.length > 0))];
  }

  push(piece: Piece<T>): StopPush<T> {
    this.held.push(piece);
    const text = this.held.map((p) => p.text).join('');
    const match = this.firstMatch(text);
    if (match !== null) return { release: this.cutAt(match), stopped: true };
    // Keep only the pieces that overlap a suffix of the text that could still grow into a trigger.
    const keepFrom = text.length - this.longestPartialSuffix(text);
    return { release: this.releaseBefore(keepFrom), stopped: false };
  }

  /** At the end of generation whatever is held was not a stop string after all. */
  flush(): Piece<T>[] {
    const rest = this.held;
    this.held = [];
    return rest;
  }

  private firstMatch(text: string): number | null {
    let best: number | null = null;
    for (const t of this.triggers) {
      const at = text.indexOf(t);
      if (at >= 0 && (best === null || at < best)) best = at;
    }
    return best;
  }

  /** Length of the longest suffix of text that is a proper prefix of some trigger. */
  private longestPartialSuffix(text: string): number {
    let longest = 0;
    for (const t of this.triggers) {
      for (let n = Math.min(t.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(t.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }

  /** Releases the pieces lying entirely before character offset `at`; keeps the rest held. */
  private releaseBefore(at: number): Piece<T>[] {
    const release: Piece<T>[] = [];
    let offset = 0;
    while (this.held.length > 0) {
      const piece = this.held[0] as Piece<T>;
      if (offset + piece.text.length > at) break;
      release.push(piece);
      offset += piece.text.length;
      this.held.shift();
    }
    return release;
  }

  /** Releases the text before `at`, cutting the piece that straddles it, and drops the rest. */
  private cutAt(at: number): Piece<T>[] {
    const release: Piece<T>[] = [];
    let offset = 0;
    for (const piece of this.held) {
      if (offset >= at) break;
      const end = offset + piece.text.length;
      release.push(end <= at ? piece : { text: piece.text.slice(0, at - offset), payload: piece.payload });
      offset = end;
    }
    this.held = [];
    return release;
  }
}
