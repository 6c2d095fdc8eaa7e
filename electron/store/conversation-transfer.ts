import type Database from 'better-sqlite3';
import { DEFAULT_SAMPLING, samplingSchema } from '../contract/model';
import type { ConversationSummary, ExportedFile } from '../contract/conversation';
import type { Conversations } from './conversations';
import type { MessageTree } from './message-tree';
import { invalid, samplingOverridesSchema, type ConversationRow } from './rows';
import { parentsFirst, parseJsonDocument, safeFileName, toJsonDocument, toMarkdown, type ConversationExport } from './transfer';
import { createZip, type ZipEntry } from './zip';

/** Export (one conversation as Markdown or JSON, all of them as a zip) and import of a JSON export. */
export class ConversationTransfer {
  constructor(
    private readonly db: Database.Database,
    private readonly conversations: Conversations,
    private readonly tree: MessageTree,
  ) {}

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

  exportAll(): ExportedFile {
    const now = Date.now();
    const modified = new Date(now);
    const folder = `glassbox-export-${new Date(now).toISOString().slice(0, 10)}`;
    const entries: ZipEntry[] = [];
    this.db.transaction(() => {
      for (const row of this.conversations.all()) {
        const data = this.exportData(row);
        const name = `${folder}/${safeFileName(row.title, row.id)}`;
        entries.push({ name: `${name}.json`, data: Buffer.from(JSON.stringify(toJsonDocument(data, now)), 'utf8'), modified });
        entries.push({ name: `${name}.md`, data: Buffer.from(toMarkdown(data.detail, now), 'utf8'), modified });
      }
    })();
    return {
      fileName: `${folder}.zip`,
      mimeType: 'application/zip',
      encoding: 'base64',
      content: createZip(entries).toString('base64'),
    };
  }

  /** Imports a conversation exported as JSON (tree, stats and token probabilities kept) under new ids. */
  importConversation(json: string): ConversationSummary {
    const document = parseJsonDocument(json);
    const ordered = parentsFirst(document.messages);
    const source = document.conversation;
    const overrides = samplingOverridesSchema.parse(source.sampling ?? {});
    if (!samplingSchema.safeParse({ ...DEFAULT_SAMPLING, ...overrides }).success) {
      throw invalid('This Glassbox export is damaged: its sampling settings are out of range.');
    }
    return this.db.transaction(() => {
      const conversationId = this.conversations.insertImported({
        title: source.title,
        createdAt: source.createdAt,
        pinned: source.pinned === true,
        systemPrompt: source.systemPrompt ?? '',
        samplingOverrides: overrides,
      });
      this.tree.insertTree(conversationId, ordered, source.currentLeafId ?? ordered[ordered.length - 1]?.id ?? null);
      return this.conversations.summary(conversationId);
    })();
  }

  private exportData(row: ConversationRow): ConversationExport {
    return {
      detail: this.conversations.detail(row),
      samplingOverrides: this.conversations.samplingOverrides(row),
      tree: this.tree.wholeTree(row.id),
    };
  }
}
