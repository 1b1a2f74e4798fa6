import { describe, expect, it } from 'vitest';
import type { NamedCassette, RecordedRequest } from '../../src/core/cassette/model.js';
import { compileMatchConfig, DEFAULT_MATCH_OPTIONS } from '../../src/core/matching/config.js';
import { keyHash, ReplayIndex } from '../../src/core/matching/index.js';
import { normalizeRequest } from '../../src/core/matching/normalize.js';

const config = compileMatchConfig(DEFAULT_MATCH_OPTIONS);

function req(path: string): RecordedRequest {
  return { method: 'GET', path, query: {}, headers: {} };
}

function cassette(name: string, requests: RecordedRequest[]): NamedCassette {
  return {
    name,
    cassette: {
      version: 1,
      interactions: requests.map((request) => ({
        request,
        response: { status: 200, headers: {} },
        latencyMs: 0,
        recordedAt: '2026-11-21T09:00:00Z',
      })),
    },
  };
}

/** Two different paths whose normalized keys share a keyHash (found by search: 30 bits). */
function collidingPaths(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const path = `/c/${i}`;
    const h = keyHash(normalizeRequest(req(path), config).key);
    const other = seen.get(h);
    if (other !== undefined) return [other, path];
    seen.set(h, path);
  }
}

describe('ReplayIndex keyed by hash', () => {
  it('hashes to small non-negative integers, deterministically', () => {
    for (const key of ['', 'GET /', 'GET /a?x=1\n\n', 'é€😀'.repeat(50)]) {
      const h = keyHash(key);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true);
      expect(keyHash(key)).toBe(h);
    }
    expect(keyHash('GET /a')).not.toBe(keyHash('GET /b'));
  });

  it('tells apart keys that share a hash by the full key', () => {
    const [a, b] = collidingPaths();
    const ka = normalizeRequest(req(a), config).key;
    const kb = normalizeRequest(req(b), config).key;
    expect(ka).not.toBe(kb);
    expect(keyHash(ka)).toBe(keyHash(kb));

    // Only one of them recorded: the other must miss, not borrow its answer.
    const onlyA = new ReplayIndex([cassette('c', [req(a)])], config);
    expect(onlyA.lookup(ka)?.positions).toEqual([0]);
    expect(onlyA.lookup(kb)).toBeUndefined();

    // Both recorded, in two cassettes and in one: each finds its own.
    const both = new ReplayIndex(
      [cassette('x', [req(b), req(a)]), cassette('w', [req(a), req(a)])],
      config,
    );
    expect(both.lookup(ka)).toMatchObject({ cassette: 'w', positions: [0, 1] });
    expect(both.lookup(kb)).toMatchObject({ cassette: 'x', positions: [0] });
    expect(both.lookup(ka, 'x')?.positions).toEqual([1]);
    expect(both.lookup(kb, 'w')).toBeUndefined();
  });

  it('finds every one of many keys, and nothing else', () => {
    const paths = Array.from({ length: 20_000 }, (_, i) => `/items/${i}`);
    const index = new ReplayIndex([cassette('big', paths.map(req))], config);
    for (let i = 0; i < paths.length; i++) {
      expect(index.lookup(normalizeRequest(req(paths[i]!), config).key)?.positions[0]).toBe(i);
    }
    expect(index.lookup(normalizeRequest(req('/items/20000'), config).key)).toBeUndefined();
  });
});
