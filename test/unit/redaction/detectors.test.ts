import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detect,
  DETECTORS,
  isSecretField,
  looksRandom,
} from '../../../src/core/redaction/detectors.js';
import {
  containsPseudonym,
  inferShape,
  isPseudonym,
  luhnValid,
  pseudonymize,
} from '../../../src/core/redaction/pseudonym.js';
import { encodedForms, SecretRegistry } from '../../../src/core/redaction/registry.js';
import { assertProperty } from '../../helpers/property.js';
import { testHash } from '../../helpers/redaction.js';

/** At least one value each detector must find, embedded in ordinary text. */
const POSITIVE: Record<string, string[]> = {
  'builtin/private-key': [
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA',
  ],
  'builtin/jwt': ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc123def456'],
  'builtin/aws-access-key': ['AKIAIOSFODNN7EXAMPLE', 'ASIAY34FZKBOKMUTVV7A'],
  'builtin/gcp-api-key': ['AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
  'builtin/github-token': [
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
  ],
  'builtin/gitlab-token': ['glpat-xxxxxxxxxxxxxxxxxxxx'],
  'builtin/slack-token': ['xoxb-2222222222-1111111111111-abcdefghijklmnop'],
  'builtin/payment-key': ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'rk_test_51Habcdefghijklmn'],
  'builtin/tapedeck-key': [
    'tdk_test_0GjutfcRPUZ4kPnoNBXlWH4dDELp',
    'sk_test_0GjutfcRPUZ4kPnoNBXlWH2aONk1',
  ],
  'builtin/webhook-secret': ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  'builtin/bearer': ['Authorization: Bearer abcdef123456', 'bearer QWxhZGRpbjpvcGVu'],
  'builtin/basic': ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='],
  'builtin/email': ['contact jane.doe+tag@corp.io now', 'X@MAIL.CO.UK'],
  'builtin/card-number': ['4012 8888 8888 1881', '5105-1051-0510-5100', '378734493671000'],
  'builtin/phone': ['+44 20 7946 0958', '+1 (415) 555-2671', '+4915112345678'],
};

const NEGATIVE = [
  '550e8400-e29b-41d4-a716-446655440000',
  '2026-01-02T03:04:05.123Z',
  '1700000000000',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  'ORD-2024-000123',
  'help@example.com',
  'noreply@service.test',
  'pk_live_51Habcdefghijklmnop',
  'application/json; charset=utf-8',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
  'W/"5f3c-1a2b"',
  '4242 4242 4242 4242',
  '1234567812345678',
  'version 1.2.3+build.4',
];

describe('built-in detectors', () => {
  it('have a positive example each (the prefilter must let every one through)', () => {
    expect(Object.keys(POSITIVE).sort()).toEqual(DETECTORS.map((d) => d.id).sort());
  });

  for (const [id, examples] of Object.entries(POSITIVE)) {
    it.each(examples)(`${id} finds %j`, (example) => {
      expect(detect(`before ${example} after`).map((d) => d.detector.id)).toContain(id);
    });
  }

  it.each(NEGATIVE)('find nothing in %j', (value) => {
    expect(detect(value)).toEqual([]);
  });

  it('never flag tapedeck pseudonyms', () => {
    for (const [, examples] of Object.entries(POSITIVE)) {
      for (const example of examples) {
        for (const d of detect(example)) {
          const pseudo = pseudonymize(d.secret, testHash, d.detector.shape);
          expect(isPseudonym(pseudo), pseudo).toBe(true);
          expect(
            detect(example.replace(d.secret, pseudo)).filter(
              (x) => x.detector.id === d.detector.id,
            ),
          ).toEqual([]);
        }
      }
    }
  });

  it('find an email right after another (a URL-encoded list), each one whole', () => {
    for (const glue of ['%2C', '-', '+', ',']) {
      const found = detect(`cc=alice@corp.com${glue}bob@corp.com`)
        .filter((d) => d.detector.id === 'builtin/email')
        .map((d) => d.secret);
      expect(found, glue).toHaveLength(2);
      expect(found[0]).toBe('alice@corp.com');
      expect(found[1]!.endsWith('bob@corp.com')).toBe(true);
    }
  });

  it('scan hostile runs from each @ (a bounded amount of work each), without RangeError', () => {
    // Quadratic, or 64 tries from every character, these would take seconds to minutes.
    const run = 'a'.repeat(4 * 1024 * 1024);
    expect(detect(`${run}@`)).toEqual([]);
    const found = detect(`${run}@corp.com`).map((d) => d.secret);
    expect(found).toEqual([`${'a'.repeat(64)}@corp.com`]);
    // A domain run of 8 MB: the old pattern threw RangeError here; a domain is at most 253.
    expect(detect(`a@${'b.'.repeat(4 * 1024 * 1024)}`)).toEqual([]);
    const domains = detect(`a@${'ab.'.repeat(3 * 1024 * 1024)}`).map((d) => d.secret);
    expect(domains).toHaveLength(1);
    expect(domains[0]!.length).toBeLessThanOrEqual(2 + 253);
  });

  it('find from each @ exactly what the email pattern finds (seeded, short domains)', () => {
    const email = DETECTORS.find((d) => d.id === 'builtin/email')!;
    const alphabet = fc.constantFrom('a', 'B', '7', '.', '-', '_', '%', '+', '@', ' ', ',', 'x');
    assertProperty(
      fc.property(fc.array(alphabet, { maxLength: 120 }), (chars) => {
        const text = chars.join('');
        const byPattern = Array.from(text.matchAll(email.pattern), (m) => m[0]);
        expect([...email.find!(text)]).toEqual(byPattern);
      }),
      { numRuns: 2000 },
    );
  });

  it('search binary only with fixed-prefix detectors', () => {
    expect(
      detect('x jane@corp.io AKIAIOSFODNN7EXAMPLE', new Set(), undefined, true).map(
        (d) => d.detector.id,
      ),
    ).toEqual(['builtin/aws-access-key']);
  });

  it('do not take order or tracking numbers for cards', () => {
    expect(detect('4012888888881881', new Set(), 'order_number')).toEqual([]);
    expect(detect('4012888888881881', new Set(), 'card')).toHaveLength(1);
  });

  it('can be turned off one by one', () => {
    expect(detect('+44 20 7946 0958', new Set(['builtin/phone']))).toEqual([]);
  });
});

describe('secret fields', () => {
  it.each([
    ['password', 'x', true],
    ['Client-Secret', 'abc', true],
    ['API_KEY', 'k', true],
    ['access_token', 'abc', true],
    ['token_type', 'Bearer', false],
    ['signing_key', 'q8Zr2LxW9mKp4Tn7Vb3C', true],
    ['signing_key', 'primary', false],
    ['description', 'q8Zr2LxW9mKp4Tn7Vb3C', false],
    ['password', 'tdp_abcdefghijklmnopqrstuvwx', false],
  ])('%s = %j is secret: %s', (name, value, expected) => {
    expect(isSecretField(name, value)).toBe(expected);
  });

  it('looksRandom wants length, letters, digits and entropy', () => {
    expect(looksRandom('q8Zr2LxW9mKp4Tn7Vb3C')).toBe(true);
    expect(looksRandom('aaaaaaaaaaaaaaaa1111')).toBe(false);
    expect(looksRandom('short1')).toBe(false);
  });
});

describe('pseudonyms', () => {
  it.each([
    ['jane@corp.io', 'email', /^td-[0-9a-f]{10}@example\.com$/],
    [
      '550E8400-E29B-41D4-A716-446655440000',
      'uuid',
      /^[0-9A-F]{8}-[0-9A-F]{4}-8[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
    ],
    ['4012 8888 8888 1881', 'card', /^4000 00\d{2} \d{4} \d{4}$/],
    ['+44 20 7946 0958', 'phone', /^\+1555\d{7}$/],
    ['opaque-session-value', 'token', /^tdp_[a-z2-7]{24}$/],
  ])('keep the shape of %j (%s)', (value, shape, pattern) => {
    expect(inferShape(value)).toBe(shape);
    const pseudo = pseudonymize(value, testHash);
    expect(pseudo).toMatch(pattern);
    expect(isPseudonym(pseudo)).toBe(true);
  });

  it('are found inside text whatever their grouping, for matching', () => {
    const grouped = pseudonymize('4012 8888 8888 1881', testHash);
    expect(containsPseudonym(`card ${grouped} on file`)).toBe(true);
    expect(containsPseudonym('card 4012 8888 8888 1881 on file')).toBe(false);
  });

  it('make card pseudonyms Luhn-valid', () => {
    expect(luhnValid(pseudonymize('4012888888881881', testHash).replace(/\D/g, ''))).toBe(true);
  });

  it('are deterministic per key', () => {
    expect(pseudonymize('abc123xyz', testHash)).toBe(pseudonymize('abc123xyz', testHash));
    expect(pseudonymize('abc123xyz', testHash)).not.toBe(pseudonymize('abc123xyz0', testHash));
  });
});

describe('SecretRegistry', () => {
  it('replaces every tracked encoding with the same encoding of the replacement', () => {
    const registry = new SecretRegistry();
    registry.remember('s3cr3t/value+1', 'tdp_aaaaaaaaaaaaaaaaaaaaaaaa');
    for (const [form, replaced] of encodedForms('s3cr3t/value+1', 'tdp_aaaaaaaaaaaaaaaaaaaaaaaa')) {
      expect(registry.replaceIn(`<${form}>`)).toBe(`<${replaced}>`);
      expect(registry.foundIn(`x${form}x`)).toBe(true);
    }
  });

  it('keeps the first replacement chosen for a secret', () => {
    const registry = new SecretRegistry();
    expect(registry.remember('abcdefgh', 'one')).toBe('one');
    expect(registry.remember('abcdefgh', 'two')).toBe('one');
  });
});

describe('SecretRegistry matching', () => {
  it('replaces the longest secret starting at a position, and a secret that contains another whole', () => {
    const registry = new SecretRegistry();
    registry.remember('abcdef', 'SHORT');
    registry.remember('abcdefghij', 'LONG');
    expect(registry.replaceIn('x abcdefghij y abcdefz')).toBe('x LONG y SHORTz');
  });

  it('finds secrets sharing their first characters among thousands of others', () => {
    const registry = new SecretRegistry();
    for (let i = 0; i < 3000; i++) registry.remember(`at_${i}_token_value`, `P${i}`);
    expect(registry.replaceIn('use at_2999_token_value then at_7_token_value.')).toBe(
      'use P2999 then P7.',
    );
    expect(registry.foundIn('nothing like at_x_token_value here')).toBe(false);
  });
});
