import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { WEB_SOCKET_PATH } from '../contract/bridge';
import { toWireError } from '../contract/glassbox-error';
import type { EventHub, Router, WireFromServer } from '../contract/rpc';
import { closeNow, listenOn } from '../net/http-listen';
import { SECURITY_HEADERS } from './csp';
import { SocketSender, type TokenReplay } from './socket-sender';
import { readStaticFile } from './static-files';

/** What answers the socket: the services' call router and event hub. */
export interface WebBackend {
  router: Router;
  hub: EventHub;
  /** An answer's tokens from an index on, to catch up a tab that fell behind (socket-sender.ts). */
  tokensSince?: TokenReplay;
}

export type WebServerOptions = WebServerPlace &
  (
    | WebBackend
    | {
        /**
         * The services while they are still starting: the page is served at once and calls made
         * meanwhile wait for them, so opening the database overlaps the browser loading the page.
         */
        backend: Promise<WebBackend>;
      }
  );

interface WebServerPlace {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  /** 127.0.0.1 unless the caller insists; web mode never listens on other interfaces by default. */
  host?: string;
  token?: string;
}

export interface WebServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Bytes waiting for the open tabs: unsent in their sockets plus held back by their senders (socket-sender.ts). */
  readonly pendingBytes: number;
  close(): Promise<void>;
}

/**
 * A call larger than this is refused before parsing. It is sized for the largest call the contract
 * accepts (conversations.import, 64 MiB of JSON), and only token holders can send anything.
 */
const MAX_MESSAGE_BYTES = 80 * 1024 * 1024;

/**
 * Web mode: the renderer as static files plus the services over one WebSocket. The socket needs
 * the per-run token and a same-origin page, and the Host header must be ours, so neither another
 * web page in the user's browser nor a DNS-rebinding attack can drive the local model.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = options.port ?? 0;
  const allowedHosts = (): Set<string> => new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);

  const backend: Promise<WebBackend> = 'backend' in options ? options.backend : Promise.resolve(options);
  // A failed start is reported by whoever started the services; here it only answers calls.
  backend.catch(() => {});
  const server: Server = createServer((request, response) => serveStatic(request, response));
  // ws is loaded while the page loads, not before the URL is printed: the page needs it only later.
  const sockets: Promise<WebSocketServer> = import('ws').then(
    ({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES }),
  );

  function serveStatic(request: IncomingMessage, response: ServerResponse): void {
    if (!allowedHosts().has(request.headers.host ?? '')) return reply(response, 421, 'Misdirected request');
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'Method not allowed');
    const file = readStaticFile(options.rendererDir, request.url ?? '/');
    if (!file) return reply(response, 404, 'Not found');
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.contentType, 'Content-Length': file.body.length });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = checkUpgrade(request, token, allowedHosts());
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    // Until ws has taken the socket over, a reset connection must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    void sockets.then((wss) => wss.handleUpgrade(request, socket, head, (ws) => attach(ws)));
  });

  const connections = new Set<{ ws: WebSocket; sender: SocketSender }>();

  function attach(ws: WebSocket): void {
    // Back-pressure: a tab that stops reading costs bounded memory (socket-sender.ts).
    const sender = new SocketSender(ws);
    const connection = { ws, sender };
    connections.add(connection);
    const send = (message: WireFromServer): void => sender.send(message);
    let closed = false;
    let unsubscribe = (): void => {
      closed = true;
    };
    void backend.then(
      (services) => {
        if (closed) return;
        const tokensSince = services.tokensSince;
        if (tokensSince) sender.useReplay((messageId, from) => tokensSince.call(services, messageId, from));
        unsubscribe = services.hub.subscribe(send);
      },
      () => {},
    );
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'Text frames only');
      const request = parseRequest(data.toString());
      if (!request) return ws.close(1007, 'Malformed request');
      // Chained on one promise, calls made while the services start are answered in order.
      void backend
        .then(
          ({ router }) => router.dispatch(request.name, request.args),
          (error: unknown) => ({ ok: false as const, error: { kind: 'internal' as const, message: `Glassbox could not start: ${toWireError(error).message}` } }),
        )
        .then((result) => send({ type: 'result', id: request.id, ...result }));
    });
    const detach = (): void => {
      unsubscribe();
      sender.dispose();
      connections.delete(connection);
    };
    ws.on('close', detach);
    ws.on('error', detach);
  }

  port = await listenOn(server, port, host);
  const url = `http://${host}:${port}/?token=${encodeURIComponent(token)}`;

  return {
    url,
    port,
    token,
    get pendingBytes() {
      let bytes = 0;
      for (const { ws, sender } of connections) bytes += ws.bufferedAmount + sender.heldBack;
      return bytes;
    },
    close: () => {
      void sockets.then((wss) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
      });
      return closeNow(server);
    },
  };
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}

/** Returns an HTTP status line for a refused upgrade, or null when the socket may open. */
export function checkUpgrade(request: IncomingMessage, token: string, allowedHosts: Set<string>): string | null {
  const hostHeader = request.headers.host ?? '';
  if (!allowedHosts.has(hostHeader)) return '421 Misdirected Request';
  let url: URL;
  try {
    url = new URL(request.url ?? '/', `http://${hostHeader}`);
  } catch {
    return '400 Bad Request';
  }
  if (url.pathname !== WEB_SOCKET_PATH) return '404 Not Found';
  const origin = request.headers.origin;
  // Browsers always send Origin on WebSocket handshakes; a foreign page's socket has a foreign one.
  if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) return '403 Forbidden';
  if (!sameToken(url.searchParams.get('token') ?? '', token)) return '401 Unauthorized';
  return null;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseRequest(text: string): { id: number; name: string; args: unknown } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { type, id, name, args } = value as Record<string, unknown>;
  if (type !== 'call' || typeof id !== 'number' || !Number.isSafeInteger(id) || typeof name !== 'string') return null;
  return { id, name, args };
}
