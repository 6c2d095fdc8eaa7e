import { app, type BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ServicesProcess } from '../services/services-process';
import { EventHub } from '../contract/rpc';
import { APP_SCHEME } from './app-origin';
import { appProtocolResponse } from './app-protocol';
import { forwardEvents, registerIpc } from './ipc';
import { guardWebContents, restrictPermissions } from './hardening';
import { createUtilityLauncher } from './utility-launcher';
import { createMainWindow } from './window';
import { menuTemplate } from './menu';
import { SafeStorageSecrets } from './safe-storage-secrets';
import { launchServices } from './services-launch';
import { withExportToFile } from './export-to-file';

// The Electron shell: windows, the app:// protocol, IPC and the processes. The services (store,
// documents, API server, the engine's client) run in their own utilityProcess, the services host
// (app/services-host.ts), the same code web mode runs: this thread only routes messages, so no
// backup, integrity check or export can stall the window (README, Architecture).
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// A second instance hands over to the first (second-instance below) and exits at once, before it
// could open the same database and mark the first one's live answer as interrupted.
if (!app.requestSingleInstanceLock()) app.exit(0);

let services: ServicesProcess | null = null;
let mainWindow: BrowserWindow | null = null;
/** Events of the shell itself (menu commands), beside those of the services. */
const shellEvents = new EventHub();

function modelArgument(): string | null {
  const { values } = parseArgs({ args: process.argv.slice(1), options: { model: { type: 'string' } }, strict: false });
  return typeof values.model === 'string' ? values.model : null;
}

function createWindow(current: ServicesProcess): BrowserWindow {
  const window = createMainWindow(join(outDir, 'preload', 'index.cjs'), app.getPath('userData'));
  const stops = [forwardEvents(current, window.webContents), forwardEvents(shellEvents, window.webContents)];
  window.on('closed', () => stops.forEach((stop) => stop()));
  return window;
}

function installMenu(current: ServicesProcess): void {
  const template = menuTemplate(process.platform, {
    command: (command) => shellEvents.emit('app.command', { command }),
    openModel: () => {
      const options = { title: 'Open a GGUF model', filters: [{ name: 'GGUF models', extensions: ['gguf'] }], properties: ['openFile' as const] };
      const chosen = mainWindow ? dialog.showOpenDialog(mainWindow, options) : dialog.showOpenDialog(options);
      void chosen.then(async ({ canceled, filePaths }) => {
        const path = filePaths[0];
        if (canceled || !path) return;
        const result = await current.dispatch('model.load', { path });
        if (!result.ok) console.error(result.error.message);
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

function startServices(): ServicesProcess {
  const dataDir = app.getPath('userData');
  const started = launchServices({
    outMain: here,
    fork: (path, serviceName, environment) =>
      createUtilityLauncher<object>(path, serviceName, environment === 'services' ? process.env : undefined).launch(),
    // Endpoint and API keys are encrypted with the operating system's credential store, which only this process can reach.
    secrets: new SafeStorageSecrets(safeStorage, join(dataDir, 'endpoint-keys.json')),
    dataDir,
    version: app.getVersion(),
    modelPath: modelArgument(),
  });
  started.ready.catch((error: { message: string }) => dialog.showErrorBox('Glassbox could not start', error.message));
  return started;
}

void app.whenReady().then(() => {
  harden();
  protocol.handle(APP_SCHEME, (request) => {
    const response = appProtocolResponse(join(outDir, 'renderer'), request.url);
    const body = typeof response.body === 'string' ? response.body : new Uint8Array(response.body);
    return new Response(body, { status: response.status, headers: response.headers });
  });
  services = startServices();
  registerIpc(
    ipcMain,
    withExportToFile(services, async (suggestedName) => {
      const options = { title: 'Export all conversations', defaultPath: join(app.getPath('downloads'), suggestedName), filters: [{ name: 'Zip archives', extensions: ['zip'] }] };
      const chosen = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
      return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
    }),
  );
  mainWindow = createWindow(services);
  installMenu(services);
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
