import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, IPC_CHANNELS } from '../../../electron/contract/api';
import { EventHub, Router, type Handlers, type WireResult } from '../../../electron/contract/rpc';
import { isAppUrl } from '../../../electron/main/app-origin';
import { appProtocolResponse } from '../../../electron/main/app-protocol';
import { forwardEvents, registerIpc, type IpcMainLike, type IpcSender } from '../../../electron/main/ipc';
import { isSafeExternalUrl, mayNavigate } from '../../../electron/main/navigation';
import { secureWebPreferences } from '../../../electron/main/web-preferences';
import { readStaticFile, resolveStaticPath } from '../../../electron/web/static-files';

describe('window webPreferences', () => {
  it('has every item of the security checklist', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });
});

function fakeIpc(): IpcMainLike & { invoke(sender: IpcSender, ...args: unknown[]): Promise<WireResult> } {
  const handlers = new Map<string, (event: IpcSender, ...args: unknown[]) => Promise<WireResult>>();
  return {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
    invoke(sender, ...args) {
      const handler = handlers.get(IPC_CHANNELS.call);
      if (!handler) throw new Error('no handler');
      return handler(sender, ...args);
    },
  };
}

describe('IPC router', () => {
  const list = vi.fn(async () => []);
  const base = Object.fromEntries(CALL_NAMES.map((n) => [n, list])) as unknown as Handlers;
  const router = new Router({ ...base, 'conversations.list': list });

  it('answers our own page', async () => {
    const ipc = fakeIpc();
    registerIpc(ipc, router);
    const result = await ipc.invoke({ senderFrame: { url: 'app://glassbox/index.html', parent: null } }, 'conversations.list', {});
    expect(result).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['a remote page', 'https://evil.example/'],
    ['a file:// page', 'file:///home/user/index.html'],
    ['a look-alike host', 'app://glassbox.evil/index.html'],
    ['user-info in the URL', 'app://user@glassbox/index.html'],
    ['a port', 'app://glassbox:8080/index.html'],
    ['about:blank', 'about:blank'],
    ['an empty URL', ''],
  ])('refuses a forged sender: %s, without side effects', async (_label, url) => {
    list.mockClear();
    const ipc = fakeIpc();
    registerIpc(ipc, router);
    const result = await ipc.invoke({ senderFrame: { url, parent: null } }, 'conversations.list', {});
    expect(result).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    expect(list).not.toHaveBeenCalled();
  });

  it('refuses a sub-frame, even one showing our own origin', async () => {
    list.mockClear();
    const ipc = fakeIpc();
    registerIpc(ipc, router);
    const top = { url: 'app://glassbox/index.html', parent: null };
    for (const url of ['app://glassbox/index.html', 'https://evil.example/']) {
      const result = await ipc.invoke({ senderFrame: { url, parent: top } }, 'conversations.list', {});
      expect(result).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    }
    expect(list).not.toHaveBeenCalled();
  });

  it('refuses a sender whose frame is gone', async () => {
    const ipc = fakeIpc();
    registerIpc(ipc, router);
    expect(await ipc.invoke({ senderFrame: null }, 'conversations.list', {})).toMatchObject({ ok: false });
  });

  it('validates arguments from a trusted sender', async () => {
    list.mockClear();
    const ipc = fakeIpc();
    registerIpc(ipc, router);
    const sender = { senderFrame: { url: 'app://glassbox/index.html', parent: null } };
    expect(await ipc.invoke(sender, 'conversations.list', { sneaky: 1 })).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    expect(await ipc.invoke(sender, 'shell.exec', {})).toMatchObject({ ok: false, error: { kind: 'unknown-call' } });
    expect(list).not.toHaveBeenCalled();
  });

  it('stops forwarding events to a destroyed window', () => {
    const hub = new EventHub();
    let destroyed = false;
    const send = vi.fn();
    forwardEvents(hub, { isDestroyed: () => destroyed, send });
    hub.emit('engine.crashed', { message: 'one' });
    destroyed = true;
    hub.emit('engine.crashed', { message: 'two' });
    hub.emit('engine.crashed', { message: 'three' });
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(IPC_CHANNELS.event, { type: 'event', name: 'engine.crashed', payload: { message: 'one' } });
  });
});

describe('navigation and external links', () => {
  it.each([
    ['https://example.com/docs', true],
    ['http://example.com', true],
    ['mailto:someone@example.com', true],
    ['javascript:alert(1)', false],
    ['JAVASCRIPT:alert(1)', false],
    ['file:///etc/passwd', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['vbscript:msgbox', false],
    ['https://example.com@evil.com/', false],
    ['https://user:pass@example.com/', false],
    ['smb://server/share', false],
    ['app://glassbox/index.html', false],
    ['not a url', false],
  ])('isSafeExternalUrl(%s) is %s', (url, expected) => {
    expect(isSafeExternalUrl(url)).toBe(expected);
  });

  it('allows in-app navigation only to the app origin', () => {
    expect(mayNavigate('app://glassbox/index.html')).toBe(true);
    expect(mayNavigate('https://glassbox/')).toBe(false);
    expect(mayNavigate('app://glassbox.attacker/')).toBe(false);
    expect(isAppUrl('app://GLASSBOX/index.html')).toBe(true);
  });
});

describe('app:// protocol', () => {
  const root = mkdtempSync(join(tmpdir(), 'gb-proto-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'a.js'), 'export {}');
  writeFileSync(join(tmpdir(), 'gb-secret.txt'), 'secret');

  it('serves the renderer with the CSP header', () => {
    const response = appProtocolResponse(root, 'app://glassbox/');
    expect(response.status).toBe(200);
    expect(response.headers['Content-Security-Policy']).toContain("script-src 'self'");
    expect(appProtocolResponse(root, 'app://glassbox/assets/a.js').headers['Content-Type']).toContain('javascript');
  });

  it.each(['app://glassbox/../gb-secret.txt', 'app://glassbox/%2e%2e/gb-secret.txt', 'app://glassbox/..%2fgb-secret.txt', 'app://other/index.html'])(
    'never serves outside the renderer folder: %s',
    (url) => {
      expect(appProtocolResponse(root, url).status).toBe(404);
    },
  );

  // `new URL` above already folds most of these away; the guard itself must hold for raw paths,
  // aimed at a file that exists one folder up.
  it.each(['/../gb-secret.txt', '/%2e%2e/gb-secret.txt', '/..%2fgb-secret.txt', '/%2E%2E%2Fgb-secret.txt', '/..%5cgb-secret.txt', '/../../gb-secret.txt/../gb-secret.txt', '..', '/a/../../gb-secret.txt'])(
    'resolveStaticPath never leaves the folder for the raw path %s',
    (raw) => {
      const path = resolveStaticPath(root, raw);
      expect(path === null || path === root || path.startsWith(root + sep), String(path)).toBe(true);
      expect(readStaticFile(root, raw)).toBeNull();
    },
  );

  it('resolveStaticPath refuses NUL and malformed escapes, and maps ordinary paths inside', () => {
    expect(resolveStaticPath(root, '/index.html%00.png')).toBeNull();
    expect(resolveStaticPath(root, '/%E0%A4%A')).toBeNull();
    expect(resolveStaticPath(root, '/assets/a.js')).toBe(join(root, 'assets', 'a.js'));
    expect(resolveStaticPath(root, '/')).toBe(join(root, 'index.html'));
    expect(readStaticFile(root, '/assets/a.js')?.body.toString()).toBe('export {}');
  });
});
