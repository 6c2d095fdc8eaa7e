import type { ChatTurn, ScoredPrompt, TokenPiece } from '../contract/engine-protocol';
import type { TokenDistribution } from '../contract/token-distribution';
import { GlassboxError, isGlassboxError, toWireError, type WireError } from '../contract/errors';
import { DEFAULT_SAMPLING, type ModelFacts, type Sampling } from '../contract/model';
import type { EventHub } from '../contract/rpc';
import type { GeneratedToken } from '../contract/token';
import { DEFAULT_TITLE, type GenerationStats, type Message, type MessageStatus } from '../contract/conversation';
import type { Engine, Generation } from '../engine/engine';
import type { BranchTurn, ConversationHeader, Store } from '../store/store';
import { AnswerRecorder } from './answer-recorder';
import { identityOf, statsOf } from './answer-stats';
import { titleFromPrompt } from './titles';
import type { LoadedModel, RemoteEngines } from './service-ports';
import type { DocumentContext, DocumentContextProvider } from '../documents/context-budget';
import { LOCAL_ENGINE } from '../contract/remote';
import { droppedTurns, withoutOldestTurns } from './context-window';

/** How many alternatives each token keeps: the top-k shown in the UI and stored with the message. */
export const TOP_ALTERNATIVES = 10;

/**
 * The one answer being written. It is reserved (generation null) before the question's passages are
 * retrieved, which awaits the embedding model, so a second prompt meanwhile is refused as busy
 * instead of both reaching the engine; stop() during retrieval marks it, and it never starts.
 */
interface ActiveAnswer {
  conversationId: string;
  messageId: string;
  generation: Generation | null;
  /** Set once the engine runs: the tokens so far, for a client catching up (tokensSince). */
  recorder: AnswerRecorder | null;
  stopRequested: boolean;
}

export interface SendInput {
  conversationId: string;
  text: string;
  sampling?: Partial<Sampling> | undefined;
}

/**
 * A prompt's whole journey: saved as a user message, answered by the engine token by token,
 * each token streamed to clients as a delta and the answer saved as it grows.
 */
export class ChatService {
  private active: ActiveAnswer | null = null;
  private readonly finished = new Set<Promise<void>>();
  private documents: DocumentContextProvider | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly model: LoadedModel,
    private readonly now: () => number = Date.now,
    /** Remote endpoints' engines, for a conversation that chose one (remote/endpoints.ts). */
    private readonly remote?: RemoteEngines,
  ) {}

  private log(message: string): void {
    console.warn(message);
  }

  /** The engine a conversation chose: the local one (unchanged path) or a remote endpoint's. */
  private engineFor(conversation: ConversationHeader): { engine: Engine; facts: ModelFacts | null } {
    const chosen = conversation.engine;
    if (chosen === undefined || chosen === LOCAL_ENGINE || !this.remote) return { engine: this.engine, facts: this.model.facts };
    const engine = this.remote.engine(chosen);
    return { engine, facts: engine.facts };
  }

  /** Questions in conversations with attached documents get passages from them (electron/documents). */
  useDocuments(provider: DocumentContextProvider): void {
    this.documents = provider;
  }

  get isGenerating(): boolean {
    return this.active !== null;
  }

  /**
   * Saves the prompt and an empty answer, retrieves passages from attached documents, and starts
   * the engine. Resolves once the answer is streaming (or was stopped before it could start). The
   * engine is reserved before the first await, so a second call meanwhile is refused as busy.
   */
  async send(input: SendInput): Promise<{ userMessage: Message; assistantMessage: Message }> {
    const conversation = this.store.getConversationHeader(input.conversationId);
    return this.ask(conversation, conversation.currentLeafId, input.text, input.sampling);
  }

  /** An edited prompt is a new sibling of the old one, answered at once; the old branch stays. */
  async edit(conversationId: string, messageId: string, text: string): Promise<{ userMessage: Message; assistantMessage: Message }> {
    const original = this.messageIn(conversationId, messageId, 'user');
    return this.ask(this.store.getConversationHeader(conversationId), original.parentId, text, undefined);
  }

  /** Another answer to the same prompt, as a sibling of the given one. */
  async regenerate(conversationId: string, messageId: string): Promise<{ assistantMessage: Message }> {
    const answer = this.messageIn(conversationId, messageId, 'assistant');
    if (answer.parentId === null) throw new GlassboxError('invalid-argument', 'This answer has no prompt to answer again.');
    const conversation = this.store.getConversationHeader(conversationId);
    const facts = this.requireIdle(conversation);
    const history = this.store.branchTurns(answer.parentId);
    const assistantMessage = await this.openAnswer(conversation, answer.parentId, history, facts, undefined);
    return { assistantMessage };
  }

  /**
   * A new sibling answer that keeps the tokens before tokenIndex, takes one of the alternatives the
   * model listed there, and generates on from it (the engine reuses the KV cache for the prefix).
   */
  async branchFromToken(conversationId: string, messageId: string, tokenIndex: number, tokenId: number): Promise<{ assistantMessage: Message }> {
    const answer = this.messageIn(conversationId, messageId, 'assistant');
    const tokens = answer.tokens ?? [];
    const at = tokens[tokenIndex];
    if (!at || answer.parentId === null) {
      throw new GlassboxError('invalid-argument', `This answer has no token ${tokenIndex} to branch from.`);
    }
    const chosen = at.top.find((alternative) => alternative.id === tokenId);
    if (!chosen) throw new GlassboxError('invalid-argument', `Token ${tokenId} is not one of the alternatives at position ${tokenIndex}.`);
    const conversation = this.store.getConversationHeader(conversationId);
    const facts = this.requireIdle(conversation);
    const prefix: GeneratedToken[] = [...tokens.slice(0, tokenIndex), { id: chosen.id, text: chosen.text, p: chosen.p, top: at.top }];
    const history = this.store.branchTurns(answer.parentId);
    return { assistantMessage: await this.openAnswer(conversation, answer.parentId, history, facts, answer.sampling ?? undefined, prefix) };
  }

  /** How surprising a user message was to the model: each token's probability given what came before. */
  async promptProbabilities(conversationId: string, messageId: string): Promise<ScoredPrompt> {
    this.messageIn(conversationId, messageId, 'user');
    const conversation = this.store.getConversationHeader(conversationId);
    this.requireIdle(conversation);
    return this.engineFor(conversation).engine.score(this.turns(conversation, this.store.branchTurns(messageId)), TOP_ALTERNATIVES);
  }

  /**
   * The exact distribution at one token of an answer (the pinned one), from the model that wrote it, on its
   * prompt rebuilt (turns, passages from its sources) and checked against the answer's fingerprint.
   */
  async tokenDistribution(conversationId: string, messageId: string, index: number): Promise<TokenDistribution> {
    const answer = this.messageIn(conversationId, messageId, 'assistant');
    const tokens = answer.tokens ?? [];
    const token = tokens[index];
    if (token === undefined || answer.parentId === null) throw new GlassboxError('invalid-argument', `This answer has no token ${index}.`);
    const conversation = this.store.getConversationHeader(conversationId);
    const { engine, facts } = this.engineFor(conversation);
    if (engine !== this.engine || engine.distribution === undefined) {
      throw new GlassboxError('remote-unsupported', 'Exact distributions come from a model running here; a remote endpoint sends only the probabilities it listed.');
    }
    this.requireIdle(conversation);
    if (answer.status === 'streaming') throw new GlassboxError('busy', 'This answer is still being written.');
    if (answer.model !== null && answer.model !== undefined && facts !== null && answer.model.path !== facts.path) {
      throw new GlassboxError('other-model', `This answer was written by ${answer.model.fileName}; load it to see its exact numbers (${facts.fileName} is loaded).`);
    }
    const passages = this.documents?.contextOf(messageId) ?? undefined;
    const messages = this.turns(conversation, this.store.branchTurns(answer.parentId), passages);
    const promptHash = answer.stats?.promptHash;
    return engine.distribution({
      messages,
      before: tokens.slice(0, index).map((t) => t.id),
      token: token.id,
      topAlternatives: TOP_ALTERNATIVES,
      ...(promptHash !== undefined ? { expectPromptHash: promptHash } : {}),
    });
  }

  async tokenize(text: string): Promise<TokenPiece[]> {
    if (!this.model.facts) throw new GlassboxError('no-model', 'No model is loaded. Load a GGUF model in the Model panel first.');
    return this.engine.tokenize(text);
  }

  private async ask(
    conversation: ConversationHeader,
    parentId: string | null,
    text: string,
    sampling: Partial<Sampling> | undefined,
  ): Promise<{ userMessage: Message; assistantMessage: Message }> {
    const facts = this.requireIdle(conversation);
    const userMessage = this.store.appendMessage({
      conversationId: conversation.id,
      parentId,
      role: 'user',
      content: text,
      status: 'complete',
    });
    if (conversation.currentLeafId === null && conversation.title === DEFAULT_TITLE) {
      const renamed = this.store.renameConversation(conversation.id, titleFromPrompt(text));
      this.hub.emit('conversations.changed', { conversation: renamed });
    }
    const history = this.store.branchTurns(userMessage.id);
    const assistantMessage = await this.openAnswer(conversation, userMessage.id, history, facts, sampling);
    return { userMessage, assistantMessage };
  }

  private requireIdle(conversation?: ConversationHeader): ModelFacts {
    const facts = conversation ? this.engineFor(conversation).facts : this.model.facts;
    if (!facts) throw new GlassboxError('no-model', 'No model is loaded. Load a GGUF model in the Model panel first.');
    if (this.active) {
      throw new GlassboxError('busy', 'An answer is still being written. Stop it or wait for it to finish.');
    }
    return facts;
  }

  private messageIn(conversationId: string, messageId: string, role: Message['role']): Message {
    const message = this.store.getMessage(messageId);
    if (message.conversationId !== conversationId || message.role !== role) {
      throw new GlassboxError('invalid-argument', `Message ${messageId} is not a ${role} message of this conversation.`);
    }
    return message;
  }

  /**
   * Opens an answer: saves it empty and streaming under parentId and reserves the engine for it
   * (synchronously: callers have checked requireIdle with no await in between), then retrieves
   * document passages and hands the history up to it to runEngine.
   */
  private openAnswer(
    conversation: ConversationHeader,
    parentId: string,
    history: BranchTurn[],
    facts: ModelFacts,
    override: Partial<Sampling> | undefined,
    prefix: GeneratedToken[] = [],
  ): Promise<Message> {
    const sampling: Sampling = { ...DEFAULT_SAMPLING, ...conversation.sampling, ...override };
    let assistantMessage = this.store.appendMessage({
      conversationId: conversation.id,
      parentId,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: identityOf(facts),
      sampling,
    });
    const answer: ActiveAnswer = { conversationId: conversation.id, messageId: assistantMessage.id, generation: null, recorder: null, stopRequested: false };
    this.active = answer;
    const started = (async (): Promise<Message> => {
      try {
        if (prefix.length > 0) {
          this.recorder(answer, prefix).saveNow();
          assistantMessage = this.store.getMessage(assistantMessage.id);
        }
        const context = await this.documentContext(conversation, history, sampling, facts);
        if (answer.stopRequested) return this.stoppedBeforeStart(answer, prefix, assistantMessage);
        if (context) {
          this.documents?.saveSources(assistantMessage.id, context.sources);
          assistantMessage = { ...assistantMessage, sources: context.sources };
        }
        const turns = this.turns(conversation, history, context?.system);
        this.runEngine(answer, turns, sampling, prefix, this.engineFor(conversation).engine);
        return assistantMessage;
      } catch (error) {
        // Nothing is running for this answer: it must not stay 'streaming', nor keep the engine reserved.
        this.release(answer);
        try {
          this.store.finishMessage(assistantMessage.id, { content: '', tokens: prefix, status: 'error', stats: null, error: toWireError(error) });
        } catch (saveError) {
          this.log(`Could not save the failed answer: ${toWireError(saveError).message}`);
        }
        throw error;
      }
    })();
    // dispose() waits for this too: a shutdown during retrieval must not close the store under it.
    // Its failure is the caller's answer, not something to log here.
    this.track(started.then(noop, noop));
    return started;
  }

  /** The answer was stopped (or its conversation deleted) while its passages were retrieved: it ends empty, never started. */
  private stoppedBeforeStart(answer: ActiveAnswer, prefix: GeneratedToken[], message: Message): Message {
    const recorder = this.recorder(answer, prefix);
    const content = recorder.content;
    try {
      this.end(answer, recorder, 'stopped', null, null);
    } catch (error) {
      // The conversation was deleted and purged meanwhile: there is nothing left to save.
      this.log(`Could not save the stopped answer: ${toWireError(error).message}`);
    }
    return { ...message, content, tokens: prefix, status: 'stopped' };
  }

  private release(answer: ActiveAnswer): void {
    if (this.active === answer) this.active = null;
  }

  /** Passages from the conversation's attached documents for the last question, within the model's context. */
  private async documentContext(
    conversation: ConversationHeader,
    history: BranchTurn[],
    sampling: Sampling,
    facts: ModelFacts,
  ): Promise<DocumentContext | null> {
    if (!this.documents) return null;
    const question = [...history].reverse().find((m) => m.role === 'user')?.content ?? '';
    const promptChars = history.reduce((sum, m) => sum + m.content.length, conversation.systemPrompt.length);
    return this.documents.retrieveContext(conversation.id, question, {
      contextSize: facts.contextSize,
      answerTokens: sampling.maxTokens,
      promptChars,
    });
  }

  /** The chat as the engine sees it: the system prompt, then the branch's messages that have text. */
  private turns(conversation: ConversationHeader, branch: BranchTurn[], documents?: string): ChatTurn[] {
    const history = withoutOldestTurns(branch, droppedTurns(this.store, conversation.id));
    // Document passages join the system prompt: one system turn, which every chat template accepts.
    const own = conversation.systemPrompt.trim().length > 0 ? conversation.systemPrompt : '';
    const system = documents === undefined ? own : own === '' ? documents : `${own}\n\n${documents}`;
    return [
      ...(system.length > 0 ? [{ role: 'system' as const, content: system }] : []),
      ...history
        .filter((m) => m.content.length > 0)
        .map(({ role, content, thought }) => ({ role, content, ...(thought != null && thought.length > 0 ? { thought } : {}) })),
    ];
  }

  /**
   * An answer's tokens from index `from` on, as they are now: the one being written from memory,
   * any other from the store. null for a message that is not there (web/socket-sender.ts).
   */
  tokensSince(messageId: string, from: number): GeneratedToken[] | null {
    const active = this.active;
    if (active?.messageId === messageId && active.recorder !== null) return active.recorder.tokensFrom(from);
    try {
      return this.store.getMessage(messageId).tokens?.slice(from) ?? null;
    } catch {
      return null;
    }
  }

  stop(conversationId: string): boolean {
    const answer = this.active;
    if (!answer || answer.conversationId !== conversationId) return false;
    answer.stopRequested = true;
    answer.generation?.stop();
    return true;
  }

  stopAll(): void {
    if (!this.active) return;
    this.active.stopRequested = true;
    this.active.generation?.stop();
  }

  /** Resolves once every answer started so far has been saved in its final state. */
  async settled(): Promise<void> {
    await Promise.all([...this.finished]);
  }

  private track(work: Promise<void>): void {
    const settled = work.catch((error: unknown) => this.log(`Could not save the finished answer: ${toWireError(error).message}`));
    this.finished.add(settled);
    void settled.finally(() => this.finished.delete(settled));
  }

  private recorder(answer: ActiveAnswer, prefix: readonly GeneratedToken[]): AnswerRecorder {
    return new AnswerRecorder(this.store, this.hub, answer, prefix, this.now, (message) => this.log(message));
  }

  /** Runs the engine for an opened answer: tokens go to its recorder, the result ends it. */
  private runEngine(answer: ActiveAnswer, history: ChatTurn[], sampling: Sampling, prefix: GeneratedToken[], engine: Engine): void {
    const recorder = this.recorder(answer, prefix);
    answer.recorder = recorder;
    const generation = engine.generate(
      {
        messages: history,
        sampling,
        topAlternatives: TOP_ALTERNATIVES,
        ...(prefix.length > 0 ? { prefixTokens: prefix.map((t) => t.id), prefixText: prefix.map((t) => t.text).join('') } : {}),
      },
      (batch) => {
        // The message is gone (its conversation was deleted): stop writing it.
        if (!recorder.push(batch)) generation.stop();
      },
    );
    answer.generation = generation;
    const done = generation.result.then(
      (result) => this.end(answer, recorder, result.status, statsOf(result), null),
      (error: unknown) => {
        const wire: WireError = toWireError(error);
        // A crashed engine or a remote stream cut mid-answer: the partial answer is kept as interrupted.
        // An answer cancelled at shutdown, because it did not stop in time, was cut off too.
        const status: MessageStatus =
          isGlassboxError(error, 'engine-crashed') || isGlassboxError(error, 'remote-stream-cut') || isGlassboxError(error, 'cancelled')
            ? 'interrupted'
            : 'error';
        this.end(answer, recorder, status, null, wire);
      },
    );
    this.track(done);
  }

  /** The answer's last state: the engine is free again, then the recorder saves it and says so. */
  private end(answer: ActiveAnswer, recorder: AnswerRecorder, status: MessageStatus, stats: GenerationStats | null, error: WireError | null): void {
    this.release(answer);
    recorder.finish(status, stats, error);
  }
}

function noop(): void {}
