import { BrowserWindow, screen } from 'electron';
import { join } from 'node:path';
import { APP_ENTRY_URL } from './app-origin';
import { secureWebPreferences } from './web-preferences';
import { loadWindowState, MIN_SIZE, placeWindow, saveWindowState } from './window-state';

/** The main window: secure preferences, remembered size and position, shown once it has painted. */
export function createMainWindow(preloadPath: string, userDataDir: string): BrowserWindow {
  const stateFile = join(userDataDir, 'window-state.json');
  const placed = placeWindow(
    loadWindowState(stateFile),
    screen.getAllDisplays().map((display) => display.workArea),
  );
  const window = new BrowserWindow({
    ...placed.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Glassbox',
    show: false,
    backgroundColor: '#1c2028',
    webPreferences: {
      ...secureWebPreferences(preloadPath),
      // The same values as secureWebPreferences, restated as literals so that static checkers
      // (electronegativity, run in npm test) can see them at the construction site.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (placed.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  const remember = (): void => {
    if (window.isDestroyed() || window.isMinimized()) return;
    saveWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  };
  window.on('close', remember);
  void window.loadURL(APP_ENTRY_URL);
  return window;
}
