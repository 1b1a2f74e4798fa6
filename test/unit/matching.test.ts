import { describe, expect, it } from 'vitest';
import type { NamedCassette, RecordedRequest } from '../../src/core/cassette/model.js';
import {
  compileMatchConfig,
  DEFAULT_MATCH_OPTIONS,
  type MatchOptions,
} from '../../src/core/matching/config.js';
import { ReplayIndex, SequenceCursors } from '../../src/core/matching/index.js';
import { match } from '../../src/core/matching/match.js';
import { normalizePath, normalizeRequest } from '../../src/core/matching/normalize.js';

const config = compileMatchConfig(DEFAULT_MATCH_OPTIONS);

function req(partial: Partial<RecordedRequest>): RecordedRequest {
  return { method: 'GET', path: '/v1/orders', query: {}, headers: {}, ...partial };
}

function key(r: RecordedRequest, options: MatchOptions = DEFAULT_MATCH_OPTIONS): string {
  return normalizeRequest(r, compileMatchConfig(options)).key;
}

describe('normalizers', () => {
  it('upper-cases the method', () => {
    expect(key(req({ method: 'get' }))).toBe(key(req({ method: 'GET' })));
  });

  it('decodes escaped unreserved characters and upper-cases other escapes in paths', () => {
    expect(normalizePath('/a%7eb/%2fc%3a')).toBe('/a~b/%2Fc%3A');
    expect(key(req({ path: '/v1/%6Frders' }))).toBe(key(req({ path: '/v1/orders' })));
  });

  it('keeps a trailing slash significant', () => {
    expect(key(req({ path: '/v1/orders/' }))).not.toBe(key(req({ path: '/v1/orders' })));
  });

  it('ignores query parameter order but not repeated values', () => {
    expect(key(req({ query: { b: '2', a: '1' } }))).toBe(key(req({ query: { a: '1', b: '2' } })));
    expect(key(req({ query: { a: ['1', '2'] } }))).not.toBe(key(req({ query: { a: '1' } })));
  });

  it('drops ignored query parameters', () => {
    const options = { ...DEFAULT_MATCH_OPTIONS, ignoreQuery: ['_'] };
    expect(key(req({ query: { _: '123', a: '1' } }), options)).toBe(
      key(req({ query: { _: '999', a: '1' } }), options),
    );
  });

  it('compares headers only when listed, case-insensitively by name', () => {
    const a = req({ headers: { accept: 'application/json' } });
    const b = req({ headers: { accept: 'text/html' } });
    expect(key(a)).toBe(key(b));
    expect(key(a, { ...DEFAULT_MATCH_OPTIONS, headers: ['Accept'] })).not.toBe(
      key(b, { ...DEFAULT_MATCH_OPTIONS, headers: ['Accept'] }),
    );
  });

  it('compares JSON bodies canonically and without ignored paths', () => {
    const a = req({
      method: 'POST',
      body: { encoding: 'json', json: { a: 1, b: { c: 2, requestId: 'x' } } },
    });
    const b = req({
      method: 'POST',
      body: { encoding: 'json', json: { b: { requestId: 'y', c: 2 }, a: 1 }, format: 'pretty' },
    });
    expect(key(a)).not.toBe(key(b));
    expect(key(a, { ...DEFAULT_MATCH_OPTIONS, ignoreBodyPaths: ['$..requestId'] })).toBe(
      key(b, { ...DEFAULT_MATCH_OPTIONS, ignoreBodyPaths: ['$..requestId'] }),
    );
  });

  it('compares form bodies as sorted pairs', () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    expect(key(req({ headers, body: { encoding: 'text', text: 'b=2&a=1' } }))).toBe(
      key(req({ headers, body: { encoding: 'text', text: 'a=1&b=2' } })),
    );
  });

  it('treats an empty body like no body', () => {
    expect(key(req({ body: { encoding: 'text', text: '' } }))).toBe(key(req({})));
  });
});

describe('match', () => {
  const n = (r: RecordedRequest) => normalizeRequest(r, config);

  it('is distance 0 with every field matching for identical requests', () => {
    const result = match(n(req({ query: { a: '1' } })), n(req({ query: { a: '1' } })));
    expect(result.distance).toBe(0);
    expect(result.fields.every((f) => f.kind === 'match')).toBe(true);
  });

  it('marks exactly the differing query parameter with both values', () => {
    const result = match(
      n(req({ query: { limit: '10', status: 'open' } })),
      n(req({ query: { limit: '20', status: 'open' } })),
    );
    expect(result.fields.filter((f) => f.kind === 'mismatch')).toEqual([
      { field: 'query.limit', kind: 'mismatch', expected: '20', actual: '10' },
    ]);
    expect(result.distance).toBeGreaterThan(0);
  });

  it('points at the differing JSON body fields by pointer', () => {
    const result = match(
      n(
        req({ method: 'POST', body: { encoding: 'json', json: { amount: 100, currency: 'eur' } } }),
      ),
      n(
        req({ method: 'POST', body: { encoding: 'json', json: { amount: 100, currency: 'usd' } } }),
      ),
    );
    expect(result.fields.filter((f) => f.kind === 'mismatch')).toEqual([
      { field: 'body/currency', kind: 'mismatch', expected: '"usd"', actual: '"eur"' },
    ]);
  });

  it('ranks a different path further than a different query value', () => {
    const incoming = n(req({ path: '/v1/orders', query: { limit: '10' } }));
    const queryOff = match(incoming, n(req({ path: '/v1/orders', query: { limit: '20' } })));
    const pathOff = match(incoming, n(req({ path: '/v1/customers', query: { limit: '10' } })));
    expect(queryOff.distance).toBeLessThan(pathOff.distance);
  });

  it('agrees with the index key: distance 0 exactly when keys are equal', () => {
    const samples = [
      req({}),
      req({ method: 'POST' }),
      req({ query: { a: '1' } }),
      req({ query: { a: '2' } }),
      req({ path: '/v1/orders/1' }),
      req({ method: 'POST', body: { encoding: 'json', json: { a: 1 } } }),
      req({ method: 'POST', body: { encoding: 'json', json: { a: 2 } } }),
      req({ method: 'POST', body: { encoding: 'text', text: 'hello' } }),
      req({ method: 'POST', body: { encoding: 'base64', base64: 'AAEC' } }),
    ];
    for (const a of samples) {
      for (const b of samples) {
        expect(match(n(a), n(b)).distance === 0).toBe(n(a).key === n(b).key);
      }
    }
  });
});

function cassette(name: string, requests: RecordedRequest[]): NamedCassette {
  return {
    name,
    cassette: {
      version: 1,
      interactions: requests.map((request, i) => ({
        request,
        response: { status: 200, headers: {}, body: { encoding: 'text', text: `${name}#${i}` } },
        latencyMs: 1,
        recordedAt: '2026-01-01T00:00:00Z',
      })),
    },
  };
}

describe('ReplayIndex and SequenceCursors', () => {
  const get = req({});
  const index = new ReplayIndex(
    [cassette('b-second', [get]), cassette('a-first', [get, req({ method: 'POST' }), get, get])],
    config,
  );
  const k = normalizeRequest(get, config).key;

  it('finds a request in the first cassette by name when none is named', () => {
    expect(index.lookup(k)?.cassette).toBe('a-first');
    expect(index.lookup(k)?.positions).toEqual([0, 2, 3]);
  });

  it('finds a request in a named cassette only', () => {
    expect(index.lookup(k, 'b-second')?.positions).toEqual([0]);
    expect(index.lookup(k, 'nope')).toBeUndefined();
  });

  it('answers repeated requests in recorded order, then repeats the last', () => {
    const cursors = new SequenceCursors();
    const entry = index.lookup(k)!;
    expect([1, 2, 3, 4, 5].map(() => cursors.next('', entry))).toEqual([0, 2, 3, 3, 3]);
  });

  it('keeps each session on its own position', () => {
    const cursors = new SequenceCursors();
    const entry = index.lookup(k)!;
    expect(cursors.next('a', entry)).toBe(0);
    expect(cursors.next('a', entry)).toBe(2);
    expect(cursors.next('b', entry)).toBe(0);
    cursors.reset('a');
    expect(cursors.next('a', entry)).toBe(0);
    expect(cursors.next('b', entry)).toBe(2);
  });

  it('ranks near misses closest first, stable on ties', () => {
    const incoming = normalizeRequest(req({ query: { x: '1' } }), config);
    const nearest = index.nearest(incoming, 3);
    expect(nearest.map((m) => `${m.cassette}#${m.position}`)).toEqual([
      'a-first#0',
      'b-second#0',
      'a-first#1',
    ]);
    expect(nearest[0]!.result.distance).toBeLessThan(nearest[2]!.result.distance);
  });

  it('counts every interaction', () => {
    expect(index.size).toBe(5);
    expect([...index.all()]).toHaveLength(5);
  });
});
