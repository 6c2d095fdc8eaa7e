import type { GlassboxClient } from '../../../../../../electron/contract/api';
import type { TraceAttention, TraceProgress, TraceSummary, WordVectors } from '../../../../../../electron/contract/trace';
import { describeError } from '../../../errors';

/**
 * The Trace view's state: one trace of the loaded model over a text (the last prompt by default),
 * the layer, head and token the learner picked, one layer's attention fetched at a time, and the
 * two-sentence word comparison.
 */
export class TraceState {
  text = $state('');
  /** True once the learner edited the text: the last prompt no longer replaces it. */
  edited = $state(false);
  summary = $state.raw<TraceSummary | null>(null);
  progress = $state.raw<TraceProgress | null>(null);
  running = $state(false);
  error = $state<string | null>(null);
  layer = $state(0);
  head = $state(0);
  /** The clicked token (query position); null: the last one. */
  token = $state<number | null>(null);
  attention = $state.raw<TraceAttention | null>(null);

  sentenceA = $state('I sat on the river bank and watched the water.');
  sentenceB = $state('I went to the bank to deposit my money.');
  word = $state('bank');
  vectors = $state.raw<WordVectors | null>(null);
  comparing = $state(false);
  compareError = $state<string | null>(null);

  private jobId: string | null = null;
  private attentionSeq = 0;

  constructor(private readonly client: GlassboxClient) {
    client.on('trace.progress', (progress) => {
      if (progress.jobId === this.jobId) this.progress = progress;
    });
  }

  /** The last prompt, until the learner types their own text. */
  syncPrompt(prompt: string | null): void {
    if (!this.edited && prompt !== null) this.text = prompt;
  }

  get position(): number {
    const n = this.summary?.tokens.length ?? 0;
    return this.token ?? n - 1;
  }

  async run(): Promise<void> {
    if (this.running || this.text.trim() === '') return;
    const jobId = `trace-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    this.jobId = jobId;
    this.running = true;
    this.error = null;
    this.progress = null;
    try {
      const summary = await this.client.call('trace.start', { jobId, text: this.text });
      this.summary = summary;
      this.layer = Math.min(this.layer, summary.model.layers - 1);
      this.head = Math.min(this.head, summary.model.heads - 1);
      this.token = null;
      await this.loadAttention();
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.running = false;
      this.jobId = null;
    }
  }

  async cancel(): Promise<void> {
    if (this.jobId !== null) await this.client.call('trace.cancel', { jobId: this.jobId });
  }

  async pickLayer(layer: number): Promise<void> {
    this.layer = layer;
    await this.loadAttention();
  }

  private async loadAttention(): Promise<void> {
    const summary = this.summary;
    if (summary === null) return;
    const seq = ++this.attentionSeq;
    try {
      const attention = await this.client.call('trace.attention', { traceId: summary.traceId, layer: this.layer });
      if (seq === this.attentionSeq) this.attention = attention;
    } catch (error) {
      if (seq === this.attentionSeq) this.error = describeError(error);
    }
  }

  async compare(): Promise<void> {
    this.comparing = true;
    this.compareError = null;
    try {
      this.vectors = await this.client.call('trace.compareWord', { a: this.sentenceA, b: this.sentenceB, word: this.word });
    } catch (error) {
      this.compareError = describeError(error);
    } finally {
      this.comparing = false;
    }
  }
}
