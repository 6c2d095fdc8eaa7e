import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LOAD_OPTIONS, type LoadOptions } from '../contract/engine-protocol';
import { EventHub, Router } from '../contract/rpc';
import type { Engine } from '../engine/engine';
import { openStoreWithRecovery } from '../store/sqlite-store';
import { startStoreMaintenance } from './maintenance';
import type { Store } from '../store/store';
import type { AppInfo } from './app-info';
import { ChatService } from './chat-service';
import { createHandlers } from './handlers';
import { ModelService } from './model-service';
import type { AnswerActivity } from './service-ports';
import { APP_SOURCE, EngineQueue } from './engine-queue';
import { ApiServerController } from '../api-server/controller';
import { DocumentService } from '../documents/service';
import { DocumentsStore } from '../documents/documents-store';
import { EndpointService } from '../remote/endpoints';
import { MemorySecrets, type SecretStore } from '../remote/secrets';
import { ModelLibrary } from '../models/library';
import { createTraceRunner, nodeTraceLauncher } from '../trace/launch';
import type { TraceLauncher } from '../trace/trace-runner';
import { TraceService } from '../trace/trace-service';

export interface Services {
  readonly router: Router;
  readonly hub: EventHub;
  readonly store: Store;
  readonly engine: Engine;
  readonly models: ModelService;
  readonly chat: ChatService;
  readonly info: AppInfo;
  /** Every generation goes through it: the app's chat and API clients take turns. */
  readonly queue: EngineQueue;
  readonly apiServer: ApiServerController;
  /** Documents for question answering: the library, ingestion, retrieval for the chat. */
  readonly documents: DocumentService;
  /** Remote OpenAI-compatible endpoints (Settings → Engines), each an Engine a conversation may choose. */
  readonly endpoints: EndpointService;
  /** The models folder, the first-run catalogue and downloads. */
  readonly library: ModelLibrary;
  /** Forward-pass traces of the loaded model, in a process of their own (electron/trace). */
  readonly trace: TraceService;
  dispose(): Promise<void>;
}

export interface ServicesOptions {
  dataDir: string;
  mode: AppInfo['mode'];
  version: string;
  engine: Engine;
  loadOptions?: Partial<LoadOptions>;
  /** Where remote endpoints' API keys are kept: Electron passes SafeStorageSecrets; default: memory only (never disk). */
  secrets?: SecretStore;
  /** Where hf: URIs are downloaded from (tests: a local server); default GLASSBOX_HF_ENDPOINT or huggingface.co. */
  hfEndpoint?: string;
  /** How the trace process is started: Electron passes a utilityProcess launcher; default child_process.fork. */
  traceLauncher?: TraceLauncher;
}

export const DATABASE_FILE = 'glassbox.sqlite';

/** Everything the app does, without a window: Electron, web mode, the CLI and tests all start here. */
export function createServices(options: ServicesOptions): Services {
  mkdirSync(options.dataDir, { recursive: true });
  // A corrupt database is moved aside (store.recovery tells the UI); a newer one stops us here.
  const store = openStoreWithRecovery(join(options.dataDir, DATABASE_FILE));
  store.markUnfinishedAsInterrupted();
  const stopMaintenance = startStoreMaintenance(store, { warn: (message) => console.warn(message) });
  const hub = new EventHub();
  const { engine } = options;
  const queue = new EngineQueue(engine);
  // Remote endpoints' keys and the local API's key live in one secret store.
  const secrets = options.secrets ?? new MemorySecrets();
  const endpoints = new EndpointService(store, secrets);
  // The model and chat services each ask the other one question (service-ports.ts): which model is
  // loaded, and whether an answer is being written. One has to be made first, so the model
  // service's AnswerActivity reads the chat once it exists.
  const answers: AnswerActivity = {
    get isGenerating() {
      return chat.isGenerating;
    },
  };
  const models: ModelService = new ModelService(engine, store, hub, { ...DEFAULT_LOAD_OPTIONS, ...options.loadOptions }, answers);
  const chat: ChatService = new ChatService(queue.forSource(APP_SOURCE), store, hub, models, Date.now, endpoints);
  const unsubscribeCrash = engine.onCrash((message) => hub.emit('engine.crashed', { message }));
  const info: AppInfo = { version: options.version, mode: options.mode, dataDir: options.dataDir, platform: process.platform };
  const apiServer = new ApiServerController({ store, hub, queue, modelState: () => models.current, secrets });
  void apiServer.restore();
  const library = new ModelLibrary({
    store,
    hub,
    dataDir: options.dataDir,
    memory: () => models.memory(),
    loadedPath: () => models.facts?.path ?? null,
    ...(options.hfEndpoint !== undefined ? { endpoint: options.hfEndpoint } : {}),
  });
  const documents = new DocumentService({
    store: new DocumentsStore(() => store.database),
    hub,
    uploadsDir: join(options.dataDir, 'uploads'),
    // Chunks are sized in the loaded model's tokens when there is one (see documents/chunk.ts).
    tokenizer: () => {
      const facts = models.facts;
      return facts ? { name: facts.fileName, count: async (text) => (await engine.tokenize(text)).length } : null;
    },
    // Passage vectors come from the embedding model the user chooses, run in the same engine process.
    ...(engine.embed ? { embedder: { embed: engine.embed.bind(engine) } } : {}),
  });
  chat.useDocuments(documents);
  store.useSources((messages) => documents.withSources(messages));
  const trace = new TraceService({
    runner: createTraceRunner(options.traceLauncher ?? nodeTraceLauncher()),
    hub,
    modelPath: () => models.facts?.path ?? null,
    threads: () => null,
  });
  const router = new Router(createHandlers({ info, store, models, chat, apiServer, documents, library, endpoints, trace }));
  return {
    router,
    hub,
    store,
    engine,
    models,
    chat,
    info,
    queue,
    apiServer,
    library,
    endpoints,
    documents,
    trace,
    async dispose() {
      unsubscribeCrash();
      trace.dispose();
      documents.cancelAll();
      library.cancelAll();
      await library.settled();
      stopMaintenance();
      await apiServer.dispose();
      // Stop a running answer first so it is saved as 'stopped', not cut off as 'interrupted'.
      chat.stopAll();
      // The timer is unref'd: once everything else is closed it must not hold the process 3 s more.
      await Promise.race([chat.settled(), new Promise((r) => setTimeout(r, 3000).unref())]);
      await engine.dispose();
      await endpoints.dispose();
      await chat.settled();
      store.close();
    },
  };
}
