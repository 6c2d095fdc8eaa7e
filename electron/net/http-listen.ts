import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on host:port (0 picks a free port) and resolves with the port; a failure (EADDRINUSE) rejects. */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops a server now: open connections (keep-alive ones, streams) are cut instead of waited for,
 * since a client holding a stream open would otherwise keep the app from quitting.
 */
export function closeNow(server: Server): Promise<void> {
  return new Promise<void>((resolvePromise) => {
    server.closeAllConnections();
    server.close(() => resolvePromise());
  });
}
