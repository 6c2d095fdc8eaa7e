import type { Handlers } from '../contract/rpc';
import type { Store } from '../store/store';
import type { ChatService } from './chat-service';
import type { ModelService } from './model-service';
import type { AppInfo } from './app-info';

/** The contract's calls, each answered by one service method. */
export function createHandlers(deps: {
  info: AppInfo;
  store: Store;
  models: ModelService;
  chat: ChatService;
}): Handlers {
  const { info, store, models, chat } = deps;
  return {
    'app.info': async () => info,
    'model.state': async () => models.current,
    'model.load': async ({ path }) => models.load(path),
    'conversations.list': async () => store.listConversations(),
    'conversations.create': async ({ title }) => store.createConversation(title),
    'conversations.get': async ({ id }) => store.getConversation(id),
    'chat.send': async (args) => chat.send(args),
    'chat.stop': async ({ conversationId }) => ({ stopped: chat.stop(conversationId) }),
  };
}
