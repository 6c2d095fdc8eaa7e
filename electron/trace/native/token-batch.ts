import koffi from 'koffi';
import type { BatchValue, LlamaApi } from './llama-library';

/** A llama_batch for one sequence (id 0), filled in place through views of its native arrays. */
export class TokenBatch {
  private readonly batch: BatchValue;
  private readonly tokens: Int32Array;
  private readonly positions: Int32Array;
  private readonly outputs: Int8Array;

  constructor(
    private readonly api: LlamaApi,
    readonly capacity: number,
  ) {
    this.batch = api.llama_batch_init(capacity, 0, 1);
    this.tokens = new Int32Array(koffi.view(this.batch.token, capacity * 4));
    this.positions = new Int32Array(koffi.view(this.batch.pos, capacity * 4));
    this.outputs = new Int8Array(koffi.view(this.batch.logits, capacity));
    new Int32Array(koffi.view(this.batch.n_seq_id, capacity * 4)).fill(1);
    // llama_batch_init mallocs each token's seq_id array without clearing it.
    for (const seq of koffi.decode(this.batch.seq_id, 'void *', capacity) as object[]) koffi.encode(seq, 'int32_t', 0);
  }

  /** Tokens at positions 0…n-1, each with its logits output on (or only the last: a plain prompt evaluation). */
  fill(tokens: ArrayLike<number>, outputs: 'all' | 'last' = 'all'): BatchValue {
    if (tokens.length > this.capacity) throw new Error(`${tokens.length} tokens do not fit a batch of ${this.capacity}`);
    for (let i = 0; i < tokens.length; i += 1) {
      this.tokens[i] = tokens[i] ?? 0;
      this.positions[i] = i;
      this.outputs[i] = outputs === 'all' || i === tokens.length - 1 ? 1 : 0;
    }
    this.batch.n_tokens = tokens.length;
    return this.batch;
  }

  free(): void {
    this.api.llama_batch_free(this.batch);
  }
}
