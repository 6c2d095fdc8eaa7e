import { Marked, type Tokens } from 'marked';
import DOMPurify from 'dompurify';
import { highlightCode } from './highlight';

/**
 * Markdown for model output. Two layers:
 * 1. `markdownToHtml` (pure, testable in Node): raw HTML in the source is shown as text, never
 *    interpreted; links keep only http(s), mailto and in-page targets and get rel="noopener
 *    noreferrer"; images render only from data: URLs (a local app never fetches remote images).
 * 2. `renderMarkdown` runs DOMPurify over that in the browser as a second, independent guard.
 */

const SAFE_LINK = /^(https?:|mailto:|#)/i;
const DATA_IMAGE = /^data:image\/(png|gif|jpe?g|webp);base64,[a-z0-9+/=\s]+$/i;

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A URL as marked hands it over, with entities decoded so "jav&#x61;script:" is caught too. */
function normaliseUrl(href: string): string {
  const decoded = href.replace(/&#(x?)([0-9a-f]+);?/gi, (_m, hex: string, digits: string) =>
    String.fromCodePoint(Number.parseInt(digits, hex ? 16 : 10)),
  );
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  return [...decoded].filter((c) => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) !== 0x7f).join('');
}

export function isSafeLink(href: string): boolean {
  const url = normaliseUrl(href);
  // No scheme at all (a relative path) is harmless too, but there is nothing local to link to.
  return SAFE_LINK.test(url);
}

const marked = new Marked({
  gfm: true,
  // A single newline from the model is a line break, as in the probability view (pre-wrap tokens).
  breaks: true,
  async: false,
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const { html, language } = highlightCode(text, lang);
      const label = language ? ` data-language="${escapeHtml(language)}"` : '';
      return `<pre class="code-block"${label}><code class="hljs">${html}</code></pre>\n`;
    },
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link(this: { parser: { parseInline(tokens: Tokens.Link['tokens']): string } }, token: Tokens.Link): string {
      const inner = this.parser.parseInline(token.tokens);
      if (!isSafeLink(token.href)) return `<span class="unsafe-link">${inner}</span>`;
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
      return `<a href="${escapeHtml(normaliseUrl(token.href))}"${title} rel="noopener noreferrer" target="_blank">${inner}</a>`;
    },
    image({ href, text }: Tokens.Image): string {
      const url = normaliseUrl(href);
      if (!DATA_IMAGE.test(url)) {
        return `<span class="blocked-image" title="Remote images are not loaded">[image: ${escapeHtml(text)}]</span>`;
      }
      return `<img src="${escapeHtml(url)}" alt="${escapeHtml(text)}">`;
    },
  },
});

/** Markdown → HTML with raw HTML escaped and unsafe URLs dropped. No DOM needed. */
export function markdownToHtml(source: string): string {
  const out = marked.parse(source, { async: false });
  return typeof out === 'string' ? out : '';
}

let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (!isSafeLink(href)) node.removeAttribute('href');
      node.setAttribute('rel', 'noopener noreferrer');
      node.setAttribute('target', '_blank');
    }
    if (node.tagName === 'IMG') {
      const src = node.getAttribute('src') ?? '';
      if (!DATA_IMAGE.test(src)) node.remove();
    }
  });
}

/** Markdown → sanitized HTML for {@html}. In a browser DOMPurify checks the result again. */
export function renderMarkdown(source: string): string {
  const html = markdownToHtml(source);
  if (!DOMPurify.isSupported) return html;
  installHooks();
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
    FORBID_ATTR: ['style'],
    ADD_ATTR: ['target'],
  });
}
