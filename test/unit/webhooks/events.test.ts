import { describe, expect, it } from 'vitest';
import { previousAttributes } from '../../../src/core/webhooks/events.js';

describe('previousAttributes (Stripe’s previous_attributes)', () => {
  it.each([
    ['a changed field keeps its old value', { a: 1, b: 'x' }, { a: 2, b: 'x' }, { a: 1 }],
    ['a field added was null before', { a: 1 }, { a: 1, c: 'new' }, { c: null }],
    ['a field dropped keeps its value', { a: 1, d: [1] }, { a: 1 }, { d: [1] }],
    [
      'a nested change names the whole top-level field',
      { metadata: { k: 'v', n: 1 } },
      { metadata: { k: 'w', n: 1 } },
      { metadata: { k: 'v', n: 1 } },
    ],
    ['member order is not a change', { m: { x: 1, y: 2 } }, { m: { y: 2, x: 1 } }, undefined],
    ['an array that changed', { l: [1, 2] }, { l: [1, 2, 3] }, { l: [1, 2] }],
    ['nothing changed', { a: 1 }, { a: 1 }, undefined],
    ['not objects', [1], [2], undefined],
    ['null before', null, { a: 1 }, undefined],
    ['null to a value', { a: null }, { a: 0 }, { a: null }],
  ])('%s', (_, before, after, expected) => {
    expect(previousAttributes(before, after)).toEqual(expected);
  });

  it('a member named __proto__ is kept as data', () => {
    const before = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    const previous = previousAttributes(before as never, {}) as Record<string, unknown>;
    expect(Object.hasOwn(previous, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(previous)).toBe(Object.prototype);
  });
});
