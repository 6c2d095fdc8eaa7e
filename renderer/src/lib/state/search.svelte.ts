import type { GlassboxClient } from '../../../../electron/contract/api';
import type { SearchHit } from '../../../../electron/contract/conversation';
import { describeError } from '../errors';

/** How long typing must pause before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 150;

/** The search dialog's state: the query, its results (newest query wins), the highlighted one. */
export class SearchState {
  open = $state(false);
  query = $state('');
  results = $state.raw<SearchHit[]>([]);
  active = $state(0);
  searching = $state(false);
  /** The query the current results answer ('' before any). */
  answered = $state('');
  error = $state<string | null>(null);

  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;

  constructor(
    private readonly client: GlassboxClient,
    private readonly delayMs = SEARCH_DEBOUNCE_MS,
  ) {}

  show(): void {
    this.open = true;
  }

  close(): void {
    this.open = false;
    this.cancelPending();
  }

  /** Called as the user types: searches after a short pause. */
  setQuery(query: string): void {
    this.query = query;
    this.cancelPending();
    if (query.trim().length === 0) {
      this.seq++;
      this.results = [];
      this.answered = '';
      this.searching = false;
      this.error = null;
      return;
    }
    this.searching = true;
    this.timer = setTimeout(() => void this.run(query.trim()), this.delayMs);
  }

  async run(query: string): Promise<void> {
    this.timer = null;
    const seq = ++this.seq;
    try {
      const results = await this.client.call('conversations.search', { query: query.slice(0, 500), limit: 50 });
      if (seq !== this.seq) return;
      this.results = results;
      this.active = 0;
      this.error = null;
    } catch (error) {
      if (seq !== this.seq) return;
      this.results = [];
      this.error = describeError(error);
    } finally {
      if (seq === this.seq) {
        this.searching = false;
        this.answered = query;
      }
    }
  }

  move(delta: number): void {
    const count = this.results.length;
    if (count === 0) return;
    this.active = (((this.active + delta) % count) + count) % count;
  }

  get activeHit(): SearchHit | null {
    return this.results[this.active] ?? null;
  }

  private cancelPending(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
