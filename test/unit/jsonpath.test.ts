import { describe, expect, it } from 'vitest';
import {
  matchesJsonPath,
  parseJsonPath,
  removeJsonPaths,
  selectJsonPath,
} from '../../src/core/jsonpath.js';
import type { JsonValue } from '../../src/core/json.js';

const doc: JsonValue = {
  id: 'o_1',
  meta: { requestId: 'r1', nested: { requestId: 'r2' } },
  items: [
    { id: 'i1', at: 't1' },
    { id: 'i2', at: 't2' },
  ],
  'odd key': 1,
};

function selected(path: string): string[] {
  const out: string[] = [];
  selectJsonPath(doc, parseJsonPath(path), (_p, _k, at) => out.push(at.join('.')));
  return out;
}

describe('JSON paths', () => {
  it('selects plain keys, indexes and quoted names', () => {
    expect(selected('$.meta.requestId')).toEqual(['meta.requestId']);
    expect(selected('$.items[1].id')).toEqual(['items.1.id']);
    expect(selected("$['odd key']")).toEqual(['odd key']);
  });

  it('selects with wildcards inside arrays and objects', () => {
    expect(selected('$.items[*].id')).toEqual(['items.0.id', 'items.1.id']);
    expect(selected('$.meta.*')).toEqual(['meta.requestId', 'meta.nested']);
  });

  it('selects at any depth with recursive descent', () => {
    expect(selected('$..requestId').sort()).toEqual(['meta.nested.requestId', 'meta.requestId']);
    expect(selected('$..at')).toEqual(['items.0.at', 'items.1.at']);
  });

  it('selects nothing for a path that is not there', () => {
    expect(selected('$.missing.deeper')).toEqual([]);
    expect(selected('$.items[5]')).toEqual([]);
  });

  it('removes selected locations from a copy, leaving the input untouched', () => {
    const out = removeJsonPaths(doc, [
      parseJsonPath('$..requestId'),
      parseJsonPath('$.items[*].at'),
    ]);
    expect(out).toEqual({
      id: 'o_1',
      meta: { nested: {} },
      items: [{ id: 'i1' }, { id: 'i2' }],
      'odd key': 1,
    });
    expect((doc as { meta: { requestId?: string } }).meta.requestId).toBe('r1');
  });

  it('removes several array elements without shifting the wrong ones', () => {
    expect(removeJsonPaths({ a: [1, 2, 3] }, [parseJsonPath('$.a[*]')])).toEqual({ a: [] });
  });

  it.each([
    ['a.b', 'must start with "$"'],
    ['$', 'names the whole document'],
    ['$.a[', 'is not closed'],
    ['$.a[x]', 'is not an index'],
    ['$..', 'expected a field name'],
  ])('rejects %j with a message that says why', (path, why) => {
    expect(() => parseJsonPath(path)).toThrowError(why);
  });
});

describe('matchesJsonPath', () => {
  it.each([
    '$.meta.requestId',
    '$.items[1].id',
    "$['odd key']",
    '$.items[*].id',
    '$.meta.*',
    '$..requestId',
    '$..at',
    '$.missing.deeper',
    '$.items[5]',
    '$..items[0]',
    '$..*',
  ])('agrees with selectJsonPath for %s at every location', (source) => {
    const path = parseJsonPath(source);
    const selected = new Set(selected_(path));
    const all: string[] = [];
    const visit = (node: JsonValue, at: (string | number)[]) => {
      if (at.length > 0) all.push(JSON.stringify(at));
      if (Array.isArray(node)) node.forEach((c, i) => visit(c, [...at, i]));
      else if (node !== null && typeof node === 'object')
        for (const [k, c] of Object.entries(node)) visit(c, [...at, k]);
    };
    visit(doc, []);
    for (const at of all)
      expect(
        matchesJsonPath(path, JSON.parse(at) as (string | number)[]),
        `${source} at ${at}`,
      ).toBe(selected.has(at));
  });
});

function selected_(path: ReturnType<typeof parseJsonPath>): string[] {
  const out: string[] = [];
  selectJsonPath(doc, path, (_p, _k, at) => out.push(JSON.stringify(at)));
  return out;
}
