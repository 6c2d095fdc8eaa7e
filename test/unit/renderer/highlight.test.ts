import { describe, expect, it } from 'vitest';
import { highlightCode } from '../../../renderer/src/lib/highlight';
import { markdownToHtml } from '../../../renderer/src/lib/markdown';

describe('code blocks', () => {
  it('highlights a named language', () => {
    const { html, language } = highlightCode('const x = 1; // one', 'ts');
    expect(language).toBe('ts');
    expect(html).toContain('hljs-keyword');
    expect(html).toContain('hljs-comment');
  });

  it('escapes code in a language it does not know', () => {
    const { html } = highlightCode('<script>alert(1)</script>', 'klingon');
    expect(html).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('renders fenced code as a labelled, escaped block', () => {
    const html = markdownToHtml('```python\nprint("<b>")\n```');
    expect(html).toContain('<pre class="code-block" data-language="python">');
    expect(html).not.toContain('<b>');
    expect(html).toContain('hljs-built_in');
  });
});
