import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey, newKey } from '../../../src/app/sandbox/keys.js';
import { detect, LIVE_KEY_DETECTORS } from '../../../src/core/redaction/detectors.js';
import {
  base62,
  BASE62,
  checkKey,
  crc32,
  formatKey,
  KEY_CHECKSUM_LENGTH,
  KEY_RANDOM_LENGTH,
  keyHint,
} from '../../../src/core/sandbox/keys.js';
import { assertProperty, seededRandom, propertySeed } from '../../helpers/property.js';

const PREFIX = 'tdk_test_';
/** The plan's example (docs/sandbox.md): a real checksum. */
const EXAMPLE = 'tdk_test_0GjutfcRPUZ4kPnoNBXlWH4dDELp';

/** A key from a seeded generator: the same keys on every run of one seed. */
function seededKeys(count: number, prefix = PREFIX): string[] {
  const random = seededRandom(propertySeed());
  const keys: string[] = [];
  for (let n = 0; n < count; n++) {
    let body = '';
    for (let i = 0; i < KEY_RANDOM_LENGTH; i++) body += BASE62[Math.floor(random() * 62)]!;
    keys.push(formatKey(prefix, body));
  }
  return keys;
}

describe('crc32', () => {
  it('equals zlib.crc32 on any text', () => {
    assertProperty(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        expect(crc32(text)).toBe(zlibCrc32(text));
      }),
      { numRuns: 1000 },
    );
    expect(crc32('')).toBe(0);
    expect(crc32('123456789')).toBe(0xcbf43926); // the standard check value
  });
});

describe('base62', () => {
  it('pads to the width and counts in 0-9A-Za-z', () => {
    expect(base62(0, 6)).toBe('000000');
    expect(base62(61, 2)).toBe('0z');
    expect(base62(62, 1)).toBe('10');
    expect(base62(0xffffffff, 6)).toBe('4gfFC3'); // 2^32 - 1 fits in 6 (62^6 > 2^32)
    expect(base62(2n ** 64n, 1).length).toBe(11);
  });
});

describe('key format', () => {
  it('is prefix + 22 random + 6 checksum characters: the plan example checks out', () => {
    expect(EXAMPLE.length).toBe(37);
    expect(checkKey(PREFIX, EXAMPLE)).toEqual({ ok: true });
    expect(formatKey(PREFIX, '0GjutfcRPUZ4kPnoNBXlWH')).toBe(EXAMPLE);
    expect(formatKey('sk_test_', '0GjutfcRPUZ4kPnoNBXlWH')).toBe(
      'sk_test_0GjutfcRPUZ4kPnoNBXlWH2aONk1',
    );
  });

  it('carries at least 128 bits of randomness', () => {
    expect(KEY_RANDOM_LENGTH * Math.log2(62)).toBeGreaterThan(130.9); // 131 bits
    expect(KEY_CHECKSUM_LENGTH).toBe(6);
  });

  it('new keys check out, differ, and use every position of the alphabet', () => {
    const keys = Array.from({ length: 200 }, () => newKey(PREFIX));
    expect(new Set(keys).size).toBe(200);
    for (const key of keys) {
      expect(key).toMatch(/^tdk_test_[0-9A-Za-z]{28}$/);
      expect(checkKey(PREFIX, key)).toEqual({ ok: true });
    }
    const seen = new Set(keys.flatMap((k) => [...k.slice(PREFIX.length, -6)]));
    expect(seen.size).toBeGreaterThan(55);
  });

  it('names what is wrong: prefix, length, alphabet, checksum', () => {
    expect(checkKey(PREFIX, 'sk_test_0GjutfcRPUZ4kPnoNBXlWH4dDELp')).toEqual({
      ok: false,
      reason: 'prefix',
    });
    expect(checkKey(PREFIX, `${EXAMPLE}x`)).toEqual({ ok: false, reason: 'length' });
    expect(checkKey(PREFIX, EXAMPLE.slice(0, -1))).toEqual({ ok: false, reason: 'length' });
    expect(checkKey(PREFIX, `${EXAMPLE.slice(0, -1)}-`)).toEqual({
      ok: false,
      reason: 'alphabet',
    });
    expect(checkKey(PREFIX, `${EXAMPLE.slice(0, -1)}q`)).toEqual({
      ok: false,
      reason: 'checksum',
    });
  });

  it('refuses every one-character typo of 10,000 seeded keys by the checksum', () => {
    const keys = seededKeys(10_000);
    let typos = 0;
    for (const key of keys) {
      expect(checkKey(PREFIX, key).ok).toBe(true);
      for (let at = PREFIX.length; at < key.length; at++) {
        const was = key[at]!;
        const head = key.slice(0, at);
        const tail = key.slice(at + 1);
        for (const c of BASE62) {
          if (c === was) continue;
          const typo = head + c + tail;
          const check = checkKey(PREFIX, typo);
          if (check.ok) throw new Error(`typo ${typo} of ${key} passed the checksum`);
          typos++;
        }
      }
    }
    expect(typos).toBe(10_000 * 28 * 61);
    // 17 million checks: seconds alone, more on a busy machine.
  }, 90_000);

  it('hints name the prefix and the last four characters only', () => {
    expect(keyHint(EXAMPLE, PREFIX)).toBe('tdk_test_…DELp');
  });

  it('hashes to SHA-256 hex, never the key', () => {
    expect(hashKey(EXAMPLE)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(EXAMPLE)).not.toContain(EXAMPLE.slice(PREFIX.length));
    expect(hashKey(EXAMPLE)).toBe(hashKey(EXAMPLE));
  });
});

describe('builtin/tapedeck-key', () => {
  it('finds sandbox keys of any _test_ prefix whose checksum holds', () => {
    const ids = (text: string) => detect(text).map((d) => d.detector.id);
    expect(ids(`key=${EXAMPLE}&x=1`)).toContain('builtin/tapedeck-key');
    expect(ids(`Authorization: token ${seededKeys(1, 'acme_test_')[0]!}`)).toContain(
      'builtin/tapedeck-key',
    );
    // The same shape with a wrong checksum is not a sandbox key.
    expect(ids(`${EXAMPLE.slice(0, -1)}q`)).not.toContain('builtin/tapedeck-key');
  });

  it('is not a live-key shape; live shapes do not take test keys', () => {
    const live = (text: string) =>
      LIVE_KEY_DETECTORS.some((d) => {
        d.pattern.lastIndex = 0;
        return d.pattern.test(text);
      });
    expect(live('sk_live_4eC39HqLyjWDarjtT1zdp7dc')).toBe(true);
    expect(live('rk_live_4eC39HqLyjWDarjtT1zdp7dc')).toBe(true);
    expect(live('ghp_16C7e42F292c6912E7710c838347Ae178B4a')).toBe(true);
    expect(live('sk_test_0GjutfcRPUZ4kPnoNBXlWH2aONk1')).toBe(false);
    expect(live(EXAMPLE)).toBe(false);
  });
});
