import { Tokenizer } from 'htmlparser2';

/**
 * HTML to plain text for indexing. Nothing here is ever rendered: the output is text given to a
 * model and shown as text, so "safe" means no markup, scripts or styles survive as content.
 *
 * htmlparser2's tokenizer reads the page in one pass and decodes character references with the
 * full HTML5 table (through the `entities` package). Its Parser is not used: it keeps open
 * elements in an array it unshifts, which is quadratic on a page of unclosed tags, and text
 * extraction needs no tree, only a few counters. Headings become Markdown headings (`## Title`),
 * so the chunker can follow them as it does in Markdown files.
 */

/** Elements whose content is not text for a reader (the title is kept apart, as the first heading). */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'head', 'title']);
const BLOCK = new Set([
  'p', 'div', 'section', 'article', 'main', 'aside', 'header', 'footer', 'nav', 'blockquote', 'pre', 'table', 'thead', 'tbody',
  'tfoot', 'tr', 'ul', 'ol', 'dl', 'dd', 'dt', 'figure', 'figcaption', 'form', 'fieldset', 'details', 'summary', 'address', 'hr',
]);
const HEADING = /^h([1-6])$/;

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Where text goes while the page is read: the body, a heading being collected, the title. */
class TextSink {
  readonly out: string[] = [];
  /** Open hidden elements, by name (a count each, so an unmatched close tag cannot unhide). */
  private readonly hidden = new Map<string, number>();
  private hiddenCount = 0;
  private heading: { level: number; text: string[] } | null = null;
  private title: string[] | null = null;
  titleText: string | null = null;

  open(name: string): void {
    if (name === 'title' && this.titleText === null) this.title = [];
    if (HIDDEN.has(name)) {
      this.hidden.set(name, (this.hidden.get(name) ?? 0) + 1);
      this.hiddenCount++;
    }
    if (this.hiddenCount > 0) return;
    const level = HEADING.exec(name)?.[1];
    if (level !== undefined) {
      this.closeHeading();
      this.heading = { level: Number(level), text: [] };
    } else if (name === 'br') this.out.push('\n');
    else if (name === 'li') this.out.push('\n- ');
    else if (name === 'td' || name === 'th') this.out.push(' \t ');
    else if (BLOCK.has(name)) this.out.push('\n\n');
  }

  close(name: string): void {
    if (name === 'title' && this.title !== null) {
      this.titleText = oneLine(this.title.join(''));
      this.title = null;
    }
    const open = this.hidden.get(name);
    if (open !== undefined) {
      if (open > 1) this.hidden.set(name, open - 1);
      else this.hidden.delete(name);
      this.hiddenCount--;
      return;
    }
    if (this.hiddenCount > 0) return;
    if (HEADING.test(name)) this.closeHeading();
    else if (name === 'li') this.out.push('\n');
    else if (name === 'td' || name === 'th') this.out.push(' \t ');
    else if (BLOCK.has(name)) this.out.push('\n\n');
  }

  text(text: string): void {
    this.title?.push(text);
    if (this.hiddenCount > 0) return;
    if (this.heading !== null) this.heading.text.push(text);
    else this.out.push(text);
  }

  closeHeading(): void {
    if (this.heading === null) return;
    const text = oneLine(this.heading.text.join(''));
    this.out.push(text === '' ? '\n\n' : `\n\n${'#'.repeat(this.heading.level)} ${text}\n\n`);
    this.heading = null;
  }
}

export function htmlToText(html: string): string {
  const sink = new TextSink();
  const name = (start: number, end: number): string => html.slice(start, end).toLowerCase();
  const ignore = (): void => {};
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname: (start, end) => sink.open(name(start, end)),
      onclosetag: (start, end) => sink.close(name(start, end)),
      ontext: (start, end) => sink.text(html.slice(start, end)),
      ontextentity: (codepoint) => sink.text(String.fromCodePoint(codepoint)),
      onattribdata: ignore,
      onattribentity: ignore,
      onattribend: ignore,
      onattribname: ignore,
      oncdata: ignore,
      oncomment: ignore,
      ondeclaration: ignore,
      onend: ignore,
      onopentagend: ignore,
      onprocessinginstruction: ignore,
      onselfclosingtag: ignore,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  sink.closeHeading();

  const text = sink.out
    .join('')
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const title = sink.titleText ?? '';
  return title !== '' && !text.startsWith(`# ${title}`) ? `# ${title}\n\n${text}` : text;
}
