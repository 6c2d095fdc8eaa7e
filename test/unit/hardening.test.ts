import { describe, expect, it, vi } from 'vitest';
import { denyAllPermissions, guardWebContents, type SessionLike, type WebContentsLike } from '../../electron/main/hardening';

describe('permissions', () => {
  it('refuses every permission request and check', () => {
    let request: Parameters<SessionLike['setPermissionRequestHandler']>[0] | undefined;
    let check: Parameters<SessionLike['setPermissionCheckHandler']>[0] | undefined;
    denyAllPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h) });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      request?.({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(check?.({}, permission)).toBe(false);
    }
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
