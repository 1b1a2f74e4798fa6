/**
 * Regression: a recorded header named like an `Object.prototype` member (`constructor`,
 * `toString`) is an ordinary header to drift. The header map of what was sent was built with
 * `map[name]`, which found `Object.prototype.constructor` and threw, so every such interaction
 * was reported unchecked with an internal error.
 */
import { describe, expect, it } from 'vitest';
import {
  changedHeaders,
  FlowValues,
  headerMapOf,
  sendableHeaders,
} from '../../../src/core/drift/flows.js';
import type { JsonValue } from '../../../src/core/json.js';

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

describe('drift carried values in a JSON body with a `__proto__` key', () => {
  it('keeps `__proto__` an own key of the body sent, with carried values applied below it', () => {
    const flow = new FlowValues();
    flow.learn(
      { encoding: 'json', json: { id: 'ord-1234' } },
      { encoding: 'json', json: { id: 'ord-9876' } },
      { encoding: 'json', json: { id: 'ord-9876' } },
    );
    // JSON.parse makes `__proto__` an own property, as a cassette read from disk has it.
    const json = JSON.parse('{"__proto__":{"order":"ord-1234"},"id":"ord-1234"}') as JsonValue;
    const sent = flow.apply(
      {
        method: 'POST',
        path: '/refunds',
        query: {},
        headers: {},
        body: { encoding: 'json', json },
      },
      'send',
    );
    const body = sent.body?.encoding === 'json' ? sent.body.json : undefined;
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(JSON.stringify(body)).toBe('{"__proto__":{"order":"ord-9876"},"id":"ord-9876"}');
  });
});
