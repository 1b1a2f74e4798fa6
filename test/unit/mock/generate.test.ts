import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateValue } from '../../../src/core/mock/generate/generate.js';
import { seededRng } from '../../../src/core/mock/generate/random.js';
import { harness, specOf } from './support.js';

const fixture = (name: string): object =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/schemas/${name}`, import.meta.url), 'utf8'),
  ) as object;

const corpus31 = harness(fixture('corpus-3.1.json'), 'openapi-3.1', 'response');
const corpus30 = harness(fixture('corpus-3.0.json'), 'openapi-3.0', 'response');
const corpus30Request = harness(fixture('corpus-3.0.json'), 'openapi-3.0', 'request');

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => value as Obj;

function schemaNames(h: ReturnType<typeof harness>): string[] {
  return Object.keys((h.converted['components'] as { schemas: Obj }).schemas);
}

describe('generateValue: every corpus schema, validated by an independent ajv', () => {
  for (const [label, h] of [
    ['3.1', corpus31],
    ['3.0 response', corpus30],
    ['3.0 request', corpus30Request],
  ] as const) {
    for (const name of schemaNames(h)) {
      it(`${label} ${name}: 25 seeds, all valid, no issues`, () => {
        const ref = `#/components/schemas/${name}`;
        for (let seed = 0; seed < 25; seed++) {
          const { value, issues } = h.generate(ref, seed);
          expect(h.errors(ref, value), `${name} seed ${seed}: ${JSON.stringify(value)}`).toBe(
            undefined,
          );
          expect(issues).toEqual([]);
        }
      });
    }
  }
});

describe('generateValue: hand-written expectations', () => {
  const gen = (name: string, seed = 3): unknown =>
    corpus31.generate(`#/components/schemas/${name}`, seed).value;

  it('keeps numbers inside inclusive and exclusive bounds and on multiples', () => {
    for (let seed = 0; seed < 20; seed++) {
      const n = obj(gen('Numbers', seed));
      expect(n['a']).toBeGreaterThanOrEqual(10);
      expect(n['a']).toBeLessThanOrEqual(12);
      expect(n['b']).toBe(1);
      expect(n['c']).toBeGreaterThan(0.5);
      expect(n['c']).toBeLessThan(0.6);
      expect(Number.isInteger((n['e'] as number) / 7)).toBe(true);
      expect(n['f']).toBeLessThanOrEqual(-1000000);
      expect(n['i']).toBeGreaterThanOrEqual(2147483600);
      expect(n['i']).toBeLessThanOrEqual(2147483647);
    }
  });

  it('fits strings to lengths and patterns, even when the name suggests something longer', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = obj(gen('Strings', seed));
      expect((s['short'] as string).length).toBeLessThanOrEqual(2);
      expect((s['long'] as string).length).toBeGreaterThanOrEqual(40);
      expect(s['exact']).toHaveLength(5);
      expect(s['pat']).toMatch(/^[A-Z]{2}-\d{3,5}(-[a-z]+)?$/);
      expect((s['patLen'] as string).length).toBeGreaterThanOrEqual(12);
      expect((s['patLen'] as string).length).toBeLessThanOrEqual(14);
      expect((s['name'] as string).length).toBeLessThanOrEqual(3);
      expect(s['email']).toMatch(/@example\.com$/);
    }
  });

  it('builds arrays with unique items, tuples, exact sizes and a contained value', () => {
    const a = obj(gen('Arrays'));
    const unique = a['unique'] as number[];
    expect(unique.length).toBeGreaterThanOrEqual(4);
    expect(new Set(unique).size).toBe(unique.length);
    const tuple = a['tuple'] as unknown[];
    expect(typeof tuple[0]).toBe('string');
    expect(Number.isInteger(tuple[1])).toBe(true);
    expect(a['bounded']).toHaveLength(3);
    expect(a['contains']).toContain(42);
    expect(a['closedTuple']).toEqual(['x']);
  });

  it('fills maps through additionalProperties, patternProperties and propertyNames', () => {
    const m = obj(gen('Maps'));
    expect(Object.keys(obj(m['dict'])).length).toBeGreaterThan(0);
    for (const key of Object.keys(obj(m['patterned']))) expect(key).toMatch(/^x-[a-z]+$/);
    const named = Object.keys(obj(m['named']));
    expect(named.length).toBeGreaterThanOrEqual(2);
    for (const key of named) expect(key).toMatch(/^[a-z]{3}$/);
    expect(Object.keys(obj(m['min']))).toHaveLength(3);
  });

  it('leaves out an optional property whose dependentRequired partner is not allowed', () => {
    for (let seed = 0; seed < 10; seed++) {
      const c = obj(gen('Closed', seed));
      expect(Object.keys(c)).toEqual(['a']);
    }
  });

  it('matches exactly one oneOf branch, also when branches overlap', () => {
    const kinds = new Set<unknown>();
    for (let seed = 0; seed < 30; seed++) {
      const shape = obj(gen('OneOf', seed));
      kinds.add(shape['kind']);
      expect(shape['kind'] === 'circle' ? 'radius' in shape : 'side' in shape).toBe(true);
      const overlap = gen('OneOfOverlap', seed) as number;
      expect(Number.isInteger(overlap)).toBe(false);
      expect(Number.isInteger(overlap * 2)).toBe(true);
    }
    expect(kinds).toEqual(new Set(['circle', 'square']));
  });

  it('merges allOf, with the base schema behind a $ref', () => {
    const v = obj(gen('AllOf'));
    expect(typeof v['id']).toBe('string');
    expect((v['id'] as string).length).toBeLessThanOrEqual(20);
    expect(v['createdAt']).toMatch(/^2026-|^2025-/);
    expect(v['extra']).toBeLessThanOrEqual(3);
  });

  it('honours not, by type and by value', () => {
    for (let seed = 0; seed < 10; seed++) {
      expect(Number.isInteger(gen('Not', seed))).toBe(true);
      expect(['b', 'c']).toContain(gen('NotEnum', seed));
      expect(gen('NotDeep', seed)).toBe(3);
    }
  });

  it('takes the then or the else side of a conditional consistently', () => {
    const countries = new Set<unknown>();
    for (let seed = 0; seed < 30; seed++) {
      const v = obj(gen('IfThenElse', seed));
      countries.add(v['country']);
      expect(v['postal']).toMatch(v['country'] === 'US' ? /^[0-9]{5}$/ : /^[0-9]{4} [A-Z]{2}$/);
    }
    expect(countries).toEqual(new Set(['US', 'NL']));
  });

  it('cuts recursion: optional recursive properties go, required ones end in null or []', () => {
    const tree = obj(gen('Tree'));
    expect(tree).not.toHaveProperty('parent');
    expect(tree['children'] ?? []).toEqual([]);
    let node = obj(gen('LinkedList'));
    let length = 1;
    while (node['next'] !== null) {
      node = obj(node['next']);
      length++;
    }
    expect(length).toBeLessThanOrEqual(8);
    expect(gen('RequiredRecursionArray')).toEqual({ items: [] });
  });

  it('prefers valid examples and defaults to generated values', () => {
    expect(gen('WithExamples')).toBe('ok');
    expect(gen('WithDefault')).toBe(7);
    expect(gen('ObjectExample')).toEqual({ id: 12345 });
    expect(corpus30.generate('#/components/schemas/Example').value).toBe('hello');
  });

  it('uses field names for realistic values', () => {
    const v = obj(gen('Realistic'));
    expect(v['email']).toMatch(/^[a-z]+\.[a-z]+\d*@example\.com$/);
    expect(v['phone']).toMatch(/^\+1-555-01\d\d$/);
    expect(v['created_at']).toBeGreaterThan(Date.UTC(2025, 0, 1) / 1000);
    expect(v['created_at']).toBeLessThan(Date.UTC(2027, 0, 1) / 1000);
    expect(v['updated']).toMatch(/^202[56]-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(v['currency']).toMatch(/^[A-Z]{3}$/);
    expect(v['country']).toMatch(/^[A-Z]{2}$/);
    expect(v['website']).toMatch(/^https:\/\/example\.com\//);
    expect(v['id']).toMatch(/^realistic_[a-z0-9]+$/);
    expect(v['uuid']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Number.isInteger(v['count'])).toBe(true);
    expect(typeof v['description']).toBe('string');
  });

  it('treats 3.0 nullable, exclusive flags, readOnly and writeOnly per direction', () => {
    const seen = new Set<unknown>();
    for (let seed = 0; seed < 20; seed++) {
      seen.add(corpus30.generate('#/components/schemas/ExclusiveBool', seed).value);
      expect(corpus30.generate('#/components/schemas/ExclusiveFalse', seed).value).toBe(1.5);
    }
    expect([...seen].sort()).toEqual([1, 2]);
    const response = obj(corpus30.generate('#/components/schemas/Pet').value);
    expect(response).not.toHaveProperty('password');
    expect(response).toHaveProperty('id');
    const request = obj(corpus30Request.generate('#/components/schemas/Pet').value);
    expect(request).toHaveProperty('password');
    expect(request).not.toHaveProperty('id');
    expect(request).not.toHaveProperty('self');
  });

  it('generates for Swagger 2.0 definitions after conversion', () => {
    const h = harness(
      {
        swagger: '2.0',
        info: { title: 't', version: '1' },
        paths: {},
        definitions: {
          Upload: {
            type: 'object',
            required: ['file', 'size', 'note'],
            properties: {
              file: { type: 'file' },
              size: { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 1 },
              note: { type: 'string', 'x-nullable': true, maxLength: 5 },
              owner: { $ref: '#/definitions/Owner' },
            },
          },
          Owner: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
        },
      },
      'swagger-2.0',
    );
    for (let seed = 0; seed < 10; seed++) {
      const { value, issues } = h.generate('#/definitions/Upload', seed);
      expect(h.errors('#/definitions/Upload', value)).toBeUndefined();
      expect(issues).toEqual([]);
      expect(obj(value)['size']).toBe(1);
      expect(typeof obj(value)['file']).toBe('string');
    }
  });

  it('sets the discriminator property to the chosen mapping key', () => {
    const types = new Set<unknown>();
    for (let seed = 0; seed < 20; seed++) {
      const v = obj(corpus30.generate('#/components/schemas/Discriminated', seed).value);
      types.add(v['petType']);
      expect(v['petType'] === 'cat' ? 'lives' in v : 'bark' in v).toBe(true);
    }
    expect(types).toEqual(new Set(['cat', 'dog']));
  });

  it('names the subtype in an inherited discriminator (the allOf pattern)', () => {
    expect(obj(corpus30.generate('#/components/schemas/Bird').value)['animalType']).toBe('bird');
    expect(obj(corpus30.generate('#/components/schemas/Fish').value)['animalType']).toBe('Fish');
    expect(typeof obj(corpus30.generate('#/components/schemas/Animal').value)['animalType']).toBe(
      'string',
    );
  });

  it('reads unknown formats as hints: unix-time integers are timestamps', () => {
    const v = obj(corpus30.generate('#/components/schemas/UnknownFormats').value);
    expect(v['a']).toBeGreaterThan(Date.UTC(2025, 0, 1) / 1000);
    expect(v['b']).toMatch(/^\d+\.\d\d$/);
  });

  it('ignores a pattern that is not a regular expression at all', () => {
    const issues: unknown[] = [];
    const value = generateValue(
      { type: 'string', pattern: '(?i)^abc$', maxLength: 8 },
      { rng: seededRng(1), resolve: () => undefined, onIssue: (i) => issues.push(i) },
    );
    expect(typeof value).toBe('string');
    expect((value as string).length).toBeLessThanOrEqual(8);
    expect(issues).toEqual([]);
  });

  it('reports contradictions through onIssue instead of failing silently', () => {
    const h = harness(
      specOf({
        Impossible: { type: 'integer', minimum: 5, maximum: 4 },
        BadPattern: { type: 'string', pattern: '^a$', minLength: 3 },
        Endless: {
          type: 'object',
          required: ['me'],
          properties: { me: { $ref: '#/components/schemas/Endless' } },
        },
        Nothing: false,
      }),
    );
    for (const name of ['Impossible', 'BadPattern', 'Endless', 'Nothing']) {
      const { value, issues } = h.generate(`#/components/schemas/${name}`);
      expect(h.errors(`#/components/schemas/${name}`, value)).toBeDefined();
      expect(issues.length).toBeGreaterThan(0);
    }
  });
});

describe('generateValue: determinism', () => {
  it('gives byte-identical output for the same seed and label', () => {
    for (const name of schemaNames(corpus31)) {
      const ref = `#/components/schemas/${name}`;
      expect(JSON.stringify(corpus31.generate(ref, 'seed-a').value)).toBe(
        JSON.stringify(corpus31.generate(ref, 'seed-a').value),
      );
    }
  });

  it('varies with the seed', () => {
    const ref = '#/components/schemas/Realistic';
    const outputs = new Set<string>();
    for (let seed = 0; seed < 10; seed++)
      outputs.add(JSON.stringify(corpus31.generate(ref, seed).value));
    expect(outputs.size).toBe(10);
  });

  it('keeps a property value independent of its siblings and their order', () => {
    const resolve = (): unknown => undefined;
    const props = {
      email: { type: 'string', format: 'email' },
      count: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' } },
    };
    const a = obj(
      generateValue({ type: 'object', properties: props }, { rng: seededRng(9, 'x'), resolve }),
    );
    const b = obj(
      generateValue(
        {
          type: 'object',
          properties: {
            zzz: { type: 'string' },
            tags: props.tags,
            count: props.count,
            email: props.email,
          },
        },
        { rng: seededRng(9, 'x'), resolve },
      ),
    );
    expect(b['email']).toEqual(a['email']);
    expect(b['count']).toEqual(a['count']);
    expect(b['tags']).toEqual(a['tags']);
  });

  // Its time (well under a millisecond) is measured by the bench: `node bench/run.mjs --only budgets`.
  it('generates a typical 30-field response with every required field, the same for a seed', () => {
    const properties: Record<string, unknown> = {};
    const names = [
      'id',
      'email',
      'first_name',
      'last_name',
      'phone',
      'created_at',
      'updated_at',
      'currency',
      'country',
      'city',
      'amount',
      'status',
      'description',
      'url',
      'uuid',
    ];
    for (const n of names) properties[n] = { type: n === 'amount' ? 'integer' : 'string' };
    for (let i = 0; i < 10; i++)
      properties[`field_${i}`] = { type: i % 2 === 0 ? 'number' : 'boolean' };
    properties['items'] = {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
      },
    };
    const schema = { type: 'object', properties, required: names };
    const resolve = (): unknown => undefined;
    for (let i = 0; i < 20; i++) {
      const value = generateValue(schema, { rng: seededRng(i, 'typical'), resolve }) as Record<
        string,
        unknown
      >;
      for (const name of names) expect(value, name).toHaveProperty(name);
      expect(generateValue(schema, { rng: seededRng(i, 'typical'), resolve })).toEqual(value);
    }
  });
});

describe('unbounded integers read like counts', () => {
  it('stays small and positive when the schema gives no bounds, with or without a format', () => {
    for (const format of [undefined, 'int32', 'int64']) {
      for (let seed = 0; seed < 50; seed++) {
        const value = generateValue(
          { type: 'integer', ...(format ? { format } : {}) },
          { rng: seededRng(seed, 'count'), resolve: () => undefined, name: 'times_redeemed' },
        );
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1000);
      }
    }
  });
});

describe('generateValue: names from context', () => {
  const components: Record<string, unknown> = {
    address: {
      type: 'object',
      required: ['city', 'state', 'line1'],
      properties: {
        city: { type: 'string' },
        line1: { type: 'string' },
        state: { type: 'string' },
      },
    },
    customer: {
      type: 'object',
      required: ['id', 'status'],
      properties: { id: { type: 'string' }, status: { type: 'string' } },
    },
    invoice: {
      type: 'object',
      required: ['customer', 'address'],
      properties: {
        customer: { anyOf: [{ type: 'string', maxLength: 5000 }, { $ref: '#/c/customer' }] },
        address: { $ref: '#/c/address' },
      },
    },
  };
  const resolve = (ref: string): unknown => components[ref.slice(ref.lastIndexOf('/') + 1)];

  it("gives an address's state a region, an object's status a status word, and a link the linked object's id prefix", () => {
    const kinds = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const value = generateValue(
        { $ref: '#/c/invoice' },
        { rng: seededRng(seed, 'ctx'), resolve },
      ) as {
        customer: string | { id: string; status: string };
        address: { state: string };
      };
      expect(value.address.state).toMatch(/^[A-Z]{2}$/);
      kinds.add(typeof value.customer);
      if (typeof value.customer === 'string')
        expect(value.customer).toMatch(/^customer_[a-z0-9]{14}$/);
      else {
        expect(value.customer.id).toMatch(/^customer_[a-z0-9]{14}$/);
        expect(value.customer.status).toMatch(/^(active|pending|completed|archived)$/);
      }
    }
    expect([...kinds].sort()).toEqual(['object', 'string']);
  });
});

describe('generateValue: schemas with no finite value', () => {
  it('stops a required recursion that branches (each node needs three more) quickly, with an issue', () => {
    const node = {
      type: 'object',
      required: ['child', 'kids'],
      properties: {
        child: { $ref: '#/Node' },
        kids: { type: 'array', minItems: 2, items: { $ref: '#/Node' } },
      },
    };
    const issues: string[] = [];
    // That it stops quickly is measured by the bench (`--only budgets`); here, that it stops.
    const value = generateValue(
      { $ref: '#/Node' },
      { rng: seededRng(1, 'deep'), resolve: () => node, onIssue: (i) => issues.push(i.message) },
    );
    expect(typeof value).toBe('object');
    expect(issues.some((m) => /grows past|does not end/.test(m))).toBe(true);
  });

  it('still honours a large but finite minItems', () => {
    const value = generateValue(
      { type: 'array', minItems: 50_000, items: { type: 'integer' } },
      { rng: seededRng(1, 'wide'), resolve: () => undefined },
    );
    expect((value as unknown[]).length).toBeGreaterThanOrEqual(50_000);
  });
});
