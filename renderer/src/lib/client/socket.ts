import type { GlassboxClient } from '../../../../electron/contract/api';
import { WEB_SOCKET_PATH } from '../../../../electron/contract/bridge';
import { createPortClient } from '../../../../electron/contract/port-client';
import type { WireFromServer, WireRequest } from '../../../../electron/contract/wire';

export type SocketStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'waiting'; attempt: number; retryAt: number; reason: string }
  | { state: 'unauthorized' };

export interface SocketClient extends GlassboxClient {
  /** Called on every status change, and once at once with the current status. */
  onStatus(listener: (status: SocketStatus) => void): () => void;
  /** Called after a dropped connection comes back: events may have been missed, so state should be re-read. */
  onReconnect(listener: () => void): () => void;
}

const TOKEN_KEY = 'glassbox.token';
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/**
 * The web-mode access token: the `token` query parameter of the page URL, kept in sessionStorage so
 * that a reload works, and then removed from the address bar so it does not linger in history.
 */
export function takeAccessToken(location: Location, history: History, storage: Storage): string {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

/**
 * Web mode: JSON text frames over a WebSocket, with requests queued while (re)connecting and
 * reconnection with backoff. A call in flight when the socket drops fails at once (its answer
 * would never come); the caller may retry.
 */
export function connectSocket(url: string): SocketClient {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let everOpened = false;
  let status: SocketStatus = { state: 'connecting', attempt: 0 };
  let receive: (message: WireFromServer) => void = () => {};
  const queue: WireRequest[] = [];
  const statusListeners = new Set<(status: SocketStatus) => void>();
  const reconnectListeners = new Set<() => void>();

  const setStatus = (next: SocketStatus): void => {
    status = next;
    for (const listener of statusListeners) listener(next);
  };

  const port = createPortClient({
    send(request) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(request));
      else queue.push(request);
    },
    receive(handler) {
      receive = handler;
    },
  });

  const open = (): void => {
    setStatus({ state: 'connecting', attempt });
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      const reconnected = everOpened;
      everOpened = true;
      attempt = 0;
      setStatus({ state: 'open' });
      for (const request of queue.splice(0)) ws.send(JSON.stringify(request));
      if (reconnected) for (const listener of reconnectListeners) listener();
    });
    ws.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (isFromServer(message)) receive(message);
    });
    ws.addEventListener('close', (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      queue.length = 0;
      const unauthorized = event.code === 1008 || event.code === 4401 || event.code === 4001;
      port.failPending(
        unauthorized
          ? { kind: 'unauthorized', message: 'The server refused this page’s access token.' }
          : { kind: 'internal', message: 'The connection to Glassbox was lost before the answer came. Reconnecting…' },
      );
      if (unauthorized) {
        setStatus({ state: 'unauthorized' });
        return;
      }
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 8000;
      attempt++;
      // A refused token looks like any other failed connection to the page (the server answers the
      // upgrade with 401), so after a few tries say that it may be the reason.
      const reason = everOpened
        ? 'The connection to Glassbox was lost.'
        : attempt >= 3
          ? 'Glassbox is not answering, or refused this page’s access token (open the address “glassbox web” printed).'
          : 'Glassbox is not answering.';
      setStatus({ state: 'waiting', attempt, retryAt: Date.now() + delay, reason });
      setTimeout(open, delay);
    });
  };

  open();

  return {
    call: port.call,
    on: port.on,
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
  };
}

function isFromServer(message: unknown): message is WireFromServer {
  if (typeof message !== 'object' || message === null) return false;
  const type = (message as { type?: unknown }).type;
  if (type === 'result') return typeof (message as { id?: unknown }).id === 'number';
  if (type === 'event') return typeof (message as { name?: unknown }).name === 'string';
  return false;
}

export function socketUrl(location: Location, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WEB_SOCKET_PATH}?token=${encodeURIComponent(token)}`;
}
