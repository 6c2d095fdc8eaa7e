import { describe, expect, it } from 'vitest';
import { isSafeLink, markdownToHtml, renderMarkdown } from '../../../renderer/src/lib/markdown';

describe('renderer markdown', () => {
  it('breaks lines where the answer does, as the probability view shows them', () => {
    expect(markdownToHtml('One day, Lily went out.\nShe saw a cat.')).toMatch(/went out\.<br>\s*She saw/);
  });

  it('renders ordinary Markdown', () => {
    const html = markdownToHtml('**bold** and `code`\n\n- one\n- two');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<li>one</li>');
  });

  it('never emits a <script> element', () => {
    const html = markdownToHtml('hello <script>alert(1)</script>\n\n<script src="x.js"></script>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;');
  });

  it('never emits event-handler attributes such as onerror', () => {
    const html = markdownToHtml('<img src=x onerror="alert(1)">\n\ninline <b onmouseover="alert(1)">x</b>');
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b\s/i);
    // The text survives, escaped, so the reader sees what the model wrote.
    expect(html).toContain('onerror=');
    expect(html).not.toMatch(/<[^>]+\son\w+=/i);
  });

  it('drops javascript:, vbscript: and data: links, including disguised ones', () => {
    for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'jav&#x61;script:alert(1)', 'vbscript:x', 'data:text/html,<b>x</b>']) {
      const html = markdownToHtml(`[click](${href})`);
      expect(html, href).not.toMatch(/href=/i);
      expect(html, href).toContain('click');
      expect(isSafeLink(href), href).toBe(false);
    }
  });

  it('keeps http(s) and mailto links, with rel="noopener noreferrer"', () => {
    const html = markdownToHtml('[site](https://example.org/a?b=1) and <https://example.com>');
    expect(html).toContain('href="https://example.org/a?b=1"');
    expect(html).toContain('rel="noopener noreferrer"');
    expect(isSafeLink('mailto:a@example.org')).toBe(true);
  });

  it('loads no remote images; data: images stay', () => {
    const remote = markdownToHtml('![tracker](https://example.org/pixel.png)');
    expect(remote).not.toMatch(/<img/i);
    expect(remote).toContain('tracker');
    const local = markdownToHtml('![dot](data:image/png;base64,iVBORw0KGgo=)');
    expect(local).toContain('<img src="data:image/png;base64,iVBORw0KGgo="');
  });

  it('escapes code blocks', () => {
    const html = markdownToHtml('```html\n<script>alert(1)</script>\n```');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<pre class="code-block"');
  });

  it('falls back to the marked layer when there is no DOM (Node)', () => {
    expect(renderMarkdown('<script>x</script>')).not.toMatch(/<script/i);
  });
});
