import type { GlassboxClient } from '../../../../electron/contract/api';
import type { DocumentInfo, IngestProgress, Source } from '../../../../electron/contract/documents';
import { MAX_DOCUMENT_BYTES } from '../../../../electron/contract/document-size';
import { describeError } from '../errors';
import { toBase64 } from '../documents/citations';

/** The bytes of one upload part in web mode (base64 grows it by a third; the socket takes 1 MiB a message). */
const UPLOAD_PART_BYTES = 480 * 1024;
/** Which files the picker offers (the server decides what it accepts). */
export const DOCUMENT_ACCEPT =
  '.pdf,.docx,.md,.markdown,.txt,.text,.html,.htm,.csv,.log,.rst,.json,.yaml,.yml,.toml,.xml,.ts,.js,.py,.rs,.go,.java,.c,.h,.cpp,.cs,.rb,.php,.sh,.sql,.svelte,.css';

export interface IngestJob {
  jobId: string;
  name: string;
  stage: IngestProgress['stage'] | 'uploading';
  progress: number;
  message: string | null;
}

/** The passage opened from a citation or a Sources list: one at a time, shown in the side panel. */
class PassageViewer {
  source = $state.raw<Source | null>(null);

  open(source: Source): void {
    this.source = source;
  }

  close(): void {
    this.source = null;
  }
}

/** One viewer for the window: MessageView and SourcesList open it, the side panel shows it (PassagePanel). */
export const passageViewer = new PassageViewer();

let nextJob = 1;

/**
 * Documents in the open conversation: the chips above the input, the files being added (progress
 * from 'documents.progress' events), adding by path (Electron) or by upload (web mode).
 */
export class DocumentsState {
  attached = $state.raw<DocumentInfo[]>([]);
  jobs = $state<IngestJob[]>([]);
  private conversationId: string | null = null;

  constructor(
    private readonly client: GlassboxClient,
    private readonly report: (text: string, tone?: 'error' | 'info') => void,
    /** The open conversation's id, creating one when none is open. */
    private readonly ensureConversation: () => Promise<string | null>,
  ) {
    client.on('documents.progress', (event) => this.progress(event));
  }

  /** Reads the chips of the conversation now shown. */
  async show(conversationId: string | null): Promise<void> {
    this.conversationId = conversationId;
    if (conversationId === null) {
      this.attached = [];
      return;
    }
    try {
      const attached = await this.client.call('documents.attached', { conversationId });
      if (this.conversationId === conversationId) this.attached = attached;
    } catch (error) {
      this.report(describeError(error));
    }
  }

  /** Adds files to the open conversation (creating one if needed), each as its own job. */
  async add(files: readonly File[], pathForFile: (file: File) => string | null): Promise<void> {
    if (files.length === 0) return;
    const conversationId = await this.ensureConversation();
    if (conversationId === null) return;
    await Promise.all(files.map((file) => this.addOne(file, pathForFile(file), conversationId)));
    if (this.conversationId === conversationId) await this.show(conversationId);
  }

  private async addOne(file: File, path: string | null, conversationId: string): Promise<void> {
    const jobId = `job-${Date.now().toString(36)}-${nextJob++}`;
    this.jobs = [...this.jobs, { jobId, name: file.name, stage: path ? 'reading' : 'uploading', progress: 0, message: null }];
    try {
      if (path) {
        await this.client.call('documents.addPath', { path, jobId, conversationId });
      } else {
        if (file.size > MAX_DOCUMENT_BYTES) {
          const message = `“${file.name}” was not added: the file is over the ${MAX_DOCUMENT_BYTES / 2 ** 20} MB limit.`;
          this.update(jobId, { stage: 'error', progress: 1, message });
          return;
        }
        const uploadId = jobId;
        for (let offset = 0; offset < file.size; offset += UPLOAD_PART_BYTES) {
          const part = new Uint8Array(await file.slice(offset, offset + UPLOAD_PART_BYTES).arrayBuffer());
          await this.client.call('documents.uploadPart', { uploadId, offset, data: toBase64(part) });
          this.update(jobId, { progress: Math.min(1, (offset + part.length) / file.size) * 0.3 });
        }
        await this.client.call('documents.addUpload', { uploadId, name: file.name, jobId, conversationId });
      }
    } catch (error) {
      const message = describeError(error);
      this.update(jobId, { stage: 'error', progress: 1, message });
    }
  }

  private update(jobId: string, patch: Partial<IngestJob>): void {
    this.jobs = this.jobs.map((job) => (job.jobId === jobId ? { ...job, ...patch } : job));
  }

  private progress(event: IngestProgress): void {
    if (!this.jobs.some((job) => job.jobId === event.jobId)) return;
    this.update(event.jobId, { stage: event.stage, progress: event.progress, message: event.message });
    if (event.stage === 'done') {
      if (event.duplicate) this.report(`“${event.name}” was already added; the same file is used again.`, 'info');
      for (const warning of event.document?.warnings ?? []) this.report(`${event.name}: ${warning}`, 'info');
      setTimeout(() => this.dismiss(event.jobId), 1500);
    }
    if (event.stage === 'cancelled') this.dismiss(event.jobId);
  }

  dismiss(jobId: string): void {
    this.jobs = this.jobs.filter((job) => job.jobId !== jobId);
  }

  async cancel(jobId: string): Promise<void> {
    try {
      await this.client.call('documents.cancel', { jobId });
    } catch (error) {
      this.report(describeError(error));
    }
  }

  async detach(documentId: string): Promise<void> {
    const conversationId = this.conversationId;
    if (conversationId === null) return;
    try {
      this.attached = await this.client.call('documents.detach', { conversationId, documentId });
    } catch (error) {
      this.report(describeError(error));
    }
  }
}
