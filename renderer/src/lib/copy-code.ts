/**
 * A Svelte action for rendered Markdown: puts a "Copy" button on every code block. The buttons are
 * made with DOM calls after sanitising (DOMPurify rightly removes buttons from model output).
 */
export function codeCopyButtons(node: HTMLElement): { destroy(): void } {
  const decorate = (): void => {
    for (const pre of node.querySelectorAll<HTMLPreElement>('pre.code-block')) {
      if (pre.dataset.copyReady === 'true') continue;
      pre.dataset.copyReady = 'true';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'copy-code';
      const language = pre.dataset.language;
      button.textContent = 'Copy';
      button.setAttribute('aria-label', language ? `Copy ${language} code` : 'Copy code');
      button.addEventListener('click', () => {
        const code = pre.querySelector('code')?.textContent ?? '';
        void navigator.clipboard.writeText(code).then(
          () => (button.textContent = 'Copied'),
          () => (button.textContent = 'Copy failed'),
        );
        setTimeout(() => (button.textContent = 'Copy'), 1500);
      });
      pre.append(button);
    }
  };
  decorate();
  // Streaming answers re-render their HTML; new blocks get their button as they appear.
  const observer = new MutationObserver(decorate);
  observer.observe(node, { childList: true, subtree: true });
  return { destroy: () => observer.disconnect() };
}
