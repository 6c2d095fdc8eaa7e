import { isAppUrl } from './app-origin';
import { isSafeExternalUrl, mayNavigate } from './navigation';

/** The parts of Electron's Session this module uses, so tests can pass fakes. */
export interface SessionLike {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void,
  ): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string, requestingOrigin: string) => boolean): void;
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

/**
 * The only permission the app uses: `navigator.clipboard.writeText` (the Copy buttons) asks for
 * it. Reading the clipboard, the camera, location, notifications and the rest stay refused.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** Whether `origin` (a URL or an origin) may have `permission`: only ours, only the allowed ones. */
export function mayHavePermission(permission: string, origin: string | undefined): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && origin !== undefined && isAppUrl(origin);
}

/** Refuses every permission request and check, except the clipboard write for the app's own page. */
export function restrictPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(mayHavePermission(permission, details.requestingUrl)));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => mayHavePermission(permission, requestingOrigin));
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
