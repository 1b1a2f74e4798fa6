/**
 * Form bodies by the spec's encoding object (form.ts): bracket notation into objects and lists,
 * the delimited styles, the bounds, prototype names as data; and a seeded property that every
 * nested value a bracket-notation client (stripe-node's qs, Rack, PHP) serializes reads back as
 * that value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/core/http/index.js';
import {
  bracketName,
  parseForm,
  splitBrackets,
  type FieldEncoding,
  type FormShape,
} from '../../../src/core/mock/openapi/form.js';
import { assertProperty } from '../../helpers/property.js';

function shape(
  types: Record<string, string[]> = {},
  encodings: Record<string, FieldEncoding> = {},
  declared: string[] = [],
): FormShape {
  return {
    encodings: new Map(Object.entries(encodings)),
    typesOf: (name) => (Object.hasOwn(types, name) ? types[name]! : []),
    declares: (name) => declared.includes(name) || Object.hasOwn(types, name),
  };
}

const DEEP: FieldEncoding = { style: 'deepObject', explode: true };

function parse(
  body: string,
  s: FormShape = shape(),
  limits?: { maxFields: number; maxDepth: number },
) {
  return parseForm(parseQuery(body), s, limits);
}

describe('parseForm', () => {
  it('reads deepObject fields, indexed and appended lists, and nesting', () => {
    const s = shape(
      { metadata: ['object'], payment_method_types: ['array'], expand: ['array'] },
      { metadata: DEEP, payment_method_types: DEEP, expand: DEEP },
    );
    expect(
      parse(
        'metadata[plan]=gold&metadata[seats]=3&payment_method_types[0]=card&payment_method_types[1]=sepa_debit&a[b][c]=1&expand[]=x&expand[]=y&amount=2000',
        s,
      ),
    ).toEqual({
      ok: true,
      value: {
        metadata: { plan: 'gold', seats: '3' },
        payment_method_types: ['card', 'sepa_debit'],
        a: { b: { c: '1' } },
        expand: ['x', 'y'],
        amount: '2000',
      },
    });
  });

  it('orders indexed elements by index and compacts them: an index is a position, not a length', () => {
    const result = parse('a[99999999]=last&a[3]=first');
    expect(result).toEqual({ ok: true, value: { a: ['first', 'last'] } });
  });

  it('keeps numeric keys as keys where the schema says object', () => {
    expect(parse('metadata[0]=x', shape({ metadata: ['object', 'string'] }))).toEqual({
      ok: true,
      value: { metadata: { '0': 'x' } },
    });
  });

  it('splits by the encoding style: form (exploded or not), pipe- and space-delimited', () => {
    const s = shape(
      { a: ['array'], b: ['array'], c: ['array'], d: ['array'], o: ['object'] },
      {
        a: { style: 'form', explode: true },
        b: { style: 'form', explode: false },
        c: { style: 'pipeDelimited', explode: false },
        d: { style: 'spaceDelimited', explode: false },
        o: { style: 'form', explode: false },
      },
    );
    expect(parse('a=1&a=2&b=1,2&c=1|2&d=1%202&o=r,100,g,200', s)).toEqual({
      ok: true,
      value: {
        a: ['1', '2'],
        b: ['1', '2'],
        c: ['1', '2'],
        d: ['1', '2'],
        o: { r: '100', g: '200' },
      },
    });
    // Unexploded without a delimiter style, and a field with no encoding entry: as sent.
    expect(parse('a=1,2', s)).toEqual({ ok: true, value: { a: ['1,2'] } });
    expect(parse('x=1&x=2&y=3')).toEqual({ ok: true, value: { x: ['1', '2'], y: '3' } });
  });

  it('keeps a name the schema declares with brackets in it as one name', () => {
    expect(parse('a[b]=1', shape({}, {}, ['a[b]']))).toEqual({ ok: true, value: { 'a[b]': '1' } });
    // Not bracket notation at all: kept as sent.
    expect(parse('a[b=1&[x]=2&a]b[=3')).toEqual({
      ok: true,
      value: { 'a[b': '1', '[x]': '2', 'a]b[': '3' },
    });
  });

  it('refuses a field sent both as a value and with fields under it, naming the place', () => {
    expect(parse('a=1&a[b]=2')).toEqual({
      ok: false,
      pointer: '/a',
      message: 'is sent both as a value and with fields under it',
    });
    expect(parse('a[b][c]=1&a[b]=2')).toMatchObject({ ok: false, pointer: '/a/b' });
    expect(parse('a[x]=1&a[]=2')).toMatchObject({ ok: false, pointer: '/a' });
  });

  it('caps fields and depth with a reason, not a crash', () => {
    const limits = { maxFields: 10, maxDepth: 3 };
    expect(
      parse(Array.from({ length: 11 }, (_, i) => `f${i}=1`).join('&'), shape(), limits),
    ).toEqual({
      ok: false,
      pointer: '',
      message: 'has more than 10 fields; the mock reads at most that many',
    });
    expect(parse('a[1][2][3][4]=x', shape(), limits)).toEqual({
      ok: false,
      pointer: '/a',
      message: 'nests deeper than 3 levels',
    });
    expect(parse('a[1][2][3]=x', shape(), limits).ok).toBe(true);
  });

  it('treats prototype names as data', () => {
    const result = parse('__proto__[polluted]=1&constructor[prototype][x]=2&a[__proto__][y]=3');
    expect(result.ok).toBe(true);
    const value = (result as { value: Record<string, unknown> }).value;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(value))).toEqual(
      JSON.parse(
        '{"__proto__":{"polluted":"1"},"constructor":{"prototype":{"x":"2"}},"a":{"__proto__":{"y":"3"}}}',
      ),
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['y']).toBeUndefined();
  });
});

describe('bracket names', () => {
  it('splits and joins bracket notation', () => {
    expect(splitBrackets('a[b][0][]')).toEqual(['a', 'b', '0', '']);
    expect(splitBrackets('a')).toBeUndefined();
    expect(splitBrackets('a[b]c')).toBeUndefined();
    expect(bracketName('/invoice_settings/custom_fields/0/name')).toBe(
      'invoice_settings[custom_fields][0][name]',
    );
    expect(bracketName('/a~1b')).toBe('a/b');
    expect(bracketName('')).toBe('');
  });
});

/** A nested form value: strings, non-empty lists and non-empty objects (empty ones send nothing). */
const key = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
);
const { value: formValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 8 }),
    fc.array(tie('value'), { minLength: 1, maxLength: 3 }),
    fc.dictionary(key, tie('value'), { minKeys: 1, maxKeys: 3 }),
  ),
}));

/** Bracket notation as qs writes it (stripe-node): `a[b][0]=x`, indices for lists. */
function serialize(value: unknown, prefix: string, out: string[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => serialize(v, `${prefix}[${i}]`, out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) serialize(v, `${prefix}[${k}]`, out);
  else out.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(value as string)}`);
}

/** A list of lists of one element is ambiguous on the wire only if a list is empty: none are. */
describe('parseForm properties', () => {
  it('reads back every nested value a bracket-notation client sends', () => {
    assertProperty(
      fc.property(fc.dictionary(key, formValue, { minKeys: 1, maxKeys: 4 }), (body) => {
        const parts: string[] = [];
        for (const [name, v] of Object.entries(body)) serialize(v, name, parts);
        const result = parseForm(parseQuery(parts.join('&')), shape());
        // Lists of objects keyed only by digits read back as lists: generate none (keys above
        // never are digits), so the round trip is exact.
        expect(result).toEqual({ ok: true, value: body });
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on hostile keys: a value or a located refusal', () => {
    const hostile = fc.stringMatching(/^[a-z[\]_]{0,24}$/);
    assertProperty(
      fc.property(
        fc.array(fc.tuple(hostile, fc.string({ maxLength: 4 })), { maxLength: 40 }),
        (pairs) => {
          const body = pairs
            .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
            .join('&');
          const result = parseForm(parseQuery(body), shape(), { maxFields: 30, maxDepth: 4 });
          if (!result.ok) {
            expect(typeof result.pointer).toBe('string');
            expect(result.message).not.toContain('=');
          }
          expect(Object.getPrototypeOf({})).toBe(Object.prototype);
        },
      ),
      { numRuns: 300 },
    );
  });
});
