import type { GlassboxClient } from '../../../../electron/contract/api';
import type { GlassboxBridge } from '../../../../electron/contract/bridge';
import { clientFromBridge } from './bridge';
import { connectSocket, socketUrl, takeAccessToken, type SocketStatus } from './socket';

export type { SocketStatus } from './socket';

/** What the app gets from its transport, whichever it is. */
export interface Connection {
  client: GlassboxClient;
  mode: 'electron' | 'web';
  /** The file-system path of a dropped file; null where the transport cannot know it (web mode). */
  pathForFile(file: File): string | null;
  onStatus(listener: (status: SocketStatus) => void): () => void;
  onReconnect(listener: () => void): () => void;
}

/** Electron's preload bridge when there is one, otherwise the web-mode WebSocket. */
export function connect(): Connection {
  const bridge = (window as Window & { glassbox?: GlassboxBridge }).glassbox;
  if (bridge) {
    return {
      client: clientFromBridge(bridge),
      mode: 'electron',
      pathForFile: (file) => bridge.pathForFile(file) || null,
      onStatus(listener) {
        listener({ state: 'open' });
        return () => {};
      },
      onReconnect: () => () => {},
    };
  }
  const token = takeAccessToken(window.location, window.history, window.sessionStorage);
  const socket = connectSocket(socketUrl(window.location, token));
  return {
    client: socket,
    mode: 'web',
    pathForFile: () => null,
    onStatus: socket.onStatus,
    onReconnect: socket.onReconnect,
  };
}
