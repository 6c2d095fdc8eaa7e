import type { WireEvent, WireResult } from './rpc';

/**
 * What the preload script exposes as `window.glassbox` in Electron: a fixed, minimal surface.
 * The renderer wraps it into a GlassboxClient; in web mode a WebSocket client takes its place.
 */
export interface GlassboxBridge {
  call(name: string, args: unknown): Promise<WireResult>;
  onEvent(listener: (event: WireEvent) => void): () => void;
  /** The file-system path of a dropped file (Electron's webUtils), or '' when there is none. */
  pathForFile(file: File): string;
}

/** Web mode: the WebSocket endpoint's path; the per-run token travels as the `token` query parameter. */
export const WEB_SOCKET_PATH = '/rpc';
