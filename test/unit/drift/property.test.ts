import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedResponse } from '../../../src/core/cassette/model.js';
import { compareResponses, DEFAULT_DRIFT_HEADERS } from '../../../src/core/drift/compare.js';
import type { JsonValue } from '../../../src/core/json.js';
import { assertProperty } from '../../helpers/property.js';

const OPTIONS = { ignore: [], volatile: new Set<string>(), headers: DEFAULT_DRIFT_HEADERS };
const res = (json: JsonValue): RecordedResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: { encoding: 'json', json },
});

// Keys that carry no built-in noise or enum meaning, so a planted change is never classed away.
const key = fc
  .stringMatching(/^[a-z]{1,6}$/)
  .filter(
    (k) =>
      !/^(id|ts|date|time|now|key|name|code|sku|slug|uuid|guid|type|kind|mode|role|tier|state|status|level|phase|stage|nonce|cursor|result|outcome|handle|expires?|expiry|issued|created|updated|modified|deleted|category|generated|timestamp|datetime)$/.test(
        k,
      ),
  );
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const doc = fc.dictionary(key, json, { minKeys: 1, maxKeys: 5 });

describe('compareResponses (properties)', () => {
  it('a response compared with itself has no findings', () => {
    assertProperty(
      fc.property(json, (value) => {
        expect(compareResponses(res(value), res(structuredClone(value)), OPTIONS)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('one planted change in a copy is found at its place', () => {
    assertProperty(
      fc.property(
        doc,
        fc.nat(),
        fc.constantFrom('remove', 'add', 'retype', 'revalue'),
        (value, pick, how) => {
          const keys = Object.keys(value).sort();
          const target = keys[pick % keys.length]!;
          const copy: Record<string, JsonValue> = structuredClone(value);
          let kind: string;
          let path = `/${target}`;
          switch (how) {
            case 'remove':
              delete copy[target];
              kind = 'field-removed';
              break;
            case 'add':
              path = '/planted';
              copy.planted = 1;
              kind = 'field-added';
              break;
            case 'retype': {
              const old = value[target];
              copy[target] = typeof old === 'number' ? 'planted' : 42;
              kind = 'type-changed';
              break;
            }
            case 'revalue': {
              const old = value[target];
              copy[target] =
                typeof old === 'string' ? `${old}!` : typeof old === 'number' ? old + 1 : 'planted';
              kind =
                typeof old === 'string' || typeof old === 'number'
                  ? 'value-changed'
                  : 'type-changed';
            }
          }
          const findings = compareResponses(res(value), res(copy), OPTIONS);
          expect(findings.map((f) => `${f.kind} ${f.path}`)).toEqual([`${kind} ${path}`]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a type change planted anywhere in a nested document is found at its JSON pointer', () => {
    assertProperty(
      fc.property(doc, fc.nat(), (value, pick) => {
        const places: (string | number)[][] = [];
        const visit = (node: JsonValue, at: (string | number)[]) => {
          if (node === null || typeof node !== 'object') return;
          const entries: [string | number, JsonValue][] = Array.isArray(node)
            ? node.map((v, i) => [i, v])
            : Object.entries(node);
          for (const [k, v] of entries) {
            places.push([...at, k]);
            visit(v, [...at, k]);
          }
        };
        visit(value, []);
        const at = places[pick % places.length]!;
        const copy = structuredClone(value);
        let parent: JsonValue = copy;
        for (const k of at.slice(0, -1))
          parent = (parent as Record<string | number, JsonValue>)[k]!;
        const last = at[at.length - 1]!;
        const old = (parent as Record<string | number, JsonValue>)[last];
        (parent as Record<string | number, JsonValue>)[last] =
          typeof old === 'string' ? 7 : 'planted';
        const pointer = at
          .map((k) => `/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`)
          .join('');
        const findings = compareResponses(res(value), res(copy), OPTIONS);
        expect(findings.map((f) => `${f.kind} ${f.path}`)).toEqual([`type-changed ${pointer}`]);
      }),
      { numRuns: 300 },
    );
  });

  it('shuffling an id-aligned array gives at most one finding: array-reordered', () => {
    const item = fc.record({ v: fc.integer(), tag: fc.string({ maxLength: 4 }) });
    assertProperty(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }),
        fc.array(item, { minLength: 8, maxLength: 8 }),
        fc.infiniteStream(fc.nat()),
        (ids, items, randoms) => {
          const list = ids.map((id, i) => ({ id, ...items[i]! }));
          const shuffled = [...list];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = randoms.next().value % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const findings = compareResponses(res({ data: list }), res({ data: shuffled }), OPTIONS);
          const moved = shuffled.some((el, i) => el.id !== list[i]!.id);
          expect(findings.map((f) => f.kind)).toEqual(moved ? ['array-reordered'] : []);
        },
      ),
      { numRuns: 200 },
    );
  });
});
