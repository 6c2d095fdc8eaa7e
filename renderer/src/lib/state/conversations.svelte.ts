import type { GlassboxClient } from '../../../../electron/contract/api';
import type { ConversationSummary } from '../../../../electron/contract/conversation';

/** The conversation list, newest activity first, and which one is open. */
export class ConversationsStore {
  items = $state.raw<ConversationSummary[]>([]);
  selectedId = $state<string | null>(null);

  constructor(private readonly client: GlassboxClient) {
    client.on('conversations.changed', ({ conversation }) => this.upsert(conversation));
  }

  get selected(): ConversationSummary | null {
    return this.items.find((c) => c.id === this.selectedId) ?? null;
  }

  async refresh(): Promise<void> {
    this.items = sortByActivity(await this.client.call('conversations.list', {}));
  }

  async create(): Promise<ConversationSummary> {
    const conversation = await this.client.call('conversations.create', {});
    this.upsert(conversation);
    this.selectedId = conversation.id;
    return conversation;
  }

  upsert(conversation: ConversationSummary): void {
    const others = this.items.filter((c) => c.id !== conversation.id);
    this.items = sortByActivity([...others, conversation]);
  }
}

function sortByActivity(items: ConversationSummary[]): ConversationSummary[] {
  return [...items].sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
}
