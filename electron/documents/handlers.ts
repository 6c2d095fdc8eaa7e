import type { Handlers } from '../contract/rpc';
import type { ConversationDetail } from '../contract/conversation';
import type { DocumentService } from './service';

export type DocumentCallName =
  | 'documents.list'
  | 'documents.addPath'
  | 'documents.uploadPart'
  | 'documents.addUpload'
  | 'documents.cancel'
  | 'documents.remove'
  | 'documents.attached'
  | 'documents.attach'
  | 'documents.detach'
  | 'documents.search'
  | 'documents.setEmbeddingModel'
  | 'documents.embeddingStatus'
  | 'documents.reindexVectors';

/** The documents calls, each answered by one DocumentService method (spread into createHandlers). */
export function documentHandlers(documents: DocumentService): Pick<Handlers, DocumentCallName> {
  return {
    'documents.list': async () => documents.list(),
    'documents.addPath': async ({ path, jobId, conversationId }) => documents.ingestPath(path, { jobId, conversationId }),
    'documents.uploadPart': async ({ uploadId, offset, data }) => documents.uploadPart(uploadId, offset, data),
    'documents.addUpload': async ({ uploadId, name, jobId, conversationId }) =>
      documents.ingestUpload(uploadId, name, { jobId, conversationId }),
    'documents.cancel': async ({ jobId }) => ({ cancelled: documents.cancel(jobId) }),
    'documents.remove': async ({ id }) => ({ removed: documents.remove(id) }),
    'documents.attached': async ({ conversationId }) => documents.attached(conversationId),
    'documents.attach': async ({ conversationId, documentId }) => documents.attach(conversationId, documentId),
    'documents.detach': async ({ conversationId, documentId }) => documents.detach(conversationId, documentId),
    // Hybrid (BM25 + vectors) when the chosen embedding model's vectors exist, BM25 alone otherwise.
    'documents.search': async ({ query, top, documentIds }) => documents.searchHybrid(query, top ?? 10, documentIds),
    'documents.setEmbeddingModel': async ({ path }) => documents.setEmbeddingModel(path),
    'documents.embeddingStatus': async () => documents.embeddingStatus(),
    'documents.reindexVectors': async () => documents.reindexVectors(),
  };
}

/** A conversation with each answer's stored sources (the message reader knows nothing of documents). */
export function withSources(documents: DocumentService, detail: ConversationDetail): ConversationDetail {
  return { ...detail, messages: documents.withSources(detail.messages) };
}
