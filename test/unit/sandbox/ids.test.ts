/** Id shapes: drawing (deterministic per tenant seed, unique across seeds), checking, learning. */
import { describe, expect, it } from 'vitest';
import {
  describeShape,
  learnShape,
  matchesShape,
  newId,
  shapeFromPattern,
} from '../../../src/core/sandbox/state/ids.js';
import type { IdShape } from '../../../src/core/sandbox/state/model.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';

const customers: IdShape = { kind: 'random', prefix: 'cus_', length: 14, alphabet: 'base62' };

describe('newId', () => {
  it('is the same for the same seed and counter, and has the shape', () => {
    expect(newId(customers, 'tenant-seed-1', 7)).toBe(newId(customers, 'tenant-seed-1', 7));
    expect(newId(customers, 'tenant-seed-1', 7)).toMatch(/^cus_[0-9A-Za-z]{14}$/);
    expect(matchesShape(newId(customers, 'tenant-seed-1', 7), customers)).toBe(true);
  });

  it('is unique across counters and across tenant seeds', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++)
      for (let counter = 0; counter < 2000; counter++)
        seen.add(newId(customers, `seed-${seed}`, counter));
    expect(seen.size).toBe(20_000);
  });

  it('every alphabet stays inside itself', () => {
    for (const alphabet of ['digits', 'hex', 'base36', 'base62'] as const) {
      const shape: IdShape = { kind: 'random', prefix: 'x_', length: 24, alphabet };
      for (let i = 0; i < 50; i++) expect(matchesShape(newId(shape, 's', i), shape)).toBe(true);
    }
  });

  it('a sequence counts from its start; a uuid is a version-4 UUID', () => {
    const sequence: IdShape = { kind: 'sequence', scope: 'parent', start: 1 };
    expect([0, 1, 2].map((n) => newId(sequence, 'any', n))).toEqual(['1', '2', '3']);
    const uuid = newId({ kind: 'uuid' }, 'seed', 3);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid).not.toBe(newId({ kind: 'uuid' }, 'seed', 4));
    expect(matchesShape(uuid, { kind: 'uuid' })).toBe(true);
  });
});

describe('matchesShape', () => {
  it('checks prefix, length and alphabet', () => {
    expect(matchesShape('cus_AbCdEfGhIjKlMn', customers)).toBe(true);
    expect(matchesShape('cus_AbCdEfGhIjKlM', customers)).toBe(false);
    expect(matchesShape('cux_AbCdEfGhIjKlMn', customers)).toBe(false);
    expect(matchesShape('cus_AbCdEfGhIjKl-n', customers)).toBe(false);
    expect(matchesShape('12', { kind: 'sequence', scope: 'tenant', start: 1 })).toBe(true);
    expect(matchesShape('1a', { kind: 'sequence', scope: 'tenant', start: 1 })).toBe(false);
  });
});

describe('the stripe preset’s shapes', () => {
  it('match ids as Stripe issues them (its API reference’s examples)', () => {
    const real: Record<string, string> = {
      customers: 'cus_NffrFeUfNV2Hib',
      payment_intents: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      payment_methods: 'pm_1MqLiJLkdIwHu7ixUEgbFdYF',
      charges: 'ch_3MmlLrLkdIwHu7ix0snN0B15',
      refunds: 're_1Nispe2eZvKYlo2Cd31jOCgZ',
      products: 'prod_NWjs8kKbJWmuuc',
      prices: 'price_1MoBy5LkdIwHu7ixZhnattbh',
      subscriptions: 'sub_1MowQVLkdIwHu7ixeRlqHVzs',
      subscription_items: 'si_NcLYdDxLHxlFo7',
      accounts: 'acct_1Nv0FGQ9RKHgCVdK',
      sessions: 'cs_test_a11YYufWQzNY63zpQ6QSNRQhkUpVph4WRmzW0zWJO2znZKdVujZ0N0S22u',
      invoices: 'in_1MtHbELkdIwHu7ixl4OzzPMv',
      events: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      tokens: 'tok_1N3T00LkdIwHu7ixt44h1F8k',
    };
    for (const [type, id] of Object.entries(real)) {
      const shape = PRESETS.stripe.ids.byType[type];
      expect(shape, type).toBeDefined();
      expect(matchesShape(id, shape!), `${type}: ${id} vs ${describeShape(shape!)}`).toBe(true);
    }
  });
});

describe('learnShape', () => {
  it('prefix up to the last common `_`, the most frequent length, the smallest alphabet', () => {
    expect(learnShape(['cus_AbCdEfGhIjKlMn', 'cus_9zYxWvUtSrQpOn', 'cus_short'])).toEqual(
      customers,
    );
    expect(learnShape(['pi_3a9f00aa11bb22cc', 'pi_00ffee1234567890'])).toEqual({
      kind: 'random',
      prefix: 'pi_',
      length: 16,
      alphabet: 'hex',
    });
    expect(learnShape(['abc123xyz', 'def456uvw'])).toEqual({
      kind: 'random',
      prefix: '',
      length: 9,
      alphabet: 'base36',
    });
  });

  it('numbers are a sequence continuing after the largest, in any recorded order', () => {
    expect(learnShape(['1', '2', '2', '5'])).toEqual({
      kind: 'sequence',
      scope: 'tenant',
      start: 6,
    });
    expect(learnShape(['35', '34', '12'])).toEqual({
      kind: 'sequence',
      scope: 'tenant',
      start: 36,
    });
  });

  it('UUIDs are uuid; nothing to learn from is undefined', () => {
    expect(learnShape(['0b6a2c5e-8f1d-4e43-9a7c-3d2b1f0e9a8b'])).toEqual({ kind: 'uuid' });
    expect(learnShape([])).toBeUndefined();
    expect(learnShape(['a b c d'])).toBeUndefined();
  });
});

describe('shapeFromPattern', () => {
  it('reads a prefix and one fixed repetition of a class', () => {
    expect(shapeFromPattern('^cus_[A-Za-z0-9]{14}$')).toEqual(customers);
    expect(shapeFromPattern('^[a-f0-9]{32}$')).toEqual({
      kind: 'random',
      prefix: '',
      length: 32,
      alphabet: 'hex',
    });
    expect(shapeFromPattern('^[a-z]+$')).toBeUndefined();
    expect(shapeFromPattern('^(cus|acct)_[a-z]{8}$')).toBeUndefined();
    expect(shapeFromPattern('(')).toBeUndefined();
  });

  it('describes shapes for --explain', () => {
    expect(describeShape(customers)).toBe('cus_ + 14 base62');
    expect(describeShape({ kind: 'sequence', scope: 'parent', start: 1 })).toBe(
      'sequence per parent from 1',
    );
  });
});
