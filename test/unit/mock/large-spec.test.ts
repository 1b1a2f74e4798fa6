/**
 * Robustness at scale: a synthetic OpenAPI 3.0 spec with hundreds of interlinked schemas
 * (cycles through properties, arrays and nullable refs; allOf chains; discriminated oneOf;
 * formats, patterns, enums, read/write-only fields) is converted for both directions and every
 * schema generated and validated by an independent ajv. Built in the test, so the suite reads
 * no files outside the repository.
 */
import { describe, expect, it } from 'vitest';
import { harness } from './support.js';

const COUNT = 300;

function syntheticSpec(): object {
  const schemas: Record<string, unknown> = {};
  // References stay within blocks of 20 schemas: cycles everywhere, but chains short enough
  // for ajv, which compiles referenced schemas recursively (a 300-long chain overflows its stack).
  const BLOCK = 20;
  let current = 0;
  const ref = (i: number): { $ref: string } => ({
    $ref: `#/components/schemas/S${current - (current % BLOCK) + (i % BLOCK)}`,
  });
  const formats = [
    'date-time',
    'date',
    'email',
    'uuid',
    'uri',
    'ipv4',
    'int64-string',
    'byte',
    'hostname',
  ];
  for (let i = 0; i < COUNT; i++) {
    current = i;
    const format = formats[i % formats.length]!;
    const properties: Record<string, unknown> = {
      id: { type: 'string', readOnly: true },
      created_at: { type: 'integer', format: 'int64' },
      [`field_${i}`]:
        format === 'int64-string'
          ? { type: 'string', pattern: '^[0-9]{1,18}$' }
          : { type: 'string', format },
      status: { type: 'string', enum: ['active', 'inactive', 'pending'], nullable: i % 2 === 0 },
      amount: { type: 'number', minimum: 0, exclusiveMinimum: i % 3 === 0, multipleOf: 0.01 },
      secret: { type: 'string', writeOnly: true, minLength: 8 },
      code: { type: 'string', pattern: `^[A-Z]{2}-${i}-[a-z0-9]{2,4}$` },
      next: { ...ref(i + 1), nullable: true },
      children: { type: 'array', items: ref(i * 7 + 3), maxItems: 3 },
      self: ref(i),
      meta: {
        type: 'object',
        additionalProperties: { type: 'string', maxLength: 10 },
        'x-extra': { keep: true },
      },
    };
    if (i % 10 === 0) {
      schemas[`S${i}`] = {
        oneOf: [ref(i + 1), ref(i + 2)],
        discriminator: { propertyName: 'kind' },
      };
      continue;
    }
    if (i % 5 === 0) {
      schemas[`S${i}`] = {
        allOf: [
          ref(i + 1),
          { type: 'object', required: ['extra'], properties: { extra: { type: 'boolean' } } },
        ],
      };
      continue;
    }
    schemas[`S${i}`] = {
      type: 'object',
      required: ['id', 'secret', 'created_at', 'kind', 'code'],
      properties: { ...properties, kind: { type: 'string', enum: [`S${i}`] } },
      example: i % 4 === 0 ? { id: 'bad example: missing required fields' } : undefined,
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'synthetic', version: '1' },
    paths: {},
    components: { schemas },
  };
}

// Thousands of schemas converted and generated: seconds alone, much longer on a loaded machine.
// The time budget lives in bench (--only budgets); this limit only keeps a hang from running on.
describe('a large synthetic spec', { timeout: 90_000 }, () => {
  const spec = JSON.parse(JSON.stringify(syntheticSpec())) as object;

  for (const direction of ['response', 'request'] as const) {
    it(`converts and generates every schema validly (${direction})`, () => {
      // How long this takes is measured by the bench (`node bench/run.mjs --only budgets`).
      const h = harness(spec, 'openapi-3.0', direction);
      let invalid = 0;
      let issues = 0;
      const failures: string[] = [];

      for (let i = 0; i < COUNT; i++) {
        for (const seed of [1, 2]) {
          const ref = `#/components/schemas/S${i}`;
          const result = h.generate(ref, seed);

          issues += result.issues.length;
          const errors = h.errors(ref, result.value);
          if (errors !== undefined) {
            invalid++;
            if (failures.length < 3) failures.push(`S${i}: ${errors}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(invalid).toBe(0);
      expect(issues).toBe(0);
    });
  }
});
