import { resolve } from 'node:path';
import { defaultDataDir } from '../services/app-info';
import { intOption, parse, UsageError } from './args';
import { openDocuments } from './ingest';

/** `glassbox search QUERY [--data-dir DIR] [--top K] [--json]`: BM25 search over the added documents. */
export async function runSearch(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { 'data-dir': { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  if (positionals.length === 0) throw new UsageError('search needs a QUERY.');
  const top = intOption(values.top, 'top', 1, 100) ?? 5;
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const { store, documents } = openDocuments(dataDir);
  try {
    const hits = documents.search(positionals.join(' '), top);
    if (values.json) {
      const rows = hits.map((hit) => ({ document: hit.document, page: hit.page, text: hit.text, score: hit.score }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (hits.length === 0) process.stdout.write('No passages match.\n');
    else {
      hits.forEach((hit, i) => {
        const where = hit.page === null ? hit.document : `${hit.document}, page ${hit.page}`;
        const excerpt = hit.text.replace(/\s+/g, ' ').slice(0, 240);
        process.stdout.write(`${i + 1}. ${where} (score ${hit.score.toFixed(2)})\n   ${excerpt}${hit.text.length > 240 ? '…' : ''}\n`);
      });
    }
  } finally {
    store.close();
  }
  return 0;
}
