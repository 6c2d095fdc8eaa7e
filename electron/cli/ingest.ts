import { join, resolve } from 'node:path';
import { defaultDataDir } from '../services/app-info';
import { DATABASE_FILE } from '../services/services';
import { toWireError } from '../contract/errors';
import { indexInProcess } from '../documents/indexer';
import { DocumentService } from '../documents/service';
import { DocumentsStore } from '../documents/documents-store';
import { openStore } from '../store/sqlite-store';
import type { Store } from '../store/store';
import { parse, UsageError } from './args';

/** The documents of the database in dataDir, without the engine or a window. */
export function openDocuments(dataDir: string): { store: Store; documents: DocumentService } {
  const store = openStore(join(dataDir, DATABASE_FILE));
  // The CLI has no window to keep responsive: files are read in this thread; chunk sizes are the
  // approximation (no model loaded), see documents/chunk.ts.
  const documents = new DocumentService({
    store: new DocumentsStore(() => store.database),
    uploadsDir: join(dataDir, 'uploads-cli'),
    indexer: indexInProcess,
  });
  return { store, documents };
}

/** `glassbox ingest FILE... [--data-dir DIR] [--json]`: adds files to the document library. */
export async function runIngest(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { 'data-dir': { type: 'string' }, json: { type: 'boolean' } }, true);
  if (positionals.length === 0) throw new UsageError('ingest needs at least one FILE.');
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const { store, documents } = openDocuments(dataDir);
  let failed = 0;
  const results: unknown[] = [];
  try {
    let job = 0;
    for (const file of positionals) {
      try {
        const { document, duplicate } = await documents.ingestPath(resolve(file), { jobId: `cli-${++job}` });
        results.push({ file, ok: true, duplicate, document });
        if (!values.json) {
          const what = document.kind === 'pdf' ? `${document.pages} pages, ` : '';
          process.stdout.write(
            duplicate
              ? `${document.name}: already added (same SHA-256)\n`
              : `${document.name}: added (${what}${document.chunks} passages, ~${document.tokens} tokens)\n`,
          );
          for (const warning of document.warnings) process.stderr.write(`${document.name}: warning: ${warning}\n`);
        }
      } catch (error) {
        failed++;
        const wire = toWireError(error);
        results.push({ file, ok: false, error: wire });
        if (!values.json) process.stderr.write(`${wire.message}\n`);
      }
    }
  } finally {
    store.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return failed > 0 ? 1 : 0;
}
