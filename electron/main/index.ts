import { app, type BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServices, type Services } from '../app/services';
import { toWireError } from '../contract/errors';
import { EngineHost } from '../engine/host';
import { APP_SCHEME } from './app-origin';
import { appProtocolResponse } from './app-protocol';
import { forwardEvents, registerIpc } from './ipc';
import { guardWebContents, restrictPermissions } from './hardening';
import { createUtilityLauncher } from './utility-launcher';
import type { HostToTracer } from '../trace/protocol';
import { createMainWindow } from './window';
import { menuTemplate } from './menu';
import { SafeStorageSecrets } from './safe-storage-secrets';

// The Electron shell: windows, the app:// protocol and IPC. Everything else lives in the services,
// which run the same under Node (web mode, CLI, tests).
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// A second instance hands over to the first (second-instance below) and exits at once, before it
// could open the same database and mark the first one's live answer as interrupted.
if (!app.requestSingleInstanceLock()) app.exit(0);

let services: Services | null = null;
let mainWindow: BrowserWindow | null = null;

function modelArgument(): string | undefined {
  const { values } = parseArgs({ args: process.argv.slice(1), options: { model: { type: 'string' } }, strict: false });
  return typeof values.model === 'string' ? values.model : undefined;
}

function createWindow(current: Services): BrowserWindow {
  const window = createMainWindow(join(outDir, 'preload', 'index.cjs'), app.getPath('userData'));
  const stopForwarding = forwardEvents(current.hub, window.webContents);
  window.on('closed', stopForwarding);
  return window;
}

function installMenu(current: Services): void {
  const template = menuTemplate(process.platform, {
    command: (command) => current.hub.emit('app.command', { command }),
    openModel: () => {
      const options = { title: 'Open a GGUF model', filters: [{ name: 'GGUF models', extensions: ['gguf'] }], properties: ['openFile' as const] };
      const chosen = mainWindow ? dialog.showOpenDialog(mainWindow, options) : dialog.showOpenDialog(options);
      void chosen.then(({ canceled, filePaths }) => {
        const path = filePaths[0];
        if (!canceled && path) current.models.load(path).catch((error: unknown) => console.error(toWireError(error).message));
      });
    },
    openDataFolder: () => void shell.openPath(app.getPath('userData')),
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function harden(): void {
  restrictPermissions(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, (url) => void shell.openExternal(url)));
}

void app.whenReady().then(() => {
  harden();
  protocol.handle(APP_SCHEME, (request) => {
    const response = appProtocolResponse(join(outDir, 'renderer'), request.url);
    const body = typeof response.body === 'string' ? response.body : new Uint8Array(response.body);
    return new Response(body, { status: response.status, headers: response.headers });
  });
  const engine = new EngineHost(createUtilityLauncher(join(here, 'engine-worker.js')));
  services = createServices({
    dataDir: app.getPath('userData'),
    mode: 'electron',
    version: app.getVersion(),
    engine,
    // Endpoint API keys are encrypted with the operating system's credential store, never plain text.
    secrets: new SafeStorageSecrets(safeStorage, join(app.getPath('userData'), 'endpoint-keys.json')),
    traceLauncher: createUtilityLauncher<HostToTracer>(join(here, 'trace-worker.js'), 'Glassbox trace'),
  });
  registerIpc(ipcMain, services.router);
  mainWindow = createWindow(services);
  installMenu(services);

  const modelPath = modelArgument() ?? services.models.lastPath();
  if (modelPath) {
    services.models.load(modelPath).catch((error: unknown) => console.error(`Could not load ${modelPath}: ${toWireError(error).message}`));
  }
});

app.on('second-instance', () => {
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
});

app.on('window-all-closed', () => app.quit());

let disposed = false;
app.on('will-quit', (event) => {
  if (disposed || !services) return;
  event.preventDefault();
  disposed = true;
  void services.dispose().finally(() => app.quit());
});
