import { describe, expect, it } from 'vitest';
import { deepMerge, mergePatch, replaceWith } from '../../../src/core/sandbox/state/merge.js';

describe('merge semantics', () => {
  it('deep-merges objects key by key; arrays and scalars replace; null sets null', () => {
    const stored = { name: 'a', metadata: { x: '1', y: '2' }, tags: ['a', 'b'], note: 'n' };
    expect(
      deepMerge(
        stored,
        { metadata: { y: '3' }, tags: ['c'], note: null },
        { emptyStringUnsets: false },
      ),
    ).toEqual({ name: 'a', metadata: { x: '1', y: '3' }, tags: ['c'], note: null });
    expect(stored.metadata).toEqual({ x: '1', y: '2' });
  });

  it('with emptyStringUnsets: a key is deleted, an object emptied, a nullable field set null', () => {
    const stored = {
      metadata: { plan: 'gold', order: '1' },
      description: 'd',
      address: { line2: 'x' },
    };
    const nullable = (path: readonly string[]) =>
      path.join('.') === 'description' || path.join('.') === 'address.line2';
    const options = { emptyStringUnsets: true, nullableAt: nullable };
    expect(deepMerge(stored, { metadata: { plan: '' } }, options).metadata).toEqual({ order: '1' });
    expect(deepMerge(stored, { metadata: '' }, options).metadata).toEqual({});
    expect(deepMerge(stored, { description: '' }, options).description).toBeNull();
    expect(deepMerge(stored, { address: { line2: '' } }, options).address).toEqual({ line2: null });
    // Without the profile setting an empty string is a value like any other.
    expect(deepMerge(stored, { description: '' }, { emptyStringUnsets: false }).description).toBe(
      '',
    );
  });

  it('merge-patch+json follows RFC 7396', () => {
    // RFC 7396 appendix A, a few of its cases.
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(mergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']);
    expect(mergePatch({ a: 'foo' }, 'bar')).toBe('bar');
    expect(mergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
  });

  it('replace keeps server-owned fields as stored', () => {
    expect(
      replaceWith(
        { name: '', size: 0 },
        { name: 'n', id: 'forged' },
        { id: 'w1', created: 5, name: 'o', size: 4 },
        ['id', 'created'],
      ),
    ).toEqual({ name: 'n', size: 0, id: 'w1', created: 5 });
  });
});
