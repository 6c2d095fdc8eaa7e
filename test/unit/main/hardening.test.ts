import { describe, expect, it, vi } from 'vitest';
import { APP_ORIGIN } from '../../../electron/main/app-origin';
import { guardWebContents, restrictPermissions, type SessionLike, type WebContentsLike } from '../../../electron/main/hardening';

function installedHandlers() {
  let request: Parameters<SessionLike['setPermissionRequestHandler']>[0] | undefined;
  let check: Parameters<SessionLike['setPermissionCheckHandler']>[0] | undefined;
  restrictPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h) });
  if (!request || !check) throw new Error('restrictPermissions installed no handler');
  const requested = (permission: string, requestingUrl: string): boolean => {
    const callback = vi.fn();
    request?.({}, permission, callback, { requestingUrl });
    expect(callback).toHaveBeenCalledTimes(1);
    return callback.mock.calls[0]?.[0] === true;
  };
  return { requested, checked: check };
}

// The whole table: what the app's own page may use, and what nobody may.
const PERMISSION_TABLE: [permission: string, origin: string, granted: boolean][] = [
  ['clipboard-sanitized-write', `${APP_ORIGIN}/index.html`, true],
  ['clipboard-sanitized-write', APP_ORIGIN, true],
  ['clipboard-sanitized-write', 'https://evil.example/', false],
  ['clipboard-sanitized-write', 'app://glassbox.evil/', false],
  ['clipboard-sanitized-write', 'file:///home/user/index.html', false],
  ['clipboard-sanitized-write', '', false],
  ['clipboard-read', `${APP_ORIGIN}/index.html`, false],
  ['media', `${APP_ORIGIN}/index.html`, false],
  ['geolocation', `${APP_ORIGIN}/index.html`, false],
  ['notifications', `${APP_ORIGIN}/index.html`, false],
  ['openExternal', `${APP_ORIGIN}/index.html`, false],
  ['fullscreen', `${APP_ORIGIN}/index.html`, false],
  ['fileSystem', `${APP_ORIGIN}/index.html`, false],
  ['hid', `${APP_ORIGIN}/index.html`, false],
  ['serial', `${APP_ORIGIN}/index.html`, false],
  ['usb', `${APP_ORIGIN}/index.html`, false],
  ['media', 'https://evil.example/', false],
];

describe('permissions', () => {
  it.each(PERMISSION_TABLE)('%s for %s: granted %s (request and check agree)', (permission, origin, granted) => {
    const { requested, checked } = installedHandlers();
    expect(requested(permission, origin)).toBe(granted);
    expect(checked({}, permission, origin)).toBe(granted);
  });
});

function fakeContents() {
  const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: WebContentsLike = {
    on: (event: string, listener: (event: { preventDefault(): void }, url: string) => void) => void listeners.set(event, listener as never),
    setWindowOpenHandler: (handler) => void (openHandler = handler),
  } as WebContentsLike;
  const fire = (event: string, url?: string): boolean => {
    const preventDefault = vi.fn();
    listeners.get(event)?.({ preventDefault }, url);
    return preventDefault.mock.calls.length > 0;
  };
  return { contents, fire, open: (url: string) => openHandler?.({ url }) };
}

describe('web contents guard', () => {
  it('cancels navigation and redirects away from the app, and every webview', () => {
    const { contents, fire } = fakeContents();
    guardWebContents(contents, vi.fn());
    expect(fire('will-navigate', 'app://glassbox/index.html')).toBe(false);
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
  });

  it('never opens a window, and hands only safe links to the system browser', () => {
    const openExternal = vi.fn();
    const { contents, open } = fakeContents();
    guardWebContents(contents, openExternal);
    for (const url of ['https://example.com/', 'javascript:alert(1)', 'file:///etc/passwd', 'https://a.com@evil.com/', 'app://glassbox/x']) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    expect(openExternal.mock.calls).toEqual([['https://example.com/']]);
  });
});
