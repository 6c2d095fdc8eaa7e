import { IPC_CHANNELS } from '../contract/api';
import type { EventHub, Router, WireResult } from '../contract/rpc';
import { isAppUrl } from './app-origin';

/** The parts of Electron's IpcMain and events this module uses, so tests can pass fakes. */
export interface IpcSender {
  /** Electron's WebFrameMain: `parent` is null for a page's main frame only. */
  readonly senderFrame: { readonly url: string; readonly parent: object | null } | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSender, ...args: unknown[]) => Promise<WireResult>): void;
  removeHandler(channel: string): void;
}
export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, payload: unknown): void;
}

/** Only our own page's main frame may call; a frame from anywhere else is refused before parsing. */
export function isTrustedSender(event: IpcSender): boolean {
  const frame = event.senderFrame;
  // An iframe (even one showing an app:// URL) gets the preload's bridge too; only the top frame is ours.
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

/**
 * Routes the renderer's calls to the services. Every message's sender is checked and its
 * arguments are validated by the router against the contract before any handler runs.
 */
export function registerIpc(ipc: IpcMainLike, router: Pick<Router, 'dispatch'>): () => void {
  ipc.handle(IPC_CHANNELS.call, async (event, name, args) => {
    if (!isTrustedSender(event)) {
      return { ok: false, error: { kind: 'unauthorized', message: 'This frame may not use Glassbox.' } };
    }
    return router.dispatch(name, args);
  });
  return () => ipc.removeHandler(IPC_CHANNELS.call);
}

/** Forwards every event to a window until it is closed. */
export function forwardEvents(hub: Pick<EventHub, 'subscribe'>, target: EventTarget): () => void {
  const unsubscribe = hub.subscribe((event) => {
    if (target.isDestroyed()) {
      unsubscribe();
      return;
    }
    target.send(IPC_CHANNELS.event, event);
  });
  return unsubscribe;
}
