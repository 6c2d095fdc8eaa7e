import { isSafeExternalUrl, mayNavigate } from './navigation';

/** The parts of Electron's Session this module uses, so tests can pass fakes. */
export interface SessionLike {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
}

interface PreventableEvent {
  preventDefault(): void;
}

/** The parts of Electron's WebContents this module uses. */
export interface WebContentsLike {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): void;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** A local app needs no camera, microphone, location or notifications: every request is refused. */
export function denyAllPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * Every web contents stays on our own origin: navigation and redirects elsewhere are cancelled,
 * webviews never attach, and window.open never opens a window — a safe web link goes to the
 * system browser instead, after the user clicked it.
 */
export function guardWebContents(contents: WebContentsLike, openExternal: (url: string) => void): void {
  const stayHome = (event: PreventableEvent, url: string): void => {
    if (!mayNavigate(url)) event.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) openExternal(url);
    return { action: 'deny' };
  });
}
