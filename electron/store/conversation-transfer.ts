import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { DEFAULT_SAMPLING, samplingSchema } from '../contract/model';
import type { ConversationSummary, ExportedFile, ImportResult, Message } from '../contract/conversation';
import type { Conversations } from './conversations';
import type { MessageTree } from './message-tree';
import { invalid, samplingOverridesSchema, type ConversationRow } from './rows';
import {
  originIds,
  parentsFirst,
  parseJsonDocument,
  safeFileName,
  toJsonDocument,
  toMarkdown,
  type ConversationExport,
  type ExportDocument,
} from './transfer';
import { looksLikeZip, readZip, type ZipProblem } from './zip-read';
import { ZipFileWriter } from './zip-write';

/** What an archive to import may hold: an export of 10,000 conversations has 20,000 entries. */
const ARCHIVE_LIMITS = { maxEntries: 65_535, maxInflatedBytes: 1024 * 1024 * 1024 };

function archiveProblem(problem: ZipProblem): Error {
  switch (problem.kind) {
    case 'too-many-entries':
      return invalid(`This archive has ${problem.count} files, more than an export of Glassbox has.`);
    case 'too-large':
      return invalid(`This archive's conversations would take ${Math.round(problem.declared / 2 ** 20)} MB, more than Glassbox imports at once.`);
    case 'damaged':
    case 'zip64':
    case 'inflates-past-size':
    case 'wrong-size':
    case 'method':
      return invalid('This file is not an archive written by "Export all" (the zip is damaged or of another kind).');
  }
}

/** Export (one conversation as Markdown or JSON, all of them as a zip) and import of either. */
export class ConversationTransfer {
  constructor(
    private readonly db: Database.Database,
    private readonly conversations: Conversations,
    private readonly tree: MessageTree,
    /** The database file, or null in memory: an export is staged beside it. */
    private readonly databasePath: string | null,
  ) {}

  /** Gives exported answers the document passages they cite (the documents live in their own tables). */
  private attachSources: (messages: Message[]) => Message[] = (messages) => messages;

  useSources(attach: (messages: Message[]) => Message[]): void {
    this.attachSources = attach;
  }

  exportConversation(id: string, format: 'markdown' | 'json'): ExportedFile {
    const now = Date.now();
    const data = this.db.transaction(() => this.exportData(this.conversations.require(id)))();
    const name = safeFileName(data.detail.title, data.detail.id);
    if (format === 'markdown') {
      return { fileName: `${name}.md`, mimeType: 'text/markdown', encoding: 'utf8', content: toMarkdown(data.detail, now) };
    }
    return {
      fileName: `${name}.json`,
      mimeType: 'application/json',
      encoding: 'utf8',
      content: JSON.stringify(toJsonDocument(data, now)),
    };
  }

  /** The archive's name for an export made at `now`: glassbox-export-YYYY-MM-DD.zip. */
  static archiveFolder(now: number): string {
    return `glassbox-export-${new Date(now).toISOString().slice(0, 10)}`;
  }

  /**
   * Writes every conversation (JSON, which imports back, and Markdown) into a zip at `path`, one
   * conversation at a time from one read snapshot: memory holds one conversation, not the archive.
   */
  exportAllTo(path: string, now = Date.now()): { conversations: number; bytes: number } {
    const folder = ConversationTransfer.archiveFolder(now);
    const writer = new ZipFileWriter(path, new Date(now));
    let conversations = 0;
    try {
      this.db.transaction(() => {
        for (const row of this.conversations.all()) {
          const data = this.exportData(row);
          const name = `${folder}/${safeFileName(row.title, row.id)}`;
          writer.add(`${name}.json`, Buffer.from(JSON.stringify(toJsonDocument(data, now)), 'utf8'));
          writer.add(`${name}.md`, Buffer.from(toMarkdown(data.detail, now), 'utf8'));
          conversations++;
        }
      })();
      return { conversations, bytes: writer.finish() };
    } catch (error) {
      writer.abort();
      throw error;
    }
  }

  /** The whole export as a file to hand to a browser (web mode's download, the renderer's save). */
  exportAll(): ExportedFile {
    const now = Date.now();
    const folder = ConversationTransfer.archiveFolder(now);
    const path = join(this.databasePath === null ? tmpdir() : dirname(this.databasePath), `.${folder}-${process.pid}-${now}.zip`);
    try {
      this.exportAllTo(path, now);
      return { fileName: `${folder}.zip`, mimeType: 'application/zip', encoding: 'base64', content: readFileSync(path).toString('base64') };
    } finally {
      rmSync(path, { force: true });
    }
  }

  /**
   * Imports what "Import…" was given: one JSON export, or an "Export all" zip (its .json files; the
   * Markdown copies are for people). All of it or nothing, in one transaction. A conversation
   * already here (the one exported, or an earlier import of it) is reported, not added again.
   */
  importFile(bytes: Uint8Array): ImportResult {
    const documents = looksLikeZip(bytes) ? this.archiveDocuments(bytes) : [parseJsonDocument(Buffer.from(bytes).toString('utf8'))];
    return this.db.transaction((): ImportResult => {
      const result: ImportResult = { imported: [], alreadyPresent: [] };
      for (const document of documents) {
        const present = this.conversations.presentAs(originIds(document));
        if (present !== null) result.alreadyPresent.push(present);
        else result.imported.push(this.insert(document));
      }
      return result;
    })();
  }

  /** Imports a conversation exported as JSON (tree, stats and token probabilities kept) under new ids, always as a new copy. */
  importConversation(json: string): ConversationSummary {
    const document = parseJsonDocument(json);
    return this.db.transaction(() => this.insert(document))();
  }

  private archiveDocuments(bytes: Uint8Array): ExportDocument[] {
    const isExport = (name: string): boolean => name.toLowerCase().endsWith('.json');
    const entries = readZip(bytes, ARCHIVE_LIMITS, (name) => !isExport(name), archiveProblem);
    if (entries.length === 0) throw invalid('This archive holds no Glassbox conversations (no .json files).');
    return entries.map((entry) => {
      try {
        return parseJsonDocument(Buffer.from(entry.data).toString('utf8'));
      } catch (error) {
        throw invalid(`${entry.name} in this archive: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }

  private insert(document: ExportDocument): ConversationSummary {
    const ordered = parentsFirst(document.messages);
    const source = document.conversation;
    const overrides = samplingOverridesSchema.parse(source.sampling ?? {});
    if (!samplingSchema.safeParse({ ...DEFAULT_SAMPLING, ...overrides }).success) {
      throw invalid('This Glassbox export is damaged: its sampling settings are out of range.');
    }
    const conversationId = this.conversations.insertImported({
      title: source.title,
      createdAt: source.createdAt,
      pinned: source.pinned === true,
      systemPrompt: source.systemPrompt ?? '',
      samplingOverrides: overrides,
      originId: source.originId ?? source.id ?? null,
    });
    this.tree.insertTree(conversationId, ordered, source.currentLeafId ?? ordered[ordered.length - 1]?.id ?? null);
    return this.conversations.summary(conversationId);
  }

  private exportData(row: ConversationRow): ConversationExport {
    const detail = this.conversations.detail(row);
    return {
      detail: { ...detail, messages: this.attachSources(detail.messages) },
      originId: this.conversations.originOf(row),
      samplingOverrides: this.conversations.samplingOverrides(row),
      tree: this.attachSources(this.tree.wholeTree(row.id)),
    };
  }
}
