import { GlassboxError } from '../contract/errors';
import type { Handlers } from '../contract/rpc';
import type { Store } from '../store/store';
import type { ChatService } from './chat-service';
import type { ModelService } from './model-service';
import { droppedTurns, setDroppedTurns } from './context-window';
import { backupFolder } from '../store/backups';
import type { AppInfo } from './app-info';
import type { ApiServerController } from '../api-server/controller';
import { remoteHandlers } from '../remote/handlers';
import type { EndpointService } from '../remote/endpoints';
import type { DocumentService } from '../documents/service';
import { documentHandlers, withSources } from '../documents/handlers';
import type { ModelLibrary } from '../models/library';
import { traceHandlers } from '../trace/handlers';
import type { TraceService } from '../trace/trace-service';

/** The contract's calls, each answered by one service method. */
export function createHandlers(deps: {
  info: AppInfo;
  store: Store;
  models: ModelService;
  chat: ChatService;
  apiServer: ApiServerController;
  endpoints: EndpointService;
  documents: DocumentService;
  library: ModelLibrary;
  trace: TraceService;
}): Handlers {
  const { info, store, models, chat, apiServer, library } = deps;
  return {
    'app.info': async () => info,
    'model.state': async () => models.current,
    'model.load': async ({ path, settings }) => models.load(path, settings),
    'conversations.list': async () => store.listConversations(),
    'conversations.create': async ({ title }) => store.createConversation(title),
    'conversations.get': async ({ id }) => withSources(deps.documents, store.getConversation(id)),
    'conversations.rename': async ({ id, title }) => store.renameConversation(id, title),
    // An answer still being written would go on saving into a conversation that is purged soon.
    'conversations.delete': async ({ id }) => {
      chat.stop(id);
      return { deleted: store.deleteConversation(id) };
    },
    'conversations.restore': async ({ id }) => store.restoreConversation(id),
    'conversations.pin': async ({ id, pinned }) => store.setPinned(id, pinned),
    'conversations.search': async ({ query, limit }) => store.search(query, limit ?? 50),
    'conversations.setSystemPrompt': async ({ id, systemPrompt }) => store.setSystemPrompt(id, systemPrompt),
    'conversations.setSampling': async ({ id, sampling }) => store.setSampling(id, sampling),
    'conversations.droppedTurns': async ({ id }) => ({ turns: droppedTurns(store, id) }),
    'conversations.setDroppedTurns': async ({ id, turns }) => ({ turns: setDroppedTurns(store, id, turns) }),
    'conversations.selectBranch': async ({ conversationId, messageId }) =>
      withSources(deps.documents, store.selectBranch(conversationId, messageId)),
    'messages.tokens': async ({ conversationId, messageId }) => ({ tokens: store.messageTokens(conversationId, messageId) }),
    'conversations.export': async ({ id, format }) => store.exportConversation(id, format),
    'conversations.exportAll': async () => store.exportAll(),
    'conversations.import': async ({ content, encoding }) => store.importFile(Buffer.from(content, encoding ?? 'utf8')),
    'store.status': async () => ({
      recovery: store.recovery,
      backups: store.listBackups(),
      folder: store.path === ':memory:' ? null : backupFolder(store.path),
    }),
    'store.backup': async () => store.backup(),
    'store.restoreBackup': async ({ fileName }) => {
      if (chat.isGenerating) throw new GlassboxError('busy', 'Stop the answer being written before restoring a backup.');
      // Document work must not write across the swap: chunk ids are reused, so a vector made for
      // one passage would land on another.
      await deps.documents.exclusive(() => store.restoreBackup(fileName));
      return { restored: true };
    },
    'presets.list': async () => store.listPresets(),
    'presets.save': async (preset) => store.savePreset(preset),
    'presets.delete': async ({ id }) => ({ deleted: store.deletePreset(id) }),
    'chat.send': async (args) => chat.send(args),
    'chat.edit': async ({ conversationId, messageId, text }) => chat.edit(conversationId, messageId, text),
    'chat.branchFromToken': async ({ conversationId, messageId, tokenIndex, tokenId }) =>
      chat.branchFromToken(conversationId, messageId, tokenIndex, tokenId),
    'chat.promptProbabilities': async ({ conversationId, messageId }) => chat.promptProbabilities(conversationId, messageId),
    'chat.tokenDistribution': async ({ conversationId, messageId, index }) => chat.tokenDistribution(conversationId, messageId, index),
    'model.inspect': async () => models.inspect(),
    'model.tokenize': async ({ text }) => chat.tokenize(text),
    'chat.regenerate': async ({ conversationId, messageId }) => chat.regenerate(conversationId, messageId),
    'chat.stop': async ({ conversationId }) => ({ stopped: chat.stop(conversationId) }),
    'apiServer.status': async () => apiServer.status,
    'apiServer.configure': async (patch) => apiServer.configure(patch),
    ...remoteHandlers({ endpoints: deps.endpoints, store }),
    ...traceHandlers(deps.trace),
    'model.unload': async () => ({ unloaded: await models.unload() }),
    'models.fit': async ({ path, settings }) => {
      const { settings: chosen, estimate } = await models.fit(path, settings);
      return { settings: chosen, estimate, memory: models.memory() };
    },
    'models.catalogue': async () => library.catalogue(),
    'models.library': async () => library.state(),
    'models.setDir': async ({ dir }) => library.setDir(dir),
    'models.download': async ({ model }) => library.download(model),
    'models.cancelDownload': async ({ id }) => ({ cancelled: library.cancel(id) }),
    'models.delete': async ({ path }) => ({ deleted: await library.delete(path) }),
    ...documentHandlers(deps.documents),
  };
}
