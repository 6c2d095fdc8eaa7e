export type ToastTone = 'error' | 'info';

export interface Toast {
  id: number;
  tone: ToastTone;
  text: string;
}

/** Short-lived notices. Errors stay until dismissed; information fades after a few seconds. */
export class Toasts {
  items = $state<Toast[]>([]);
  private nextId = 1;

  show(text: string, tone: ToastTone = 'error'): void {
    // The same message twice in a row (e.g. a repeated failure) is shown once.
    if (this.items.some((toast) => toast.text === text)) return;
    const id = this.nextId++;
    this.items = [...this.items.slice(-3), { id, tone, text }];
    if (tone === 'info') setTimeout(() => this.dismiss(id), 6000);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}
