/**
 * Regression: a recorded header named like an `Object.prototype` member (`constructor`,
 * `toString`) is an ordinary header to drift. The header map of what was sent was built with
 * `map[name]`, which found `Object.prototype.constructor` and threw, so every such interaction
 * was reported unchecked with an internal error.
 */
import { describe, expect, it } from 'vitest';
import { changedHeaders, headerMapOf, sendableHeaders } from '../../../src/core/drift/flows.js';

describe('drift header maps with prototype member names', () => {
  it('headerMapOf keeps `constructor` and `tostring` as ordinary headers, repeats included', () => {
    const map = headerMapOf([
      ['constructor', 'a'],
      ['tostring', 'b'],
      ['constructor', 'c'],
      ['__proto__', 'd'],
    ]);
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.entries(map)).toEqual([
      ['constructor', ['a', 'c']],
      ['tostring', 'b'],
      ['__proto__', 'd'],
    ]);
  });

  it('sendableHeaders adds a configured credential named `constructor` when none was recorded', () => {
    const { headers } = sendableHeaders({}, new Map([['constructor', 'live-value']]), new Set());
    expect(headers).toEqual([['constructor', 'live-value']]);
  });

  it('changedHeaders compares a `constructor` header by its own value only', () => {
    expect([...changedHeaders({}, { constructor: 'x' })]).toEqual(['constructor']);
    expect([...changedHeaders({ constructor: 'x' }, { constructor: 'x' })]).toEqual([]);
  });
});
