import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatService } from '../../../electron/services/chat-service';
import type { EventPayload } from '../../../electron/contract/api';
import type { Embeddings, GenerateRequest, GenerateResult } from '../../../electron/contract/engine-protocol';
import { GlassboxError } from '../../../electron/contract/errors';
import type { ModelFacts } from '../../../electron/contract/model';
import { EventHub } from '../../../electron/contract/rpc';
import { indexInProcess } from '../../../electron/documents/indexer';
import { RRF_K } from '../../../electron/documents/retrieval';
import type { ContextBudget, DocumentContext, DocumentContextProvider } from '../../../electron/documents/context-budget';
import { DocumentService } from '../../../electron/documents/service';
import type { Source } from '../../../electron/contract/documents';
import type { Engine, Generation, OnTokens } from '../../../electron/engine/engine';
import { DocumentsStore } from '../../../electron/documents/documents-store';
import { openStore } from '../../../electron/store/sqlite-store';
import type { SqliteStore } from '../../../electron/store/sqlite-store';

const dir = mkdtempSync(join(tmpdir(), 'gb-chat-retrieval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FACTS: ModelFacts = {
  path: '/models/fake.gguf',
  fileName: 'fake.gguf',
  name: 'fake',
  architecture: 'llama',
  layers: 1,
  embeddingLength: 8,
  attentionHeads: 1,
  kvHeads: 1,
  trainedContextLength: 256,
  contextSize: 256,
  vocabSize: 32,
  parameters: 1000,
  fileSizeBytes: 1,
  chatTemplate: 'fake',
  gpu: 'cpu',
  gpuLayers: 0,
  threads: 1,
};

/** An engine that records each request and answers with one token when told to. */
class RecordingEngine implements Engine {
  readonly pid = null;
  readonly requests: GenerateRequest[] = [];
  private readonly running: Array<{ finish: (status: GenerateResult['status']) => void }> = [];

  async load(): Promise<ModelFacts> {
    return FACTS;
  }
  async unload(): Promise<void> {}
  generate(request: GenerateRequest, onTokens: OnTokens): Generation {
    this.requests.push(request);
    let finish!: (status: GenerateResult['status']) => void;
    const result = new Promise<GenerateResult>((resolve) => {
      finish = (status) => {
        if (status === 'complete') onTokens({ first: 0, tokens: [{ id: 1, text: ' yes', p: 0.9, top: [{ id: 1, text: ' yes', p: 0.9 }] }] });
        resolve({ status, finishReason: status === 'complete' ? 'eog' : 'cancelled', text: '', tokens: 1, promptTokens: 5, evaluatedPromptTokens: 5, ttftMs: 1, tokensPerSecond: 1, totalMs: 1 });
      };
    });
    const entry = { finish };
    this.running.push(entry);
    return { result, stop: () => entry.finish('stopped') };
  }
  /** Ends every generation started so far as complete. */
  completeAll(): void {
    for (const entry of this.running.splice(0)) entry.finish('complete');
  }
  async tokenize(): Promise<never[]> {
    return [];
  }
  async score(): Promise<never> {
    throw new GlassboxError('internal', 'not used');
  }
  onCrash(): () => void {
    return () => {};
  }
  async dispose(): Promise<void> {}
}

const SOURCE: Source = { n: 1, documentId: 'd', documentName: 'notes.txt', chunkId: 1, page: 3, heading: '', text: 'The code is 4417.', score: 2 };

/** Retrieval that waits until the test lets it go, as an embedding model does while it embeds the question. */
class SlowRetrieval implements DocumentContextProvider {
  calls = 0;
  saved: string[] = [];
  private pending: Array<{ resolve: (context: DocumentContext | null) => void; reject: (error: unknown) => void }> = [];

  retrieveContext(_conversationId: string, _question: string, _budget: ContextBudget): Promise<DocumentContext | null> {
    this.calls++;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  saveSources(messageId: string): void {
    this.saved.push(messageId);
  }
  contextOf(): string | null {
    return null;
  }
  release(): void {
    for (const p of this.pending.splice(0)) p.resolve({ system: '<document n="1">The code is 4417.</document>', sources: [SOURCE] });
  }
  fail(error: unknown): void {
    for (const p of this.pending.splice(0)) p.reject(error);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('a question waits for retrieval with the engine reserved', () => {
  let store: SqliteStore;
  let hub: EventHub;
  let engine: RecordingEngine;
  let retrieval: SlowRetrieval;
  let chat: ChatService;
  let ends: Array<EventPayload<'chat.end'>>;

  beforeEach(() => {
    store = openStore(':memory:');
    hub = new EventHub();
    ends = [];
    hub.subscribe((event) => {
      if (event.name === 'chat.end') ends.push(event.payload as EventPayload<'chat.end'>);
    });
    engine = new RecordingEngine();
    retrieval = new SlowRetrieval();
    chat = new ChatService(engine, store, hub, { facts: FACTS });
    chat.useDocuments(retrieval);
  });
  afterEach(() => store.close());

  it('refuses a second send as busy while the first one retrieves, and only the first reaches the engine', async () => {
    const a = store.createConversation('A');
    const b = store.createConversation('B');
    const first = chat.send({ conversationId: a.id, text: 'What is the code?' });
    expect(chat.isGenerating).toBe(true);
    await expect(chat.send({ conversationId: a.id, text: 'again' })).rejects.toMatchObject({ kind: 'busy' });
    await expect(chat.send({ conversationId: b.id, text: 'elsewhere' })).rejects.toMatchObject({ kind: 'busy' });
    await expect(chat.regenerate(a.id, store.getConversation(a.id).messages[1]?.id ?? '')).rejects.toMatchObject({ kind: 'busy' });
    expect(retrieval.calls).toBe(1);
    expect(engine.requests).toHaveLength(0);

    retrieval.release();
    const { assistantMessage } = await first;
    expect(engine.requests).toHaveLength(1);
    expect(engine.requests[0]?.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('The code is 4417.') });
    expect(assistantMessage.sources).toEqual([SOURCE]);
    expect(retrieval.saved).toEqual([assistantMessage.id]);
    // The refused prompts left nothing behind in the other conversation.
    expect(store.getConversation(b.id).messages).toEqual([]);

    engine.completeAll();
    await chat.settled();
    expect(ends.map((e) => e.status)).toEqual(['complete']);
    expect(chat.isGenerating).toBe(false);
    expect(store.getMessage(assistantMessage.id)).toMatchObject({ status: 'complete', content: ' yes' });
  });

  it('stopping during retrieval ends the answer as stopped without starting the engine, and frees it', async () => {
    const c = store.createConversation('C');
    const sent = chat.send({ conversationId: c.id, text: 'What is the code?' });
    expect(chat.stop(c.id)).toBe(true);
    retrieval.release();
    const { assistantMessage } = await sent;
    expect(assistantMessage.status).toBe('stopped');
    expect(engine.requests).toHaveLength(0);
    expect(retrieval.saved).toEqual([]);
    expect(store.getMessage(assistantMessage.id).status).toBe('stopped');
    expect(ends).toEqual([expect.objectContaining({ conversationId: c.id, messageId: assistantMessage.id, status: 'stopped', content: '' })]);
    expect(chat.isGenerating).toBe(false);

    const next = chat.send({ conversationId: c.id, text: 'Again?' });
    retrieval.release();
    await next;
    expect(engine.requests).toHaveLength(1);
    engine.completeAll();
    await chat.settled();
  });

  it('a conversation deleted and purged during retrieval leaves no answer streaming and the engine free', async () => {
    const c = store.createConversation('D');
    const sent = chat.send({ conversationId: c.id, text: 'What is the code?' });
    // As the 'conversations.delete' handler does, then the purge of deleted conversations.
    chat.stop(c.id);
    store.deleteConversation(c.id);
    expect(store.purgeDeleted(0)).toBe(1);
    retrieval.release();
    const { assistantMessage } = await sent;
    expect(assistantMessage.status).toBe('stopped');
    expect(() => store.getMessage(assistantMessage.id)).toThrow();
    expect(engine.requests).toHaveLength(0);
    expect(chat.isGenerating).toBe(false);
    await chat.settled();
  });

  it('a failed retrieval rejects with its typed error, saves the answer as an error, and frees the engine', async () => {
    const c = store.createConversation('E');
    const sent = chat.send({ conversationId: c.id, text: 'What is the code?' });
    retrieval.fail(new GlassboxError('internal', 'The index could not be read.'));
    await expect(sent).rejects.toMatchObject({ kind: 'internal', message: 'The index could not be read.' });
    const answer = store.getConversation(c.id).messages[1];
    expect(answer).toMatchObject({ role: 'assistant', status: 'error', error: { kind: 'internal' } });
    expect(chat.isGenerating).toBe(false);
    expect(engine.requests).toHaveLength(0);
  });

  it('shutdown during retrieval: stopAll marks it and settled() waits until it is saved', async () => {
    const c = store.createConversation('F');
    const sent = chat.send({ conversationId: c.id, text: 'What is the code?' });
    chat.stopAll();
    let settled = false;
    const done = chat.settled().then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    retrieval.release();
    await done;
    const { assistantMessage } = await sent;
    expect(store.getMessage(assistantMessage.id).status).toBe('stopped');
    expect(engine.requests).toHaveLength(0);
  });
});

/**
 * A stand-in embedding model with known geometry: a text's vector says which of a few topics it is
 * about, so a question can be near a passage that shares none of its words.
 */
const TOPICS = [/\b(cat|feline|kitten)s?\b/i, /\b(weather|rain|cloud)s?\b/i, /\b(boat|ship|sail)s?\b/i];
const topicEmbedder = {
  calls: 0,
  async embed(modelPath: string, texts: string[]): Promise<Embeddings> {
    this.calls++;
    const vectors = texts.map((text) => {
      const v = TOPICS.map((topic) => (topic.test(text) ? 1 : 0));
      const norm = Math.hypot(...v);
      return norm === 0 ? [0, 0, 0, 1] : [...v.map((x) => x / norm), 0];
    });
    return { model: modelPath.split('/').at(-1) ?? modelPath, dimensions: 4, vectors };
  },
};

describe('hybrid retrieval reaches the prompt', () => {
  let store: SqliteStore;

  beforeEach(() => {
    store = openStore(':memory:');
  });
  afterEach(() => store.close());

  it('a passage found only by its vector is given to the model once an embedding model is chosen; BM25 alone before', async () => {
    const model = join(dir, 'topics.gguf');
    writeFileSync(model, 'stand-in: the embedder above never reads it');
    const documents = new DocumentService({
      store: new DocumentsStore(() => store.database),
      uploadsDir: join(dir, 'up'),
      indexer: indexInProcess,
      chunking: { targetTokens: 30, overlapTokens: 0 },
      embedder: topicEmbedder,
    });
    const paragraphs = Array.from({ length: 24 }, (_, i) => `Paragraph ${i} lists the harbour fees for the year ${1990 + i} in detail.`);
    paragraphs[15] = 'Our feline friend naps on the warm windowsill every single afternoon.';
    const path = join(dir, 'mixed.txt');
    writeFileSync(path, paragraphs.join('\n\n'));
    const engine = new RecordingEngine();
    const chat = new ChatService(engine, store, new EventHub(), { facts: FACTS });
    chat.useDocuments(documents);
    const conversation = store.createConversation('Q');
    await documents.ingestPath(path, { jobId: 'm', conversationId: conversation.id });
    // No word of the question is in the passage ("cat" is not "feline"), so BM25 cannot find it.
    const question = 'Where does the cat sleep?';

    const before = await chat.send({ conversationId: conversation.id, text: question, sampling: { maxTokens: 32 } });
    engine.completeAll();
    await chat.settled();
    expect(engine.requests[0]?.messages[0]?.content).not.toContain('feline');
    expect(before.assistantMessage.sources?.some((s) => s.text.includes('feline'))).toBe(false);

    const status = await documents.setEmbeddingModel(model);
    expect(status).toMatchObject({ identity: 'topics.gguf#4', vectors: 0, indexing: false });
    const indexed = await documents.reindexVectors();
    expect(indexed.vectors).toBe(indexed.chunks);

    const after = await chat.send({ conversationId: conversation.id, text: question, sampling: { maxTokens: 32 } });
    engine.completeAll();
    await chat.settled();
    const system = engine.requests[1]?.messages[0];
    expect(system?.role).toBe('system');
    expect(system?.content).toContain('Our feline friend naps');
    const feline = after.assistantMessage.sources?.find((s) => s.text.includes('feline'));
    // Its score is reciprocal rank fusion's: 1/(k + rank) from the vector list alone.
    expect(feline?.score).toBeCloseTo(1 / (RRF_K + 1), 6);
    expect(store.getMessage(after.assistantMessage.id).status).toBe('complete');
  });

  it('documents that fit the context are given whole, with no ranking and no question vector', async () => {
    const model = join(dir, 'topics-whole.gguf');
    writeFileSync(model, 'stand-in');
    const documents = new DocumentService({
      store: new DocumentsStore(() => store.database),
      uploadsDir: join(dir, 'up2'),
      indexer: indexInProcess,
      chunking: { targetTokens: 12, overlapTokens: 0 },
      embedder: topicEmbedder,
    });
    await documents.setEmbeddingModel(model);
    const conversation = store.createConversation('W');
    const text = 'First, the harbour opens at six.\n\nSecond, boats pay a fee.\n\nThird, the kitten sleeps in the office.';
    const path = join(dir, 'small.txt');
    writeFileSync(path, text);
    const { document } = await documents.ingestPath(path, { jobId: 'w', conversationId: conversation.id });
    expect(document.chunks).toBeGreaterThan(1);
    const engine = new RecordingEngine();
    const chat = new ChatService(engine, store, new EventHub(), { facts: { ...FACTS, contextSize: 4096 } });
    chat.useDocuments(documents);
    const callsBefore = topicEmbedder.calls;
    const { assistantMessage } = await chat.send({ conversationId: conversation.id, text: 'When does it open?' });
    engine.completeAll();
    await chat.settled();
    expect(topicEmbedder.calls).toBe(callsBefore);
    // One source, the whole document (its only page), in order: all chunks rejoined.
    expect(assistantMessage.sources).toHaveLength(1);
    expect(assistantMessage.sources?.[0]).toMatchObject({ documentName: 'small.txt', score: null });
    expect(assistantMessage.sources?.[0]?.text).toBe(text);
    expect(engine.requests[0]?.messages[0]?.content).toContain(text);
  });
});
