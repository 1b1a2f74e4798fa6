import { describe, expect, it } from 'vitest';
import { parseHostList, type ResolvedEntry } from '../../../src/core/http/egress.js';
import {
  resolveWebhookDestinations,
  specialRange,
  WebhookDestinations,
} from '../../../src/core/webhooks/destinations.js';

const resolver =
  (answers: Record<string, readonly string[]>) =>
  (name: string): Promise<readonly string[]> =>
    answers[name] === undefined
      ? Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }))
      : Promise.resolve(answers[name]);

async function destinations(allowed: string[], answers: Record<string, readonly string[]> = {}) {
  return resolveWebhookDestinations({ allowedHosts: allowed }, resolver(answers));
}

const refusedAt = (d: WebhookDestinations, url: string) => {
  try {
    d.checkUrl(url);
    return undefined;
  } catch (error) {
    return error as { code: string; message: string };
  }
};

describe('WebhookDestinations at registration', () => {
  it.each([
    'http://127.0.0.1:4242/hooks',
    'http://127.9.9.9/hooks',
    'http://localhost:8080/x',
    'http://LOCALHOST./x',
    'http://app.localhost/x',
    'http://[::1]:4242/',
    'http://[::ffff:127.0.0.1]:4242/',
    'http://2130706433/',
    'https://127.1/',
  ])('takes the loopback URL %s', async (url) => {
    expect(refusedAt(await destinations([]), url)).toBeUndefined();
  });

  it.each([
    ['ftp://127.0.0.1/x', 'http:// or https://'],
    ['/relative/path', 'absolute'],
    ['http://user:pw@127.0.0.1/x', 'credentials'],
    ['http://10.0.0.1/x', 'neither loopback nor in webhooks.allowedHosts'],
    ['http://169.254.169.254/latest/meta-data', 'neither loopback'],
    ['http://[fd00:ec2::254]/', 'neither loopback'],
    ['http://0.0.0.0:4242/', 'neither loopback'],
    ['https://example.com/hook', 'neither loopback'],
  ])('refuses %s with TD_WEBHOOK_REFUSED', async (url, why) => {
    const error = refusedAt(await destinations([]), url);
    expect(error).toMatchObject({ code: 'TD_WEBHOOK_REFUSED' });
    expect(error!.message).toContain(why);
  });

  // They embed 127.0.0.1 but reach a NAT64 translator or nothing: no loopback, reserved.
  it.each([
    'http://[64:ff9b::7f00:1]:4242/',
    'http://[::127.0.0.1]:4242/',
    'http://[::ffff:0:7f00:1]/',
  ])('refuses %s as a reserved IPv6 address, not loopback', async (url) => {
    const error = refusedAt(await destinations([]), url);
    expect(error).toMatchObject({ code: 'TD_WEBHOOK_REFUSED' });
    expect(error!.message).toContain('reserved IPv6 address');
    expect(error!.message).toContain('neither loopback');
  });

  it('takes an IPv4-embedding IPv6 address only when listed as that literal', async () => {
    const d = await destinations(['[64:ff9b::a00:7]', '10.0.0.8'], {});
    expect(refusedAt(d, 'http://[64:ff9b::a00:7]/x')).toBeUndefined();
    // Listing 10.0.0.8 does not list the NAT64 address that embeds it, nor the other way round.
    expect(refusedAt(d, 'http://[64:ff9b::a00:8]/x')).toMatchObject({ code: 'TD_WEBHOOK_REFUSED' });
    expect(refusedAt(d, 'http://10.0.0.7/x')).toMatchObject({ code: 'TD_WEBHOOK_REFUSED' });
  });

  it('never echoes the URL: its path may hold a token', async () => {
    const error = refusedAt(
      await destinations([]),
      'https://hooks.example.com/services/T0/B0/sekrit-token-123',
    );
    expect(error!.message).not.toContain('sekrit');
  });

  it('takes an allowedHosts entry by name, and by port when the entry names one', async () => {
    const d = await destinations(['hooks.example.com', 'api.example.org:8443'], {
      'hooks.example.com': ['93.184.216.34'],
    });
    expect(refusedAt(d, 'https://hooks.example.com/x')).toBeUndefined();
    expect(refusedAt(d, 'https://HOOKS.example.com./x')).toBeUndefined();
    expect(refusedAt(d, 'https://api.example.org:8443/x')).toBeUndefined();
    expect(refusedAt(d, 'https://api.example.org/x')).toMatchObject({
      code: 'TD_WEBHOOK_REFUSED',
    });
    // The public address a listed name had at start, spelled as an IP: the same host.
    expect(refusedAt(d, 'http://93.184.216.34/x')).toBeUndefined();
  });

  it('takes a private address only when the entry is that literal address', async () => {
    const d = await destinations(['10.0.0.7', 'internal.example'], {
      'internal.example': ['10.0.0.8'],
    });
    expect(refusedAt(d, 'http://10.0.0.7/x')).toBeUndefined();
    // A name that resolves to a private address does not make that address registrable.
    expect(refusedAt(d, 'http://10.0.0.8/x')).toMatchObject({ code: 'TD_WEBHOOK_REFUSED' });
  });

  it('refuses what upstream.forbiddenHosts lists, loopback included', () => {
    const forbidden: ResolvedEntry[] = parseHostList(['127.0.0.1'], 'upstream.forbiddenHosts').map(
      (e) => ({ ...e, addresses: ['127.0.0.1'] }),
    );
    const d = new WebhookDestinations([], forbidden);
    expect(refusedAt(d, 'http://127.0.0.1:4242/')!.message).toContain('upstream.forbiddenHosts');
    expect(d.checkAddress('127.0.0.1', 4242)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it('names a bad allowedHosts entry at start', async () => {
    await expect(destinations(['not a host'])).rejects.toMatchObject({
      code: 'TD_CONFIG_INVALID',
      message: expect.stringContaining('webhooks.allowedHosts[0]') as unknown,
    });
  });
});

describe('WebhookDestinations at connect time', () => {
  it('takes loopback in any spelling', async () => {
    const d = await destinations([]);
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.0.0.53'])
      expect(d.checkAddress(a, 80), a).toEqual({ ok: true });
  });

  it('takes the public address an allowed name had at start, and nothing else', async () => {
    const d = await destinations(['hooks.example.com'], {
      'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::248'],
    });
    expect(d.checkAddress('93.184.216.34', 443)).toEqual({ ok: true });
    expect(d.checkAddress('2606:2800:0220:0001:0000:0000:0000:0248', 443)).toEqual({ ok: true });
    expect(d.checkAddress('93.184.216.35', 443)).toMatchObject({
      ok: false,
      reason: 'not-allowed',
    });
  });

  it.each([
    ['10.0.0.7', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:10.0.0.7', 'private'],
  ])('a name never unlocks %s (%s)', async (address, kind) => {
    const d = await destinations(['evil.example'], { 'evil.example': [address] });
    const decision = d.checkAddress(address, 443);
    expect(decision).toMatchObject({ ok: false, reason: 'not-allowed' });
    expect(decision.ok ? '' : decision.message).toContain(kind);
  });

  it.each(['64:ff9b::7f00:1', '::127.0.0.1', '::ffff:0:7f00:1', '[::ffff:0:127.0.0.1]'])(
    'takes no loopback for %s, and a name never unlocks it (reserved)',
    async (address) => {
      expect((await destinations([])).checkAddress(address, 80)).toMatchObject({ ok: false });
      const d = await destinations(['evil.example'], { 'evil.example': [address] });
      const decision = d.checkAddress(address, 80);
      expect(decision).toMatchObject({ ok: false, reason: 'not-allowed' });
      expect(decision.ok ? '' : decision.message).toContain('a reserved address');
      const listed = await destinations([address.includes('[') ? address : `[${address}]`]);
      expect(listed.checkAddress(address, 80)).toEqual({ ok: true });
      expect(listed.checkAddress('10.0.0.1', 80)).toMatchObject({ ok: false });
    },
  );

  it('still refuses an IPv4-embedding form of a forbidden address', () => {
    const forbidden: ResolvedEntry[] = parseHostList(['127.0.0.1'], 'upstream.forbiddenHosts').map(
      (e) => ({ ...e, addresses: ['127.0.0.1'] }),
    );
    const d = new WebhookDestinations([], forbidden);
    expect(d.checkAddress('64:ff9b::7f00:1', 80)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(refusedAt(d, 'http://[::127.0.0.1]/')!.message).toContain('upstream.forbiddenHosts');
  });

  it('classifies what is in no special range as such', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1::248', '172.32.0.1'])
      expect(specialRange(a), a).toBeUndefined();
    expect(specialRange('172.31.255.255')).toBe('private');
    expect(specialRange('fdff::1')).toBe('private');
    expect(specialRange('febf::1')).toBe('link-local');
    expect(specialRange('64:ff9b::808:808')).toBe('reserved');
    expect(specialRange('::808:808')).toBe('reserved');
    expect(specialRange('::ffff:0:808:808')).toBe('reserved');
    expect(specialRange('::1')).toBeUndefined();
  });

  it('takes a private address when the entry is that IP literal', async () => {
    const d = await destinations(['10.0.0.7', '[fd00::5]:9000']);
    expect(d.checkAddress('10.0.0.7', 80)).toEqual({ ok: true });
    expect(d.checkAddress('fd00::5', 9000)).toEqual({ ok: true });
    expect(d.checkAddress('fd00::5', 9001)).toMatchObject({ ok: false });
    expect(d.checkAddress('10.0.0.8', 80)).toMatchObject({ ok: false });
  });

  it('refuses what is no IP address', async () => {
    expect((await destinations([])).checkAddress('localhost', 80)).toMatchObject({ ok: false });
  });
});
