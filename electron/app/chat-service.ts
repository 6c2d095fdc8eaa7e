import type { ChatTurn, GenerateResult } from '../contract/engine-protocol';
import { GlassboxError, isGlassboxError, toWireError, type WireError } from '../contract/errors';
import { DEFAULT_SAMPLING, type ModelFacts, type Sampling } from '../contract/model';
import type { EventHub } from '../contract/rpc';
import type { GeneratedToken } from '../contract/token';
import type { GenerationStats, Message, MessageStatus, ModelIdentity } from '../contract/conversation';
import type { Engine, Generation } from '../engine/engine';
import type { Store } from '../store/store';
import { DEFAULT_TITLE, titleFromPrompt } from './titles';

/** How many alternatives each token keeps: the top-k shown in the UI and stored with the message. */
export const TOP_ALTERNATIVES = 10;
/**
 * A streaming answer is written to SQLite at most this often, so that a crash of the engine or of
 * the whole app loses at most this much of it, without a write per token.
 */
const SAVE_INTERVAL_MS = 200;

interface ActiveGeneration {
  conversationId: string;
  messageId: string;
  generation: Generation;
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
  private active: ActiveGeneration | null = null;
  private readonly finished = new Set<Promise<void>>();

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly currentModel: () => ModelFacts | null,
    private readonly now: () => number = Date.now,
  ) {}

  get isGenerating(): boolean {
    return this.active !== null;
  }

  send(input: SendInput): { userMessage: Message; assistantMessage: Message } {
    const facts = this.currentModel();
    if (!facts) throw new GlassboxError('no-model', 'No model is loaded. Load a GGUF model in the Model panel first.');
    if (this.active) {
      throw new GlassboxError('busy', 'An answer is still being written. Stop it or wait for it to finish.');
    }
    const conversation = this.store.getConversation(input.conversationId);
    const sampling: Sampling = { ...DEFAULT_SAMPLING, ...input.sampling };
    const userMessage = this.store.appendMessage({
      conversationId: conversation.id,
      parentId: conversation.currentLeafId,
      role: 'user',
      content: input.text,
      status: 'complete',
    });
    if (conversation.messages.length === 0 && conversation.title === DEFAULT_TITLE) {
      const renamed = this.store.renameConversation(conversation.id, titleFromPrompt(input.text));
      this.hub.emit('conversations.changed', { conversation: renamed });
    }
    const assistantMessage = this.store.appendMessage({
      conversationId: conversation.id,
      parentId: userMessage.id,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: identityOf(facts),
      sampling,
    });
    const history: ChatTurn[] = [
      ...conversation.messages.filter((m) => m.content.length > 0).map(({ role, content }) => ({ role, content })),
      { role: 'user', content: input.text },
    ];
    this.start(conversation.id, assistantMessage.id, history, sampling);
    return { userMessage, assistantMessage };
  }

  stop(conversationId: string): boolean {
    if (!this.active || this.active.conversationId !== conversationId) return false;
    this.active.generation.stop();
    return true;
  }

  stopAll(): void {
    this.active?.generation.stop();
  }

  /** Resolves once every answer started so far has been saved in its final state. */
  async settled(): Promise<void> {
    await Promise.all([...this.finished]);
  }

  private start(conversationId: string, messageId: string, history: ChatTurn[], sampling: Sampling): void {
    const tokens: GeneratedToken[] = [];
    let content = '';
    let lastSave = this.now();
    const save = (): void => {
      this.store.saveProgress(messageId, content, tokens);
      lastSave = this.now();
    };
    const generation = this.engine.generate(
      { messages: history, sampling, topAlternatives: TOP_ALTERNATIVES },
      (index, token) => {
        tokens.push(token);
        content += token.text;
        this.hub.emit('chat.token', { conversationId, messageId, index, token });
        if (this.now() - lastSave >= SAVE_INTERVAL_MS) save();
      },
    );
    this.active = { conversationId, messageId, generation };
    const done = generation.result.then(
      (result) => this.finish(conversationId, messageId, result.text, tokens, result.status, statsOf(result), null),
      (error: unknown) => {
        const wire: WireError = toWireError(error);
        const status: MessageStatus = isGlassboxError(error, 'engine-crashed') ? 'interrupted' : 'error';
        this.finish(conversationId, messageId, content, tokens, status, null, wire);
      },
    );
    this.finished.add(done);
    void done.finally(() => this.finished.delete(done));
  }

  private finish(
    conversationId: string,
    messageId: string,
    content: string,
    tokens: GeneratedToken[],
    status: MessageStatus,
    stats: GenerationStats | null,
    error: WireError | null,
  ): void {
    this.active = null;
    try {
      this.store.finishMessage(messageId, { content, tokens, status, stats, error });
    } finally {
      this.hub.emit('chat.end', { conversationId, messageId, status, content, stats, error });
    }
  }
}

function statsOf(result: GenerateResult): GenerationStats {
  return {
    tokens: result.tokens,
    promptTokens: result.promptTokens,
    evaluatedPromptTokens: result.evaluatedPromptTokens,
    ttftMs: result.ttftMs,
    tokensPerSecond: result.tokensPerSecond,
    totalMs: result.totalMs,
  };
}

function identityOf(facts: ModelFacts): ModelIdentity {
  return {
    fileName: facts.fileName,
    path: facts.path,
    architecture: facts.architecture,
    fileSizeBytes: facts.fileSizeBytes,
  };
}
