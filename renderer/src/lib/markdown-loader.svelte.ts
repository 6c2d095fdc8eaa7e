import type { renderMarkdown } from './markdown';

// marked, DOMPurify and highlight.js are a third of the renderer's code, and nothing needs them
// before the first answer is on screen, so they are a chunk of their own loaded on first use.

let render = $state.raw<typeof renderMarkdown | null>(null);
let loading: Promise<void> | null = null;

/** Loads the Markdown renderer once; resolves when it is ready (or could not be loaded: text stays plain). */
export function loadMarkdown(): Promise<void> {
  loading ??= import('./markdown').then(
    (module) => {
      render = module.renderMarkdown;
    },
    (error: unknown) => console.warn('The Markdown renderer could not be loaded; answers are shown as plain text.', error),
  );
  return loading;
}

/**
 * Sanitized HTML for an answer (see markdown.ts), or null while the renderer is still loading;
 * read inside a $derived, it updates by itself once the renderer is there.
 */
export function markdownHtml(source: string): string | null {
  if (render) return render(source);
  void loadMarkdown();
  return null;
}
