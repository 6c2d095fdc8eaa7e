import { describe, expect, it } from 'vitest';
import { browserRefusal, connectionIdentity, normalizeOrigin } from '../../../electron/api-server/access';

describe('who a client is, for the queue', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:192.168.1.20', '192.168.1.20'],
    ['::1', '::1'],
    // A host rotating its IPv6 address inside its /64 stays one client.
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:bbbb:cccc:dddd:eeee', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::9', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s is %s', (address, identity) => {
    expect(connectionIdentity(address)).toBe(identity);
  });
});

describe('requests from web pages', () => {
  const allowed = new Set(['http://localhost:3000']);

  it.each([
    [{ origin: 'http://127.0.0.1:5173' }, 'origin_not_allowed'],
    [{ origin: 'null' }, 'origin_not_allowed'],
    [{ origin: 'http://localhost:3000.evil.example' }, 'origin_not_allowed'],
    [{ 'sec-fetch-site': 'cross-site' }, 'origin_not_allowed'],
    [{ 'sec-fetch-site': 'same-site' }, 'origin_not_allowed'],
  ])('refuses %j', (headers, code) => {
    expect(browserRefusal(headers, allowed)?.toBody().error.code).toBe(code);
  });

  it.each([[{}], [{ 'sec-fetch-site': 'none' }], [{ origin: 'http://localhost:3000' }], [{ origin: 'http://LOCALHOST:3000', 'sec-fetch-site': 'cross-site' }]])(
    'lets %j through (no browser page, the user typed it, or an allowed origin)',
    (headers) => {
      expect(browserRefusal(headers, allowed)).toBeNull();
    },
  );

  it('normalises origins as browsers write them, and refuses non-web ones', () => {
    expect(normalizeOrigin('http://LocalHost:3000/')).toBe('http://localhost:3000');
    expect(normalizeOrigin('https://example.com:443')).toBe('https://example.com');
    expect(normalizeOrigin('null')).toBeNull();
    expect(normalizeOrigin('file:///x')).toBeNull();
  });
});
