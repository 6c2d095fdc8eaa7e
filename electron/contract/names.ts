/**
 * The names of every call, free of any dependency, so the sandboxed preload script (which can load
 * nothing but `electron`) can hold the allow-list. api.ts checks that its table has exactly these.
 */
export const CALL_NAMES = [
  'app.info',
  'model.state',
  'model.load',
  'conversations.list',
  'conversations.create',
  'conversations.get',
  'conversations.rename',
  'conversations.delete',
  'conversations.restore',
  'conversations.pin',
  'conversations.search',
  'conversations.setSystemPrompt',
  'conversations.setSampling',
  'conversations.droppedTurns',
  'conversations.setDroppedTurns',
  'conversations.selectBranch',
  'messages.tokens',
  'conversations.export',
  'conversations.exportAll',
  'conversations.import',
  'store.status',
  'store.restoreBackup',
  'store.backup',
  'presets.list',
  'presets.save',
  'presets.delete',
  'chat.send',
  'chat.edit',
  'chat.regenerate',
  'chat.branchFromToken',
  'chat.promptProbabilities',
  'chat.tokenDistribution',
  'model.inspect',
  'model.tokenize',
  'chat.stop',
  'apiServer.status',
  'apiServer.configure',
  'endpoints.list',
  'endpoints.save',
  'endpoints.remove',
  'endpoints.test',
  'endpoints.setArchitectureFile',
  'endpoints.architecture',
  'conversations.setEngine',
  'model.unload',
  'models.fit',
  'models.catalogue',
  'models.library',
  'models.setDir',
  'models.download',
  'models.cancelDownload',
  'models.delete',
  'documents.list',
  'documents.addPath',
  'documents.uploadPart',
  'documents.addUpload',
  'documents.cancel',
  'documents.remove',
  'documents.attached',
  'documents.attach',
  'documents.detach',
  'documents.search',
  'documents.setEmbeddingModel',
  'documents.embeddingStatus',
  'documents.reindexVectors',
  'trace.start',
  'trace.cancel',
  'trace.attention',
  'trace.compareWord',
] as const;

export type CallName = (typeof CALL_NAMES)[number];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}

/** The two Electron IPC channels; the call name travels inside the message. */
export const IPC_CHANNELS = { call: 'glassbox:call', event: 'glassbox:event' } as const;

/** Commands the native menu sends to the renderer (the renderer binds the same keys in web mode where it can). */
export const APP_COMMANDS = [
  'new-chat',
  'search',
  'stop',
  'toggle-conversations',
  'toggle-panel',
  'show-settings',
] as const;
export type AppCommand = (typeof APP_COMMANDS)[number];
