import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptance,
  bestAccepted,
  matchSpecificity,
  parseAccept,
  parseMediaType,
} from '../../src/core/http/media-type.js';
import { negotiate } from '../../src/core/mock/openapi/choose.js';
import type { SpecMedia } from '../../src/core/mock/openapi/operations.js';
import { assertProperty } from '../helpers/property.js';

const media = (...types: string[]): SpecMedia[] => types.map((type) => ({ type, examples: [] }));
const chosen = (contents: SpecMedia[], accept: string | undefined) => {
  const out = negotiate(contents, accept);
  return typeof out === 'object' ? out.type : out;
};

describe('negotiate (RFC 9110 §12.5.1)', () => {
  const table: [documented: string[], accept: string | undefined, expected: string | undefined][] =
    [
      // Octokit's default and GitHub's current type: vendor JSON takes a documented JSON.
      [['application/json'], 'application/vnd.github.v3+json', 'application/json'],
      [['application/json'], 'application/vnd.github+json', 'application/json'],
      [['application/json'], 'application/vnd.github.raw+json; charset=utf-8', 'application/json'],
      // …and a documented vendor JSON satisfies a client asking for plain JSON.
      [['application/vnd.github+json'], 'application/json', 'application/vnd.github+json'],
      [['application/scim+json', 'text/html'], 'application/json', 'application/scim+json'],
      [['application/xml'], 'application/atom+xml', 'application/xml'],
      [['application/json'], 'application/atom+xml', 'none'],
      // Two different suffixed types are different formats: only the bare base type bridges.
      [['application/vnd.github+json'], 'application/problem+json', 'none'],
      [
        ['application/vnd.github+json', 'application/problem+json'],
        'application/problem+json',
        'application/problem+json',
      ],
      // …so an unrelated `+json;q=0` does not shadow the `type/*` range that covers the type.
      [
        ['application/vnd.x+json'],
        'application/*;q=1, application/foo+json;q=0',
        'application/vnd.x+json',
      ],
      // A bare base type's weight still outranks `type/*` for a suffixed type.
      [['application/vnd.x+json'], 'application/*, application/json;q=0', 'none'],
      // The exact type beats one matched only through its suffix.
      [
        ['application/json', 'application/vnd.github.v3+json'],
        'application/vnd.github.v3+json',
        'application/vnd.github.v3+json',
      ],
      // Parameters are ignored for matching.
      [['application/json; charset=utf-8'], 'application/json', 'application/json; charset=utf-8'],
      [['application/json'], 'application/json; version=2; q=0.8', 'application/json'],
      // Wildcards, both ways; a wildcard-only tie goes to JSON.
      [['application/xml', 'application/json'], '*/*', 'application/json'],
      [['application/xml', 'application/json'], '*', 'application/json'],
      [['application/xml', 'application/json'], 'application/*', 'application/json'],
      [['text/plain', 'image/png'], 'image/*', 'image/png'],
      [['text/*'], 'text/csv', 'text/*'],
      [['*/*'], 'application/vnd.github+json', '*/*'],
      // q-values: the higher weight wins, q=0 excludes, even under a wildcard.
      [
        ['application/xml', 'application/json'],
        'application/xml, application/json;q=0.9',
        'application/xml',
      ],
      [
        ['application/xml', 'application/json'],
        'application/xml;q=0.5, application/json',
        'application/json',
      ],
      [['application/xml', 'application/json'], '*/*, application/json;q=0', 'application/xml'],
      [['application/json'], '*/*, application/json;q=0', 'none'],
      [['application/json'], 'application/json;q=0', 'none'],
      [['application/json'], 'application/vnd.github+json;q=0', 'none'],
      [['application/json'], 'text/html', 'none'],
      // No Accept, or one with nothing readable in it: JSON first.
      [['text/plain', 'application/json'], undefined, 'application/json'],
      [['text/plain', 'application/json'], '', 'application/json'],
      [['text/plain', 'application/json'], 'nonsense', 'application/json'],
      [[], 'application/json', undefined],
    ];
  it.each(table)('%j with Accept %j → %j', (documented, accept, expected) => {
    expect(chosen(media(...documented), accept)).toBe(expected);
  });
});

describe('media types and ranges', () => {
  it('parses the essence, the suffix and the weights', () => {
    expect(parseMediaType('Application/Vnd.GitHub.v3+JSON; charset=utf-8')).toEqual({
      type: 'application',
      subtype: 'vnd.github.v3+json',
      suffix: 'json',
    });
    expect(parseMediaType('*/json')).toBeUndefined();
    expect(parseMediaType('json')).toBeUndefined();
    expect(parseMediaType('a/b c')).toBeUndefined();
    expect(parseAccept('a/b;q=0.3, broken, c/*;q=0, */*;q=7').map((r) => [r.subtype, r.q])).toEqual(
      [
        ['b', 0.3],
        ['*', 0],
        ['*', 1],
      ],
    );
  });
  it('ranks how specifically a range matches', () => {
    const json = parseMediaType('application/json')!;
    expect(matchSpecificity(parseMediaType('application/json')!, json)).toBe(4);
    expect(matchSpecificity(parseMediaType('application/x+json')!, json)).toBe(3);
    expect(matchSpecificity(parseMediaType('application/*')!, json)).toBe(2);
    expect(matchSpecificity(parseMediaType('*/*')!, json)).toBe(1);
    expect(matchSpecificity(parseMediaType('text/json')!, json)).toBe(0);
    expect(matchSpecificity(parseMediaType('application/x+xml')!, json)).toBe(0);
    const vendor = parseMediaType('application/vnd.github+json')!;
    expect(matchSpecificity(json, vendor)).toBe(3);
    expect(matchSpecificity(parseMediaType('application/problem+json')!, vendor)).toBe(0);
  });
});

const token = fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/);
const mediaType = fc
  .tuple(
    fc.constantFrom('application', 'text', 'image'),
    token,
    fc.option(fc.constantFrom('json', 'xml'), { nil: undefined }),
  )
  .map(([type, sub, suffix]) => `${type}/${sub}${suffix === undefined ? '' : `+${suffix}`}`);
const weight = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000);

describe('negotiation properties', () => {
  it('the chosen type is one the client weighs highest; q=0 on it excludes it', () => {
    assertProperty(
      fc.property(
        fc.uniqueArray(mediaType, { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.oneof(mediaType, fc.constantFrom('*/*', 'application/*')), weight), {
          minLength: 1,
          maxLength: 6,
        }),
        (documented, ranges) => {
          const accept = ranges.map(([t, q]) => `${t};q=${q}`).join(', ');
          const parsed = parseAccept(accept);
          const weights = documented.map((t) => acceptance(parsed, parseMediaType(t)!).q);
          const best = bestAccepted(documented, (t) => t, accept);
          const top = Math.max(...weights);
          if (top <= 0) expect(best).toBeUndefined();
          else expect(weights[documented.indexOf(best!)]).toBe(top);
          // Parameters never change the answer.
          const withParams = ranges.map(([t, q]) => `${t}; charset=utf-8; q=${q}; v=1`).join(',');
          expect(bestAccepted(documented, (t) => `${t}; charset=x`, withParams)).toBe(best);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a suffixed type and its base accept each other, and q=0 on the exact type excludes it', () => {
    assertProperty(
      fc.property(token, fc.constantFrom('json', 'xml'), weight, (vendor, suffix, q) => {
        const base = `application/${suffix}`;
        const suffixed = `application/vnd.${vendor}+${suffix}`;
        const there = acceptance(parseAccept(`${suffixed};q=${q}`), parseMediaType(base)!);
        const back = acceptance(parseAccept(`${base};q=${q}`), parseMediaType(suffixed)!);
        expect(there.q).toBe(q);
        expect(back.q).toBe(q);
        expect(bestAccepted([suffixed], (t) => t, `*/*, ${suffixed};q=0`)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('two different suffixed types neither accept nor shadow each other', () => {
    assertProperty(
      fc.property(
        fc.uniqueArray(token, { minLength: 2, maxLength: 2 }),
        fc.constantFrom('json', 'xml'),
        weight,
        ([a = '', b = ''], suffix, q) => {
          const one = `application/vnd.${a}+${suffix}`;
          const other = `application/vnd.${b}+${suffix}`;
          expect(acceptance(parseAccept(`${one};q=${q}`), parseMediaType(other)!).q).toBe(0);
          // The `type/*` range decides the other type, whatever weight `one` has.
          const ranged = acceptance(
            parseAccept(`application/*;q=0.5, ${one};q=${q}`),
            parseMediaType(other)!,
          );
          expect(ranged).toMatchObject({ q: 0.5, specificity: 2 });
        },
      ),
      { numRuns: 200 },
    );
  });
});
