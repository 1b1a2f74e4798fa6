/**
 * Property-based tests of the generator (fast-check): over random seeds, every schema of the
 * corpus and every randomly built satisfiable schema yields values an independent ajv accepts,
 * with no issue reported, and the same seed always yields the same bytes.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateValue, type GenerateIssue } from '../../../src/core/mock/generate/generate.js';
import { seededRng } from '../../../src/core/mock/generate/random.js';
import { harness, newAjv } from './support.js';
import { assertProperty } from '../../helpers/property.js';

const fixture = (name: string): object =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/schemas/${name}`, import.meta.url), 'utf8'),
  ) as object;

const corpora = [
  harness(fixture('corpus-3.1.json'), 'openapi-3.1', 'response'),
  harness(fixture('corpus-3.0.json'), 'openapi-3.0', 'response'),
  harness(fixture('corpus-3.0.json'), 'openapi-3.0', 'request'),
];
const refs = corpora.flatMap((h, i) =>
  Object.keys((h.converted['components'] as { schemas: object }).schemas).map(
    (name) => [i, `#/components/schemas/${name}`] as const,
  ),
);

describe('generator properties over the corpus', () => {
  it('produces only valid values, for any seed and any corpus schema', () => {
    assertProperty(
      fc.property(
        fc.constantFrom(...refs),
        fc.oneof(fc.integer(), fc.string({ maxLength: 12 })),
        ([index, ref], seed) => {
          const h = corpora[index]!;
          const { value, issues } = h.generate(ref, seed);
          expect(h.errors(ref, value), `${ref} seed ${JSON.stringify(seed)}`).toBeUndefined();
          expect(issues).toEqual([]);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

// ---- random satisfiable schemas -------------------------------------------------------

const stringSchema = fc.oneof(
  fc.record({
    type: fc.constant('string'),
    format: fc.constantFrom(
      'email',
      'uuid',
      'date-time',
      'date',
      'time',
      'uri',
      'ipv4',
      'ipv6',
      'hostname',
      'byte',
    ),
  }),
  fc
    .record({
      min: fc.nat({ max: 6 }),
      extra: fc.nat({ max: 12 }),
      pattern: fc.option(
        fc.constantFrom('^[a-z0-9]+$', '^[A-Z][a-z]*$', '\\d', '^[a-f0-9_-]*$', '^\\w+$'),
        { nil: undefined },
      ),
    })
    .map(({ min, extra, pattern }) => ({
      type: 'string',
      minLength: min,
      maxLength: Math.max(min, 1) + extra,
      ...(pattern !== undefined ? { pattern } : {}),
    })),
);

const integerSchema = fc
  .record({
    min: fc.integer({ min: -5000, max: 5000 }),
    span: fc.nat({ max: 2000 }),
    multipleOf: fc.option(fc.constantFrom(2, 3, 5, 10, 7), { nil: undefined }),
    exclusive: fc.boolean(),
  })
  .map(({ min, span, multipleOf, exclusive }) => {
    const max = min + span + (multipleOf ?? 1) * 3;
    return {
      type: 'integer',
      ...(exclusive
        ? { exclusiveMinimum: min - 1, exclusiveMaximum: max + 1 }
        : { minimum: min, maximum: max }),
      ...(multipleOf !== undefined ? { multipleOf } : {}),
    };
  });

const numberSchema = fc
  .record({
    min: fc.integer({ min: -100000, max: 100000 }),
    span: fc.integer({ min: 1, max: 100000 }),
    multipleOf: fc.option(fc.constantFrom(0.5, 0.25, 0.01, 0.1), { nil: undefined }),
    exclusive: fc.boolean(),
  })
  .map(({ min, span, multipleOf, exclusive }) => {
    const lo = min / 100;
    const hi = (min + span) / 100 + 2;
    return {
      type: 'number',
      ...(exclusive
        ? { exclusiveMinimum: lo, exclusiveMaximum: hi }
        : { minimum: lo, maximum: hi }),
      ...(multipleOf !== undefined ? { multipleOf } : {}),
    };
  });

const enumSchema = fc
  .uniqueArray(
    fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant(null)),
    {
      minLength: 1,
      maxLength: 5,
      selector: (v) => JSON.stringify(v),
    },
  )
  .map((values) => ({ enum: values }));

const scalar = fc.oneof(
  stringSchema,
  integerSchema,
  numberSchema,
  enumSchema,
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => ({ const: value })),
);

const PROPERTY_NAMES = [
  'id',
  'email',
  'name',
  'created_at',
  'amount',
  'count',
  'url',
  'tags',
  'a',
  'b',
  'c',
];

const { node } = fc.letrec<{ node: object }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc
      .dictionary(fc.constantFrom(...PROPERTY_NAMES), tie('node'), { maxKeys: 5 })
      .chain((properties) =>
        fc.record({
          type: fc.constant('object'),
          properties: fc.constant(properties),
          required: fc.subarray(Object.keys(properties)),
          additionalProperties: fc.boolean(),
        }),
      ),
    fc.record({
      type: fc.constant('array'),
      items: tie('node'),
      minItems: fc.nat({ max: 2 }),
    }),
    tie('node').map((inner) => ({ anyOf: [inner, { type: 'null' }] })),
    fc
      .tuple(stringSchema, integerSchema, tie('node'))
      .map(([s, i, n]) => ({ oneOf: [s, i, { type: 'array', items: n }] })),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => ({ anyOf: [x, y] })),
    fc
      .tuple(stringSchema, fc.constantFrom('abc', 'zz'))
      .map(([s, bad]) => ({ ...s, not: { const: bad } })),
  ),
}));

describe('generator properties over random schemas', () => {
  it('generates valid values with no issues, deterministically', () => {
    const ajv = newAjv();
    assertProperty(
      fc.property(node, fc.integer(), (schema, seed) => {
        const validate = ajv.compile(schema);
        const issues: GenerateIssue[] = [];
        const options = {
          rng: seededRng(seed, 'prop'),
          resolve: (): unknown => undefined,
          onIssue: (issue: GenerateIssue) => issues.push(issue),
        };
        const value = generateValue(schema, options);
        expect(
          validate(value),
          `${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`,
        ).toBe(true);
        expect(issues).toEqual([]);
        expect(
          JSON.stringify(generateValue(schema, { ...options, rng: seededRng(seed, 'prop') })),
        ).toBe(JSON.stringify(value));
      }),
      { numRuns: 600 },
    );
  });
});
