import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalHost,
  canonicalIp,
  exactIp,
  parseHostEntry,
  resolveEgressPolicy,
  type Resolver,
} from '../../src/core/http/egress.js';
import { isTapedeckError } from '../../src/core/errors.js';
import { assertProperty } from '../helpers/property.js';

const hosts: Record<string, readonly string[]> = { localhost: ['127.0.0.1', '::1'] };
const resolver: Resolver = (name) =>
  Promise.resolve(hosts[name] ?? Promise.reject(new Error('ENOTFOUND')));

/** Every spelling of 127.0.0.1 (or of localhost) from issue 12, and a few more. */
const LOOPBACK_SPELLINGS = [
  '127.0.0.1',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[0:0:0:0:0:ffff:7f00:1]',
  '[::FFFF:7F00:0001]',
  '[::ffff:0:127.0.0.1]',
  '[::127.0.0.1]',
  '[64:ff9b::7f00:1]',
  '127.1',
  '127.0.1',
  '2130706433',
  '0x7f.1',
  '0x7f000001',
  '017700000001',
  '0177.0.0.1',
  '127.0.0.1.',
];

describe('canonical hosts', () => {
  it.each(LOOPBACK_SPELLINGS)('%s is 127.0.0.1', (spelling) => {
    expect(canonicalHost(spelling)).toEqual({ kind: 'ip', address: '127.0.0.1' });
  });

  it('reads IPv6 in one RFC 5952 form, with or without brackets, zone dropped', () => {
    expect(canonicalIp('[0:0:0:0:0:0:0:1]')).toBe('::1');
    expect(canonicalIp('::1')).toBe('::1');
    expect(canonicalIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('fe80::1%eth0')).toBe('fe80::1');
    expect(canonicalIp('::')).toBe('::');
    // 6to4 and Teredo reach a relay, not the embedded address: not mapped.
    expect(canonicalIp('2002:7f00:1::')).toBe('2002:7f00:1::');
  });

  it('exactIp reads only the IPv4-mapped form as IPv4; other embeddings stay IPv6', () => {
    expect(exactIp('[::ffff:127.0.0.1]')).toBe('127.0.0.1');
    expect(exactIp('::FFFF:7F00:1')).toBe('127.0.0.1');
    expect(exactIp('[64:ff9b::127.0.0.1]')).toBe('64:ff9b::7f00:1');
    expect(exactIp('::127.0.0.1')).toBe('::7f00:1');
    expect(exactIp('::ffff:0:127.0.0.1')).toBe('::ffff:0:7f00:1');
    expect(exactIp('0x7f.1')).toBe('127.0.0.1');
    expect(exactIp('not an ip')).toBeUndefined();
  });

  it('names: lower case, one trailing dot dropped', () => {
    expect(canonicalHost('LOCALHOST')).toEqual({ kind: 'name', name: 'localhost' });
    expect(canonicalHost('localhost.')).toEqual({ kind: 'name', name: 'localhost' });
    expect(canonicalHost('Api.Example.COM.')).toEqual({ kind: 'name', name: 'api.example.com' });
  });

  it.each(['', 'a b', 'a/b', 'user@host', '1.2.3.256', '1.2.3.4.5', '[::1', '[1:2]', 'a..b', '-a'])(
    'refuses %j',
    (bad) => {
      expect(canonicalHost(bad)).toBeUndefined();
    },
  );
});

describe('config entries', () => {
  it('keeps host:port and bracketed IPv6 with a port', () => {
    expect(parseHostEntry('localhost:8080', 'x[0]')).toMatchObject({
      host: { kind: 'name', name: 'localhost' },
      port: 8080,
    });
    expect(parseHostEntry('[::ffff:7f00:1]:80', 'x[0]')).toMatchObject({
      host: { kind: 'ip', address: '127.0.0.1' },
      port: 80,
    });
    expect(parseHostEntry('::1', 'x[0]')).toMatchObject({ host: { kind: 'ip', address: '::1' } });
  });

  it.each(['http://api.example.com', 'api.example.com/v1', ' localhost', 'a:b:c', 'h:99999', ''])(
    'refuses %j naming the entry',
    (bad) => {
      let caught: unknown;
      try {
        parseHostEntry(bad, 'upstream.forbiddenHosts[3]');
      } catch (error) {
        caught = error;
      }
      expect(isTapedeckError(caught) && caught.code).toBe('TD_CONFIG_INVALID');
      expect((caught as Error).message).toContain('upstream.forbiddenHosts[3]');
    },
  );
});

describe('EgressPolicy', () => {
  const forbidden = (list: string[]) =>
    resolveEgressPolicy({ forbiddenHosts: list, allowedHosts: [] }, resolver);

  it.each(LOOPBACK_SPELLINGS)('refuses the target %s when 127.0.0.1 is forbidden', async (s) => {
    const policy = await forbidden(['127.0.0.1']);
    const host = canonicalHost(s)!;
    expect(policy.checkTarget(host, 80, []).ok).toBe(false);
  });

  it('refuses every spelling when the forbidden entry is itself another spelling', async () => {
    const policy = await forbidden(['[::ffff:7f00:1]', '0x7f.0.0.2']);
    expect(policy.checkAddress('127.0.0.1', 80).ok).toBe(false);
    expect(policy.checkAddress('::ffff:127.0.0.2', 80).ok).toBe(false);
    expect(policy.checkAddress('127.0.0.3', 80).ok).toBe(true);
  });

  it('a forbidden name forbids its addresses: localhost forbids [::1] and 127.0.0.1', async () => {
    const policy = await forbidden(['localhost']);
    expect(policy.checkTarget(canonicalHost('[::1]')!, 80, []).ok).toBe(false);
    expect(policy.checkTarget(canonicalHost('LOCALHOST.')!, 80, []).ok).toBe(false);
    expect(policy.checkAddress('::ffff:7f00:1', 443).ok).toBe(false);
    // 0.0.0.0 connects to 127.0.0.1 on Linux, :: to ::1.
    expect(policy.checkAddress('0.0.0.0', 80).ok).toBe(false);
    expect(policy.checkAddress('::', 80).ok).toBe(false);
  });

  it('localhost stands for 127.0.0.1 and ::1 even where /etc/hosts lists one of them', async () => {
    const policy = await resolveEgressPolicy(
      { forbiddenHosts: ['LocalHost.'], allowedHosts: [] },
      () => Promise.resolve(['127.0.0.1']),
    );
    expect(policy.checkTarget(canonicalHost('[::1]')!, 80, []).ok).toBe(false);
    expect(policy.checkAddress('0:0:0:0:0:0:0:1', 80).ok).toBe(false);
  });

  it('a target below localhost is loopback (RFC 6761), even where it does not resolve', async () => {
    const policy = await forbidden(['localhost']);
    for (const name of ['foo.localhost', 'A.B.LOCALHOST.']) {
      const decision = policy.checkTarget(canonicalHost(name)!, 80, []);
      expect(decision, name).toMatchObject({ ok: false, reason: 'forbidden' });
    }
    expect(
      (await forbidden(['127.0.0.1'])).checkTarget(canonicalHost('foo.localhost')!, 80, []).ok,
    ).toBe(false);
    expect(policy.checkTarget(canonicalHost('localhost.example')!, 80, []).ok).toBe(true);
  });

  it('a target that resolves to a forbidden address is refused at start', async () => {
    const policy = await forbidden(['localhost']);
    const decision = policy.checkTarget(canonicalHost('staging.test')!, 80, ['127.0.0.1']);
    expect(decision).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(!decision.ok && decision.message).toContain('resolves to 127.0.0.1');
  });

  it('an entry with a port forbids that port only', async () => {
    const policy = await forbidden(['127.0.0.1:8080']);
    expect(policy.checkAddress('127.0.0.1', 8080).ok).toBe(false);
    expect(policy.checkAddress('127.0.0.1', 8081).ok).toBe(true);
  });

  it('allowedHosts: only the addresses the allowed names had at start', async () => {
    const policy = await resolveEgressPolicy(
      { forbiddenHosts: [], allowedHosts: ['localhost', '10.0.0.5'] },
      resolver,
    );
    expect(policy.checkTarget(canonicalHost('Localhost.')!, 80, ['127.0.0.1']).ok).toBe(true);
    expect(policy.checkTarget(canonicalHost('[::ffff:a00:5]')!, 80, []).ok).toBe(true);
    expect(policy.checkTarget(canonicalHost('other.test')!, 80, []).ok).toBe(false);
    expect(policy.checkAddress('::ffff:127.0.0.1', 80).ok).toBe(true);
    expect(policy.checkAddress('127.0.0.2', 80)).toMatchObject({
      ok: false,
      reason: 'not-allowed',
    });
  });

  it('property: any spelling of a forbidden address is refused, at start and at connect', async () => {
    const policy = await forbidden(['localhost', '10.1.2.3']);
    const forbiddenAddress = fc.constantFrom([127, 0, 0, 1], [10, 1, 2, 3]);
    assertProperty(
      fc.property(
        forbiddenAddress,
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
        (b, form, upper) => {
          const spelling = spell(b, form, upper);
          const host = canonicalHost(spelling);
          expect(host, spelling).toBeDefined();
          expect(policy.checkTarget(host!, 80, []).ok, spelling).toBe(false);
          const ip = spelling.replace(/^\[|\]$/g, '');
          if (canonicalIp(ip) !== undefined) expect(policy.checkAddress(ip, 80).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: any spelling of localhost (case, trailing dot) is refused', async () => {
    const policy = await forbidden(['localhost']);
    assertProperty(
      fc.property(
        fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        fc.boolean(),
        (upper, dot) => {
          const name = [...'localhost'].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
          const host = canonicalHost(dot ? `${name}.` : name)!;
          expect(policy.checkTarget(host, 80, []).ok).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: a spelling of any other address is never refused', async () => {
    const policy = await forbidden(['localhost', '10.1.2.3']);
    assertProperty(
      fc.property(
        fc.tuple(
          fc.integer({ min: 1, max: 255 }),
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 2, max: 255 }),
        ),
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
        (b, form, upper) => {
          fc.pre(!(b[0] === 10 && b[1] === 1 && b[2] === 2 && b[3] === 3));
          const host = canonicalHost(spell(b, form, upper))!;
          expect(policy.checkTarget(host, 80, []).ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** One of ten spellings of the IPv4 address `b`. */
function spell(b: readonly number[], form: number, upper: boolean): string {
  const [a, c, d, e] = b as [number, number, number, number];
  const value = ((a * 256 + c) * 256 + d) * 256 + e;
  const hex = (n: number) => n.toString(16);
  const out = [
    `${a}.${c}.${d}.${e}`,
    `${a}.${c}.${d * 256 + e}`,
    `${a}.${(c * 256 + d) * 256 + e}`,
    String(value),
    `0x${hex(value)}`,
    `0${value.toString(8)}`,
    `0x${hex(a)}.0${c.toString(8)}.${d}.0x${hex(e)}`,
    `[::ffff:${a}.${c}.${d}.${e}]`,
    `[::ffff:${hex(a * 256 + c)}:${hex(d * 256 + e)}]`,
    `[0:0:0:0:0:ffff:${hex(a * 256 + c)}:${hex(d * 256 + e)}]`,
  ][form]!;
  return upper ? out.toUpperCase() : out;
}
