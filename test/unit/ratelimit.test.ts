import { describe, expect, it } from 'vitest';
import { withRateHeaders } from '../../src/app/layers/limits.js';
import { isTapedeckError } from '../../src/core/errors.js';
import type { Reply } from '../../src/core/ports/index.js';
import type { RateLimitClass } from '../../src/core/sandbox/profile/types.js';
import {
  compileRateLimits,
  rateLimitHeaders,
  resolveRateLimits,
  TokenBucket,
  type RateTake,
} from '../../src/core/sandbox/ratelimit.js';
import { bearer, header, layerRig } from '../helpers/sandbox-layers.js';

const T0 = Date.UTC(2026, 0, 1, 12); // a whole second, so epoch seconds read plainly
const twoPerSecond: RateLimitClass = { name: 'default', limit: 2, windowSeconds: 1 };
const github: RateLimitClass = { name: 'core', limit: 5000, windowSeconds: 3600 };

describe('token bucket on a fake clock', () => {
  it('starts full, takes one a request, refuses when empty without taking', () => {
    const bucket = new TokenBucket(twoPerSecond, T0);
    expect(bucket.take(T0)).toEqual({
      ok: true,
      remaining: 1,
      resetSeconds: 1,
      retryAfterSeconds: 0,
    });
    expect(bucket.take(T0)).toEqual({
      ok: true,
      remaining: 0,
      resetSeconds: 1,
      retryAfterSeconds: 1,
    });
    const refused = bucket.take(T0);
    expect(refused).toEqual({ ok: false, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1 });
    // Refusals took nothing: one token is back after half a second, as if they never came.
    for (let i = 0; i < 5; i++) expect(bucket.take(T0 + 100).ok).toBe(false);
    expect(bucket.take(T0 + 500).ok).toBe(true);
    expect(bucket.take(T0 + 500).ok).toBe(false);
  });

  it('refills limit/window per second, up to the capacity, lazily', () => {
    const bucket = new TokenBucket(twoPerSecond, T0);
    bucket.take(T0);
    bucket.take(T0);
    // An hour later: full (2), never more.
    expect(bucket.take(T0 + 3_600_000)).toMatchObject({ ok: true, remaining: 1 });
    expect(bucket.take(T0 + 3_600_000)).toMatchObject({ ok: true, remaining: 0 });
    expect(bucket.take(T0 + 3_600_000).ok).toBe(false);
  });

  it('a frozen clock never refills; an advanced one does', () => {
    const bucket = new TokenBucket(twoPerSecond, T0);
    bucket.take(T0);
    bucket.take(T0);
    for (let i = 0; i < 10; i++) expect(bucket.take(T0).ok).toBe(false);
    expect(bucket.take(T0 + 1000)).toMatchObject({ ok: true, remaining: 1 });
  });

  it('a clock moved backwards adds nothing, and refills from the earlier time on', () => {
    const bucket = new TokenBucket(twoPerSecond, T0 + 10_000);
    bucket.take(T0 + 10_000);
    bucket.take(T0 + 10_000);
    expect(bucket.take(T0).ok).toBe(false); // ten seconds back: no tokens from going back
    expect(bucket.take(T0 + 499).ok).toBe(false);
    expect(bucket.take(T0 + 500).ok).toBe(true);
  });

  it('burst is the capacity; limit/window the rate', () => {
    const bucket = new TokenBucket({ name: 'b', limit: 60, windowSeconds: 60, burst: 5 }, T0);
    for (let i = 4; i >= 0; i--) expect(bucket.take(T0).remaining).toBe(i);
    const refused = bucket.take(T0);
    expect(refused).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    expect(bucket.take(T0 + 1000)).toMatchObject({ ok: true, remaining: 0 });
    expect(bucket.isFull(T0 + 1000)).toBe(false);
    expect(bucket.isFull(T0 + 6000)).toBe(true);
  });

  it('Retry-After is the whole seconds until one token is back, at least 1', () => {
    const slow = new TokenBucket({ name: 's', limit: 1, windowSeconds: 90 }, T0);
    slow.take(T0);
    expect(slow.take(T0).retryAfterSeconds).toBe(90);
    expect(slow.take(T0 + 30_500).retryAfterSeconds).toBe(60); // 59.5 s, rounded up
    expect(slow.take(T0 + 89_999).retryAfterSeconds).toBe(1);
    const fast = new TokenBucket({ name: 'f', limit: 1000, windowSeconds: 1 }, T0);
    for (let i = 0; i < 1000; i++) fast.take(T0);
    expect(fast.take(T0)).toMatchObject({ ok: false, retryAfterSeconds: 1, resetSeconds: 1 });
  });

  it("GitHub's 5,000 an hour: one back every 720 ms, exactly", () => {
    const bucket = new TokenBucket(github, T0);
    for (let i = 0; i < 5000; i++) expect(bucket.take(T0).ok).toBe(true);
    expect(bucket.take(T0 + 719).ok).toBe(false);
    expect(bucket.take(T0 + 720)).toMatchObject({ ok: true, remaining: 0 });
    // Empty again: full after 3,600 s.
    expect(bucket.take(T0 + 720 + 720)).toMatchObject({ ok: true, resetSeconds: 3600 });
  });
});

/** RFC 8941 §4.2 list of items (sf-string or token bare items, integer/token/string params). */
function parseSfList(text: string): { value: string; params: Record<string, number | string> }[] {
  let i = 0;
  const ws = () => {
    while (text[i] === ' ') i++;
  };
  const bareItem = (): number | string => {
    if (text[i] === '"') {
      let out = '';
      i++;
      for (;;) {
        const c = text[i++];
        if (c === undefined) throw new Error('unterminated string');
        if (c === '\\') {
          const next = text[i++]!;
          if (next !== '"' && next !== '\\') throw new Error('bad escape');
          out += next;
        } else if (c === '"') return out;
        else if (c < ' ' || c > '~') throw new Error('not printable');
        else out += c;
      }
    }
    const integer = /^-?\d{1,15}/.exec(text.slice(i));
    if (integer !== null) {
      i += integer[0].length;
      if (text[i] === '.') throw new Error('decimals are not used here');
      return Number(integer[0]);
    }
    const token = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(text.slice(i));
    if (token === null) throw new Error(`bad item at ${i}: ${text}`);
    i += token[0].length;
    return token[0];
  };
  const out: { value: string; params: Record<string, number | string> }[] = [];
  for (;;) {
    ws();
    const value = bareItem();
    if (typeof value !== 'string') throw new Error('item is not a string');
    const params: Record<string, number | string> = {};
    while (text[i] === ';') {
      i++;
      ws();
      const key = /^[a-z*][a-z0-9_\-.*]*/.exec(text.slice(i));
      if (key === null) throw new Error('bad key');
      i += key[0].length;
      let v: number | string = 1;
      if (text[i] === '=') {
        i++;
        v = bareItem();
      }
      params[key[0]] = v;
    }
    out.push({ value, params });
    ws();
    if (i >= text.length) return out;
    if (text[i] !== ',') throw new Error(`expected a comma at ${i}: ${text}`);
    i++;
  }
}

const headerOf = (headers: [string, string][], name: string) =>
  headers.find(([n]) => n === name)?.[1];

describe('rate-limit headers', () => {
  const take: RateTake = { ok: true, remaining: 42, resetSeconds: 17, retryAfterSeconds: 0 };

  it('ietf: RateLimit-Policy and RateLimit as Structured Fields, never the three-header form', () => {
    const headers = rateLimitHeaders(
      'ietf',
      { name: 'default', limit: 100, windowSeconds: 60 },
      take,
      T0,
    );
    expect(headers.map(([n]) => n)).toEqual(['ratelimit-policy', 'ratelimit']);
    expect(headerOf(headers, 'ratelimit-policy')).toBe('"default";q=100;w=60');
    expect(parseSfList(headerOf(headers, 'ratelimit-policy')!)).toEqual([
      { value: 'default', params: { q: 100, w: 60 } },
    ]);
    expect(parseSfList(headerOf(headers, 'ratelimit')!)).toEqual([
      { value: 'default', params: { r: 42, t: 17 } },
    ]);
    for (const old of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
      expect(headerOf(headers, old)).toBeUndefined();
    }
  });

  it('ietf: a policy name with a quote or backslash is escaped, and parses back', () => {
    const headers = rateLimitHeaders(
      'ietf',
      { name: 'a"b\\c', limit: 1, windowSeconds: 1 },
      take,
      T0,
    );
    expect(parseSfList(headerOf(headers, 'ratelimit')!)[0]!.value).toBe('a"b\\c');
  });

  it('ietf on a 429: t equals Retry-After', () => {
    const bucket = new TokenBucket({ name: 'slow', limit: 1, windowSeconds: 30 }, T0);
    bucket.take(T0);
    const refused = bucket.take(T0 + 10_200);
    const headers = rateLimitHeaders('ietf', bucket.rateClass, refused, T0 + 10_200);
    const [item] = parseSfList(headerOf(headers, 'ratelimit')!);
    expect(item!.params).toEqual({ r: 0, t: refused.retryAfterSeconds });
    expect(refused.retryAfterSeconds).toBe(20);
  });

  it("github: x-ratelimit-* with the reset in epoch seconds of the tenant's clock", () => {
    const headers = rateLimitHeaders(
      'github',
      github,
      { ...take, remaining: 4990, resetSeconds: 8 },
      T0,
    );
    expect(Object.fromEntries(headers)).toEqual({
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4990',
      'x-ratelimit-used': '10',
      'x-ratelimit-reset': String(T0 / 1000 + 8),
      'x-ratelimit-resource': 'core',
    });
  });

  it('none: no headers', () => {
    expect(rateLimitHeaders('none', twoPerSecond, take, T0)).toEqual([]);
  });
});

describe('class selection', () => {
  const stripe: RateLimitClass[] = [
    { name: 'read', limit: 25, windowSeconds: 1, methods: ['GET', 'head'] },
    { name: 'write', limit: 25, windowSeconds: 1 },
  ];

  it('takes the first class whose methods match; a class with neither matches all', () => {
    const limits = compileRateLimits(stripe, { where: 'sandbox.rateLimits' });
    expect(limits.classOf('GET', '/v1/customers')?.name).toBe('read');
    expect(limits.classOf('head', '/v1/customers')?.name).toBe('read');
    expect(limits.classOf('POST', '/v1/customers')?.name).toBe('write');
    expect(limits.classOf('DELETE', '/v1/customers/cus_1')?.name).toBe('write');
  });

  it('matches operation templates segment by segment, ignoring the query', () => {
    const limits = compileRateLimits(
      [
        { name: 'search', limit: 30, windowSeconds: 60, operations: ['GET /search/{kind}'] },
        { name: 'one', limit: 5, windowSeconds: 1, operations: ['* /v1/customers/{customer}'] },
      ],
      { where: 'sandbox.rateLimits' },
    );
    expect(limits.classOf('GET', '/search/repositories?q=tapedeck')?.name).toBe('search');
    expect(limits.classOf('POST', '/search/repositories')).toBeUndefined();
    expect(limits.classOf('GET', '/search')).toBeUndefined();
    expect(limits.classOf('GET', '/search/code/more')).toBeUndefined();
    expect(limits.classOf('DELETE', '/v1/customers/cus_1')?.name).toBe('one');
    expect(limits.classOf('GET', '/v1/customers')).toBeUndefined();
  });

  it('with methods and operations, both must match; `*` is any operation', () => {
    const limits = compileRateLimits(
      [
        { name: 'writes', limit: 1, windowSeconds: 1, methods: ['POST'], operations: ['*'] },
        {
          name: 'cust',
          limit: 1,
          windowSeconds: 1,
          methods: ['GET'],
          operations: ['GET /v1/customers'],
        },
      ],
      { where: 'sandbox.rateLimits' },
    );
    expect(limits.classOf('POST', '/anything')?.name).toBe('writes');
    expect(limits.classOf('GET', '/v1/customers')?.name).toBe('cust');
    expect(limits.classOf('GET', '/v1/charges')).toBeUndefined();
  });

  it("resolves the spec's operation ids, with and without its base path", () => {
    const limits = compileRateLimits(
      [{ name: 'create', limit: 1, windowSeconds: 1, operations: ['PostCustomers'] }],
      {
        where: 'sandbox.rateLimits',
        operations: [{ id: 'PostCustomers', method: 'post', path: '/customers' }],
        basePaths: ['/v1'],
      },
    );
    expect(limits.classOf('POST', '/v1/customers')?.name).toBe('create');
    expect(limits.classOf('POST', '/customers')?.name).toBe('create');
    expect(limits.classOf('GET', '/v1/customers')).toBeUndefined();
  });

  it('refuses an operation id the spec does not have, naming the field', () => {
    let caught: unknown;
    try {
      compileRateLimits(
        [{ name: 'x', limit: 1, windowSeconds: 1, operations: ['GET /ok', 'NoSuchOperation'] }],
        { where: 'sandbox.rateLimits' },
      );
    } catch (error) {
      caught = error;
    }
    expect(isTapedeckError(caught, 'TD_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toContain('sandbox.rateLimits[0].operations[1]');
    expect((caught as Error).message).toContain('NoSuchOperation');
  });

  it('refuses two classes of one name: they would share one bucket and reset it in turn', () => {
    let caught: unknown;
    try {
      compileRateLimits(
        [
          { name: 'default', limit: 2, windowSeconds: 60, methods: ['GET'] },
          { name: 'default', limit: 2, windowSeconds: 60, methods: ['POST', 'DELETE'] },
        ],
        { where: 'sandbox.rateLimits' },
      );
    } catch (error) {
      caught = error;
    }
    expect(isTapedeckError(caught, 'TD_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(
      'sandbox.rateLimits[1].name: "default" is also the name of sandbox.rateLimits[0]',
    );
  });

  it("resolves the setting: 'off' is none, 'profile' the profile's, a list itself", () => {
    expect(resolveRateLimits('off', stripe)).toEqual([]);
    expect(resolveRateLimits('profile', stripe)).toBe(stripe);
    const own = [twoPerSecond];
    expect(resolveRateLimits(own, stripe)).toBe(own);
  });
});

describe('shaping the answer with the headers', () => {
  const headers: [string, string][] = [
    ['x-ratelimit-remaining', '7'],
    ['x-ratelimit-limit', '10'],
  ];

  it('adds to simple and stream answers; keeps a layer answer that already has its own', () => {
    const simple: Reply = {
      kind: 'simple',
      status: 200,
      headers: [['content-type', 'x']],
      body: '',
    };
    expect(withRateHeaders(simple, headers)).toMatchObject({
      headers: [['content-type', 'x'], ...headers],
    });
    const scenario429: Reply = {
      ...simple,
      status: 429,
      headers: [['x-ratelimit-remaining', '0']],
    };
    expect(withRateHeaders(scenario429, headers)).toBe(scenario429);
  });

  it("replaces a recorded answer's own rate-limit headers (the recording's are stale)", () => {
    const recorded: Reply = {
      kind: 'recorded',
      response: {
        status: 200,
        headers: { 'X-RateLimit-Remaining': '4999', 'RateLimit-Reset': '60', etag: 'W/"1"' },
      },
      extraHeaders: [['x-tapedeck-layer', 'cassette']],
      delayMs: 0,
    };
    const shaped = withRateHeaders(recorded, headers);
    expect(shaped).toMatchObject({
      response: { headers: { etag: 'W/"1"' } },
      extraHeaders: [['x-tapedeck-layer', 'cassette'], ...headers],
    });
    expect(shaped.kind === 'recorded' ? Object.keys(shaped.response.headers) : []).toEqual([
      'etag',
    ]);
  });

  it("shapes a fault's inner answer", () => {
    const inner: Reply = { kind: 'simple', status: 200, headers: [], body: '{}' };
    const fault: Reply = { kind: 'fault', fault: { kind: 'delay', ms: 10 }, inner };
    expect(withRateHeaders(fault, headers)).toEqual({ ...fault, inner: { ...inner, headers } });
  });
});

describe('limits layer: the token bucket after the daily quota', () => {
  const onePerMinute = compileRateLimits([{ name: 'default', limit: 1, windowSeconds: 60 }], {
    where: 'sandbox.rateLimits',
  });

  it('a refused request takes no token and is not counted against the day', async () => {
    const rig = layerRig({ rateLimits: onePerMinute, quotas: { requestsPerDay: 100 } });
    const { key } = await rig.admin.create('acme');
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const refused = await rig.send({ headers: bearer(key) });
      expect(refused.status).toBe(429);
      expect(header(refused, 'retry-after')).toBe('60');
    }
    await rig.time.advance(60_000);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    await rig.limits.flush();
    expect((await rig.admin.show('acme')).usage.requestsToday).toBe(2);
  });

  it('the daily quota answers first: past it, no bucket is touched', async () => {
    const rig = layerRig({ rateLimits: onePerMinute, quotas: { requestsPerDay: 1 } });
    const { key } = await rig.admin.create('acme');
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    const refused = await rig.send({ headers: bearer(key) });
    expect(header(refused, 'x-tapedeck-error')).toBe('quota');
  });

  it('keeps at most maxBuckets, forgetting the least recently used (which starts full again)', async () => {
    const rig = layerRig({ rateLimits: onePerMinute, maxBuckets: 2 });
    const keys = await Promise.all(
      ['a', 'b', 'c'].map(async (n) => (await rig.admin.create(n)).key),
    );
    const [a, b, c] = keys as [string, string, string];
    expect((await rig.send({ headers: bearer(a) })).status).toBe(200);
    expect((await rig.send({ headers: bearer(b) })).status).toBe(200);
    expect((await rig.send({ headers: bearer(a) })).status).toBe(429); // a is the youngest again
    expect((await rig.send({ headers: bearer(c) })).status).toBe(200); // b goes
    expect((await rig.send({ headers: bearer(a) })).status).toBe(429);
    expect((await rig.send({ headers: bearer(b) })).status).toBe(200); // forgotten: full
  });
});
