export type ToastTone = 'error' | 'info';

export interface Toast {
  id: number;
  tone: ToastTone;
  text: string;
}

/** How long a notice stays; errors a little longer, as they take longer to read. */
const SHOWN_MS: Record<ToastTone, number> = { info: 6000, error: 12000 };
/** When the pointer or focus is on the notices, fading waits this long and looks again. */
const HELD_RETRY_MS = 2000;

/**
 * Short-lived notices for things that concern nothing on the screen in particular. Every one fades
 * (an error the user must act on is shown next to what it concerns instead: the composer, the
 * load form), and none fades while it is being read (pointer over it or focus in it).
 */
export class Toasts {
  items = $state<Toast[]>([]);
  /** The pointer or keyboard focus is on the notices. */
  held = false;
  private nextId = 1;

  constructor(private readonly shownMs: Record<ToastTone, number> = SHOWN_MS) {}

  show(text: string, tone: ToastTone = 'error'): void {
    // The same message twice in a row (e.g. a repeated failure) is shown once.
    if (this.items.some((toast) => toast.text === text)) return;
    const id = this.nextId++;
    this.items = [...this.items.slice(-3), { id, tone, text }];
    this.fadeLater(id, this.shownMs[tone]);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }

  private fadeLater(id: number, ms: number): void {
    setTimeout(() => {
      if (this.held) this.fadeLater(id, HELD_RETRY_MS);
      else this.dismiss(id);
    }, ms);
  }
}
