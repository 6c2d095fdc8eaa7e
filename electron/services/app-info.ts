import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AppInfo {
  version: string;
  mode: 'electron' | 'web';
  dataDir: string;
  platform: string;
}

export const PRODUCT_NAME = 'Glassbox';

/**
 * Where conversations live when no --data-dir is given: the same folder Electron's
 * app.getPath('userData') names, so the desktop app and web mode share one history.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
}
