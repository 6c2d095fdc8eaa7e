/**
 * The only place a window's webPreferences are made, so no window can be created with a weaker
 * set. Each value is one item of Electron's security checklist.
 */
export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  experimentalFeatures: false;
  webviewTag: false;
  navigateOnDragDrop: false;
  spellcheck: false;
  safeDialogs: true;
  disableBlinkFeatures: 'Auxclick';
}

export function secureWebPreferences(preloadPath: string): SecureWebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    // A dropped .gguf must reach our drop handler, not replace the page.
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    // A middle click on a link would otherwise open it in a new Electron window.
    disableBlinkFeatures: 'Auxclick',
  };
}
