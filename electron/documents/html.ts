/**
 * HTML to plain text for indexing. Nothing here is ever rendered: the output is text given to a
 * model and shown as text, so "safe" means no markup, scripts or styles survive as content, and no
 * pattern can take more than linear time on hostile input. Headings become Markdown headings
 * (`## Title`), so the chunker can follow them as it does in Markdown files.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  middot: '·',
  bull: '•',
  times: '×',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
  uuml: 'ü',
  ouml: 'ö',
  auml: 'ä',
  szlig: 'ß',
  euro: '€',
  pound: '£',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Elements whose content is not text for a reader. */
const HIDDEN = /<(script|style|noscript|template|svg|math|iframe|object|canvas|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK =
  /<\/?(p|div|section|article|main|aside|header|footer|nav|blockquote|pre|table|thead|tbody|tfoot|tr|ul|ol|dl|dd|dt|figure|figcaption|form|fieldset|details|summary|address|hr)\b[^>]*>/gi;

export function htmlToText(html: string): string {
  const title = /<title\b[^>]*>([^<]*)<\/title\s*>/i.exec(html)?.[1];
  let text = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ' ')
    .replace(/<![^>]*>/g, ' ')
    .replace(/<\?[^>]*>/g, ' ')
    .replace(HIDDEN, ' ');
  text = text.replace(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi, (_whole, level: string, inner: string) => {
    const heading = stripTags(inner).replace(/\s+/g, ' ').trim();
    return heading === '' ? '\n\n' : `\n\n${'#'.repeat(Number(level))} ${heading}\n\n`;
  });
  text = text
    .replace(/<br\b[^>]*>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/li\s*>/gi, '\n')
    .replace(/<\/?(td|th)\b[^>]*>/gi, ' \t ')
    .replace(BLOCK, '\n\n');
  text = stripTags(text);
  text = text
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const heading = title === undefined ? '' : decodeEntities(title).replace(/\s+/g, ' ').trim();
  return heading !== '' && !text.startsWith(`# ${heading}`) ? `# ${heading}\n\n${text}` : text;
}

function stripTags(html: string): string {
  // A tag is `<` followed by a letter or `/`; a lone `<` (as in `a < b`) is text.
  return decodeEntities(html.replace(/<\/?[a-z][^>]*>/gi, ''));
}
