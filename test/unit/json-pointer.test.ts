import { describe, expect, it } from 'vitest';
import {
  escapePointerToken,
  jsonEqual,
  jsonPointer,
  resolveLocalRef,
  resolvePointer,
  unescapePointerToken,
} from '../../src/core/json.js';
import { decodePercent } from '../../src/core/http/percent.js';

describe('JSON Pointer tokens (RFC 6901)', () => {
  it('escapes ~ before / so ~1 in a key survives the round trip', () => {
    expect(escapePointerToken('a/b')).toBe('a~1b');
    expect(escapePointerToken('a~b')).toBe('a~0b');
    // Escaping `/` first would write `/` as `~1` and then that `~` as `~0`: `~01`, read back as `~1`.
    expect(escapePointerToken('/')).toBe('~1');
    expect(escapePointerToken('~1')).toBe('~01');
    expect(escapePointerToken('/~')).toBe('~1~0');
    expect(escapePointerToken('plain')).toBe('plain');
  });

  it('unescapes ~1 before ~0, so ~01 is ~1 and not /', () => {
    expect(unescapePointerToken('~01')).toBe('~1');
    expect(unescapePointerToken('~1~0')).toBe('/~');
    expect(unescapePointerToken('~0~1')).toBe('~/');
    expect(unescapePointerToken('plain')).toBe('plain');
  });

  it('round-trips every mix of ~, /, 0 and 1', () => {
    const alphabet = ['~', '/', '0', '1', 'a'];
    const keys: string[] = [''];
    for (let length = 0; length < 4; length++)
      for (const key of [...keys]) for (const c of alphabet) keys.push(key + c);
    for (const key of keys) {
      const escaped = escapePointerToken(key);
      expect(escaped).not.toContain('/');
      expect(unescapePointerToken(escaped)).toBe(key);
    }
  });

  it('builds pointers whose tokens resolve back to the same node', () => {
    const doc = { 'a/b': { '~1': [10, { 'x~y': 'found' }] } };
    const pointer = jsonPointer(['a/b', '~1', 1, 'x~y']);
    expect(pointer).toBe('/a~1b/~01/1/x~0y');
    expect(resolvePointer(doc, pointer)).toBe('found');
  });
});

describe('resolvePointer', () => {
  const doc = { list: [1, 2, 3], obj: { '': 'empty key' } };

  it('reads the whole document for the empty pointer and own members only', () => {
    expect(resolvePointer(doc, '')).toBe(doc);
    expect(resolvePointer(doc, '/obj/')).toBe('empty key');
    expect(resolvePointer(doc, '/obj/constructor')).toBeUndefined();
    expect(resolvePointer(doc, '/obj/__proto__')).toBeUndefined();
    expect(resolvePointer(doc, 'obj')).toBeUndefined();
  });

  it('takes array indexes only in canonical form', () => {
    expect(resolvePointer(doc, '/list/0')).toBe(1);
    expect(resolvePointer(doc, '/list/2')).toBe(3);
    expect(resolvePointer(doc, '/list/01')).toBeUndefined();
    expect(resolvePointer(doc, '/list/-')).toBeUndefined();
    expect(resolvePointer(doc, '/list/length')).toBeUndefined();
    expect(resolvePointer(doc, '/list/5')).toBeUndefined();
  });

  it('decodes each token with the given decoder before unescaping it', () => {
    const spec = { paths: { '/pets/{id}': 'item', '/100%': 'literal percent' } };
    expect(resolvePointer(spec, '/paths/~1pets~1%7Bid%7D', decodePercent)).toBe('item');
    // A malformed escape is a literal `%` in the key.
    expect(resolvePointer(spec, '/paths/~1100%', decodePercent)).toBe('literal percent');
  });
});

describe('resolveLocalRef', () => {
  const doc = { components: { schemas: { 'Pet{x}': { type: 'object' }, 'a/b': 1 } } };

  it('follows local refs, percent-encoded or not', () => {
    expect(resolveLocalRef(doc, '#')).toBe(doc);
    expect(resolveLocalRef(doc, '#/components/schemas/Pet%7Bx%7D')).toEqual({ type: 'object' });
    expect(resolveLocalRef(doc, '#/components/schemas/Pet{x}')).toEqual({ type: 'object' });
    expect(resolveLocalRef(doc, '#/components/schemas/a~1b')).toBe(1);
  });

  it('refuses refs that are not local, not pointers, or malformed', () => {
    expect(resolveLocalRef(doc, 'other.yaml#/components')).toBeUndefined();
    expect(resolveLocalRef(doc, '#components')).toBeUndefined();
    expect(resolveLocalRef(doc, '#/components/%zz')).toBeUndefined();
    expect(resolveLocalRef(doc, '#/components/missing')).toBeUndefined();
  });
});

describe('jsonEqual', () => {
  it('compares JSON values by content, object keys in any order', () => {
    expect(jsonEqual({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: undefined }, { b: undefined })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual(1, '1')).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual('a', 'a')).toBe(true);
  });

  it('does not read inherited members', () => {
    expect(jsonEqual({ constructor: 1 }, {})).toBe(false);
    expect(jsonEqual({ toString: 1 }, { valueOf: 1 })).toBe(false);
  });
});
