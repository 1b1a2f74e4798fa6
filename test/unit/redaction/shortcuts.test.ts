// The shortcuts that make redaction and the scanner cheap must answer exactly as the long way:
// a detector's hint, the registry's prefix filter, and the last-step test before a JSONPath
// match are each only allowed to skip work that could not have found anything.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesJsonPath, parseJsonPath } from '../../../src/core/jsonpath.js';
import { DETECTORS, MAYBE_SECRET } from '../../../src/core/redaction/detectors.js';
import { encodedForms, SecretRegistry } from '../../../src/core/redaction/registry.js';
import { jsonRuleMatches, type CompiledRule } from '../../../src/core/redaction/rules.js';
import { assertProperty } from '../../helpers/property.js';

/** Characters every detector's pattern is made of, so random text often comes close. */
const pieces = fc.constantFrom(
  ...'aA0-_.+/=@ :\n'.split(''),
  'eyJ',
  'AKIA',
  'AIza',
  'ghp_',
  'github_pat_',
  'glpat-',
  'xoxb-',
  'sk_live_',
  'rk_test_',
  'whsec_',
  'Bearer ',
  'bAsIc ',
  '-----BEGIN ',
  'PRIVATE KEY-----',
  'RSA ',
  'jane@corp.io',
  '+44',
  '4012',
  '8888',
  '1234567890',
  'XYZ0123456789ABCDEFGH',
  'abcdefghij0123456789abcdefghij0123456789',
);
const text = fc.array(pieces, { maxLength: 30 }).map((p) => p.join(''));

describe('detector hints', () => {
  it('are necessary: a detector whose hint is absent could not have matched', () => {
    assertProperty(
      fc.property(text, (t) => {
        for (const detector of DETECTORS) {
          detector.pattern.lastIndex = 0;
          const matches = [...t.matchAll(detector.pattern)].length > 0;
          if (matches) {
            expect(detector.hint.test(t), `${detector.id} on ${JSON.stringify(t)}`).toBe(true);
            // MAYBE_SECRET, the prefilter before all of them, is their union.
            expect(MAYBE_SECRET.test(t)).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('have no global flag (test() must not keep a lastIndex between calls)', () => {
    for (const detector of DETECTORS) expect(detector.hint.global).toBe(false);
  });
});

describe('SecretRegistry prefix filter', () => {
  const secret = fc
    .array(fc.constantFrom(...'aZ09+/=_-.@é €'.split(''), 'tok', 'xy'), {
      minLength: 2,
      maxLength: 8,
    })
    .map((p) => p.join(''));

  it('finds and replaces exactly what a plain search of every form finds', () => {
    assertProperty(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 5 }),
        fc.array(fc.oneof(secret, fc.string({ maxLength: 6 })), { maxLength: 12 }),
        (secrets, parts) => {
          const registry = new SecretRegistry();
          const forms: string[] = [];
          secrets.forEach((s, i) => {
            if (registry.replacementOf(s) !== undefined) return;
            registry.remember(s, `[R${i}]`);
            if (s.length >= 6)
              for (const [form] of encodedForms(s, `[R${i}]`))
                if (form.length >= 6) forms.push(form);
          });
          // Texts that hold the secrets in their encodings, among other noise.
          const t = parts
            .map((p, i) => (i % 3 === 0 ? (encodedForms(p, 'x')[i % 9]?.[0] ?? p) : p))
            .join('');
          expect(registry.foundIn(t)).toBe(forms.some((f) => t.includes(f)));
          const replaced = registry.replaceIn(t);
          expect(replaced !== t).toBe(forms.some((f) => t.includes(f)));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('jsonRuleMatches', () => {
  const paths = [
    '$..iban',
    '$..card.number',
    '$.a.b',
    '$.a[0]',
    '$..a[1]',
    '$.a.*',
    '$..*',
    '$..',
    '$.x..y',
    '$[2]',
    '$.a[*].b',
  ].flatMap((p) => {
    try {
      return [parseJsonPath(p)];
    } catch {
      return [];
    }
  });
  const location = fc.array(
    fc.oneof(fc.constantFrom('a', 'b', 'x', 'y', 'iban', 'card', 'number'), fc.nat(3)),
    {
      maxLength: 6,
    },
  );

  it('answers as matchesJsonPath for every path and location', () => {
    expect(paths.length).toBeGreaterThan(6);
    assertProperty(
      fc.property(fc.constantFrom(...paths), location, (path, at) => {
        const rule = { path } as unknown as CompiledRule;
        expect(jsonRuleMatches(rule, at)).toBe(matchesJsonPath(path, at));
      }),
      { numRuns: 5000 },
    );
  });
});
