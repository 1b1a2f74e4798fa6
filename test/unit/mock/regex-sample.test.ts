import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../src/core/mock/generate/random.js';
import { sampleRegex } from '../../../src/core/mock/generate/regex-sample.js';

/** Patterns of the kind real API specs carry (Stripe, GitHub, Kubernetes, payment and ID specs). */
const PATTERNS = [
  '^[a-z]{2,5}$',
  '^\\+?[1-9]\\d{1,14}$',
  '^[A-Z]{3}$',
  '^[a-zA-Z0-9_-]{1,64}$',
  '^\\d{4}-\\d{2}-\\d{2}$',
  '^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$',
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  '^(cus|acct|pm)_[A-Za-z0-9]{14,24}$',
  '^#[0-9A-Fa-f]{6}$',
  '^v\\d+(\\.\\d+){0,2}$',
  '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  '^(GET|POST|PUT|PATCH|DELETE)$',
  '^\\S+$',
  '^[\\w.-]+/[\\w.-]+$',
  '^[A-Z][a-z]+( [A-Z][a-z]+)*$',
  '^[^/]+$',
  '^(\\w+)-\\1$',
  '\\d',
  'abc',
  '^a*b?c+d{2}e{1,}f{0,3}$',
  '^[\\u0041-\\u005A]{2}\\x2D\\d$',
  '^(?:https?://)?[\\w.-]+(?::\\d{2,5})?$',
  '^[^a-z]{3}$',
  '^[.]{2}\\.\\\\$',
  '^(?=.*[A-Z])(?=.*\\d)[A-Za-z\\d]{8,}$',
  '^(?!test_)[a-z_]+$',
  '^\\p{Lu}\\p{Ll}+$',
  '^[a-z]+\\b',
  '^[\\-_a-z]+$',
  '^\\_?[a-z]+$',
];

describe('sampleRegex', () => {
  for (const pattern of PATTERNS) {
    it(`matches /${pattern}/ for 40 seeds`, () => {
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, 'u');
      } catch {
        regex = new RegExp(pattern);
      }
      for (let seed = 0; seed < 40; seed++) {
        const sample = sampleRegex(pattern, seededRng(seed, pattern));
        expect(sample, `seed ${seed}`).toBeDefined();
        expect(regex.test(sample!), `${JSON.stringify(sample)} seed ${seed}`).toBe(true);
      }
    });
  }

  it('honours minLength and maxLength, padding unanchored patterns', () => {
    for (let seed = 0; seed < 30; seed++) {
      const rng = seededRng(seed);
      const a = sampleRegex('^[a-z0-9]+$', rng, { minLength: 20, maxLength: 22 })!;
      expect(a).toMatch(/^[a-z0-9]{20,22}$/);
      const b = sampleRegex('^[a-z]*$', rng, { maxLength: 2 })!;
      expect(b.length).toBeLessThanOrEqual(2);
      const c = sampleRegex('\\d{2}', rng, { minLength: 10 })!;
      expect(c.length).toBeGreaterThanOrEqual(10);
      expect(c).toMatch(/\d{2}/);
    }
  });

  it('hits an exact length for a starred class (found by the property test)', () => {
    for (let seed = 0; seed < 60; seed++) {
      expect(sampleRegex('^[a-f0-9_-]*$', seededRng(seed), { minLength: 4, maxLength: 4 })).toMatch(
        /^[a-f0-9_-]{4}$/,
      );
      expect(
        sampleRegex('^[A-Z][a-z]*$', seededRng(seed), { minLength: 10, maxLength: 10 }),
      ).toMatch(/^[A-Z][a-z]{9}$/);
      expect(
        sampleRegex('^[a-z]+(-[a-z]+)*$', seededRng(seed), { minLength: 30, maxLength: 31 }),
      ).toMatch(/^[a-z-]{30,31}$/);
    }
  });

  it('returns undefined rather than a string that does not match', () => {
    expect(sampleRegex('^a$', seededRng(1), { minLength: 3 })).toBeUndefined();
    expect(sampleRegex('^(?!)$', seededRng(1))).toBeUndefined();
    expect(sampleRegex('([unclosed', seededRng(1))).toBeUndefined();
    expect(sampleRegex('^[a-z]{5}$', seededRng(1), { maxLength: 4 })).toBeUndefined();
  });

  it('is deterministic for a seed and varies across seeds', () => {
    const pattern = '^[A-Z]{2}[0-9]{6}$';
    expect(sampleRegex(pattern, seededRng('s'))).toBe(sampleRegex(pattern, seededRng('s')));
    const seen = new Set<string | undefined>();
    for (let seed = 0; seed < 20; seed++) seen.add(sampleRegex(pattern, seededRng(seed)));
    expect(seen.size).toBeGreaterThan(15);
  });
});
