import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonPointer, stableStringify } from '../../src/core/json.js';
import { stripJsonComments, lineAndColumn } from '../../src/core/jsonc.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and ignores whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives equal JSON values the same string whatever their key order', () => {
    expect(canonicalJson(JSON.parse('{"x":1,"y":[1,2]}'))).toBe(
      canonicalJson(JSON.parse('{ "y": [1, 2], "x": 1 }')),
    );
  });

  it('keeps array order, which is data', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});

describe('stableStringify', () => {
  it('writes two-space indented JSON with sorted keys and a trailing newline', () => {
    expect(stableStringify({ b: 1, a: [] })).toBe('{\n  "a": [],\n  "b": 1\n}\n');
  });

  it('keeps key order below paths the caller marks', () => {
    const text = stableStringify({ z: 1, body: { json: { b: 1, a: 2 } } }, (path) =>
      path.includes('json'),
    );
    expect(text.indexOf('"b"')).toBeLessThan(text.indexOf('"a"'));
    expect(text.indexOf('"body"')).toBeLessThan(text.indexOf('"z"'));
  });

  it('drops undefined properties', () => {
    expect(stableStringify({ a: undefined, b: 2 })).toBe('{\n  "b": 2\n}\n');
  });
});

describe('jsonPointer', () => {
  it('escapes ~ and / per RFC 6901', () => {
    expect(jsonPointer(['a/b', 'c~d', 3])).toBe('/a~1b/c~0d/3');
    expect(jsonPointer([])).toBe('');
  });
});

describe('stripJsonComments', () => {
  it('removes line and block comments but not comment-like text in strings', () => {
    const text = '{\n  // a comment\n  "url": "http://x//y", /* block\n comment */ "n": 1\n}';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ url: 'http://x//y', n: 1 });
  });

  it('keeps line numbers so JSON errors point at the right line', () => {
    const text = '{\n/* one\ntwo */\n"a": oops\n}';
    const stripped = stripJsonComments(text);
    expect(stripped.split('\n')).toHaveLength(text.split('\n').length);
    expect(lineAndColumn(stripped, stripped.indexOf('oops'))).toEqual({ line: 4, column: 6 });
  });

  it('handles escaped quotes inside strings', () => {
    expect(JSON.parse(stripJsonComments('{"a": "say \\"//hi\\"" // c\n}'))).toEqual({
      a: 'say "//hi"',
    });
  });
});
