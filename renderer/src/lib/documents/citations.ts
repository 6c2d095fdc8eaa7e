/**
 * Makes an answer's [n] citations clickable: in the sanitized HTML of an answer, each `[n]` (n
 * between 1 and the number of sources) in text — not inside a tag, code or pre — becomes a button
 * carrying only that number. The input is DOMPurify's output; what is added is fixed markup and digits.
 */
export function linkCitations(html: string, sources: number): string {
  if (sources === 0 || !html.includes('[')) return html;
  let skip = 0;
  return html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith('<')) {
        if (/^<(code|pre)\b/i.test(part)) skip++;
        else if (/^<\/(code|pre)\s*>/i.test(part)) skip = Math.max(0, skip - 1);
        return part;
      }
      if (skip > 0) return part;
      return part.replace(/\[(\d{1,3})\]/g, (whole, digits: string) => {
        const n = Number(digits);
        return n >= 1 && n <= sources
          ? `<button type="button" class="cite" data-cite="${n}" aria-label="Show source ${n}">[${n}]</button>`
          : whole;
      });
    })
    .join('');
}

/** The citation number of a click on a citation button, or null. */
export function citationOf(target: EventTarget | null): number | null {
  if (!(target instanceof Element)) return null;
  const button = target.closest('[data-cite]');
  const n = Number(button?.getAttribute('data-cite'));
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** Where a passage is: "report.pdf, page 3" or "notes.md › Setup". */
export function sourcePlace(source: { documentName: string; page: number | null; heading: string }): string {
  if (source.page !== null) return `${source.documentName}, page ${source.page}`;
  return source.heading !== '' ? `${source.documentName} › ${source.heading}` : source.documentName;
}

/** Bytes as base64, in slices (String.fromCharCode on a whole file would overflow the stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
