import { describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { EndpointService } from '../../../electron/remote/endpoints';
import { httpError, networkError, retryAfterMs } from '../../../electron/remote/errors';
import { endpointUrl, normalizeBaseUrl } from '../../../electron/remote/http';
import { alternativesOf, probabilityOf, tokenId } from '../../../electron/remote/openai-chunks';
import { MemorySecrets } from '../../../electron/remote/secrets';

describe('remote engine pieces', () => {
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(undefined)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('maps statuses and network codes to kinds, naming the host', () => {
    expect(httpError(401, '{"error":{"message":"bad key"}}', 'h:1', 'x').kind).toBe('remote-auth');
    expect(httpError(401, '{"error":{"message":"bad key"}}', 'h:1', 'x').message).toMatch(/bad key/);
    expect(httpError(404, '', 'h:1', 'x').kind).toBe('remote-not-found');
    expect(httpError(429, '', 'h:1', 'x', 30_000).message).toMatch(/30 s/);
    expect(httpError(500, 'boom', 'h:1', 'x').kind).toBe('remote-failed');
    expect(networkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'h:1').kind).toBe('remote-unreachable');
    expect(networkError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'h:1').kind).toBe('remote-tls');
  });

  it('normalises base URLs and refuses keys in them', () => {
    expect(normalizeBaseUrl(' http://127.0.0.1:8080/v1/ ')).toBe('http://127.0.0.1:8080/v1');
    expect(endpointUrl('http://h/v1', 'models').href).toBe('http://h/v1/models');
    expect(endpointUrl('http://h/v1', '/apply-template').href).toBe('http://h/apply-template');
    for (const bad of ['ftp://h/v1', 'not a url', 'http://user:key@h/v1']) {
      expect(() => normalizeBaseUrl(bad)).toThrow();
    }
  });

  it('turns logprobs into sorted probabilities with stable ids', () => {
    expect(probabilityOf(0)).toBe(1);
    expect(probabilityOf(-9999)).toBe(0);
    expect(probabilityOf('x')).toBe(0);
    const top = alternativesOf([{ token: 'a', logprob: -3 }, { token: 'b', logprob: -0.1 }, { token: 'a', logprob: -1 }], 5);
    expect(top.map((a) => [a.text, a.id])).toEqual([['b', tokenId('b')], ['a', tokenId('a')]]);
    expect(top[1]!.p).toBeCloseTo(Math.exp(-1));
    expect(alternativesOf({ x: -1, y: -2 }, 1).map((a) => a.text)).toEqual(['x']);
    expect(tokenId('Hello')).toBe(tokenId('Hello'));
    expect(tokenId('Hello')).not.toBe(tokenId('Hello '));
    expect(tokenId('Hello')).toBeGreaterThanOrEqual(0);
  });

  it('keeps endpoints in a setting and their keys only in the secret store', () => {
    const settings = new Map<string, string>();
    const store = { getSetting: (k: string) => settings.get(k) ?? null, setSetting: (k: string, v: string) => void settings.set(k, v) };
    const secrets = new MemorySecrets();
    const service = new EndpointService(store, secrets);
    const saved = service.save({ name: 'A', baseUrl: 'http://127.0.0.1:1/v1/', model: 'm', apiKey: 'sk-very-secret' });
    expect(saved).toMatchObject({ baseUrl: 'http://127.0.0.1:1/v1', hasApiKey: true, keyStorage: 'memory', contextLength: null });
    expect([...settings.values()].join()).not.toContain('sk-very-secret');
    expect(secrets.get(saved.id)).toBe('sk-very-secret');
    // Editing without apiKey keeps it; null removes it.
    expect(service.save({ id: saved.id, name: 'B', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' }).hasApiKey).toBe(true);
    expect(service.save({ id: saved.id, name: 'B', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', apiKey: null }).hasApiKey).toBe(false);
    expect(service.engine(saved.id).config.name).toBe('B');
    expect(service.remove(saved.id)).toBe(true);
    expect(service.list()).toEqual([]);
    const gone = (() => {
      try {
        service.engine(saved.id);
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(isGlassboxError(gone, 'not-found')).toBe(true);
  });
});

describe('migration 004: a conversation remembers its engine', () => {
  it('defaults to local and stores an endpoint id', async () => {
    const { openStore } = await import('../../../electron/store/sqlite-store');
    const store = openStore(':memory:');
    try {
      const { id } = store.createConversation('t');
      expect(store.getConversation(id).engine).toBe('local');
      expect(store.setEngine(id, 'endpoint-1').engine).toBe('endpoint-1');
      expect(store.getConversation(id).engine).toBe('endpoint-1');
      expect(store.setEngine(id, 'local').engine).toBe('local');
      expect(() => store.setEngine('missing', 'local')).toThrow();
    } finally {
      store.close();
    }
  });
});
