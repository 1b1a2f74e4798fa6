import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import {
  applySet,
  failedCondition,
  initialState,
  resolveSet,
  runAction,
} from '../../../src/core/sandbox/state/lifecycle.js';
import type { Lifecycle } from '../../../src/core/sandbox/state/model.js';

const NOW = Date.UTC(2026, 0, 2);
const context = (current = {}, params = {}) => ({
  current,
  params,
  now: NOW,
  reference: (field: string) =>
    field === 'payment_intent' ? { amount_received: 2000, currency: 'usd' } : undefined,
});

/** The stripe preset's payment intent lifecycle, as the model carries it. */
function paymentIntents(): Lifecycle {
  const o = PRESETS.stripe.resources.overrides['payment_intents']!;
  const decl = o.lifecycle!;
  return { field: decl.field, initial: decl.initial, actions: { ...decl.actions, ...o.actions } };
}

describe('lifecycle', () => {
  it('set values: literal, copy, param with default, now, fromReference', () => {
    expect(resolveSet('succeeded', context())).toBe('succeeded');
    expect(resolveSet({ copy: 'amount' }, context({ amount: 5 }))).toBe(5);
    expect(resolveSet({ param: 'reason', default: null }, context({}, {}))).toBeNull();
    expect(resolveSet({ param: 'reason' }, context({}, { reason: 'duplicate' }))).toBe('duplicate');
    expect(resolveSet({ now: 'unix-s' }, context())).toBe(NOW / 1000);
    expect(resolveSet({ now: 'iso' }, context())).toBe('2026-01-02T00:00:00Z');
    expect(
      resolveSet({ fromReference: 'payment_intent', field: 'amount_received' }, context()),
    ).toBe(2000);
    // `else` only when the request names no such object: a refund by charge.
    const orCharge = {
      fromReference: 'charge',
      field: 'amount',
      else: { fromReference: 'payment_intent', field: 'amount_received' },
    };
    expect(resolveSet(orCharge, context())).toBe(2000);
    const named = { ...context(), reference: (f: string) => (f === 'charge' ? {} : undefined) };
    expect(resolveSet(orCharge, named)).toBeUndefined();
    // Defaults fill only what is absent.
    expect(
      applySet({ amount: 5 }, { amount: 1, currency: 'eur' }, context(), (f) => f === 'amount'),
    ).toEqual({
      amount: 5,
      currency: 'eur',
    });
  });

  it('conditions: present, absent, equals', () => {
    expect(
      failedCondition({ payment_method: 'present' }, { payment_method: 'pm_1' }),
    ).toBeUndefined();
    expect(failedCondition({ payment_method: 'present' }, { payment_method: null })).toBe(
      'payment_method',
    );
    expect(failedCondition({ customer: 'absent' }, {})).toBeUndefined();
    expect(failedCondition({ status: 'open' }, { status: 'closed' })).toBe('status');
  });

  it('the stripe preset: initial state by payment method, confirm once, then refused', () => {
    const lifecycle = paymentIntents();
    expect(initialState(lifecycle, { payment_method: 'pm_1' })).toBe('requires_confirmation');
    expect(initialState(lifecycle, { payment_method: null })).toBe('requires_payment_method');
    const pi = {
      id: 'pi_1',
      amount: 2000,
      status: 'requires_confirmation',
      payment_method: 'pm_1',
    };
    const confirmed = runAction(lifecycle, 'confirm', pi, pi, context(), 'payment_intent');
    expect(confirmed).toMatchObject({
      ok: true,
      value: { status: 'succeeded', amount_received: 2000 },
    });
    if (!confirmed.ok) throw new Error('refused');
    const again = runAction(
      lifecycle,
      'confirm',
      confirmed.value,
      confirmed.value,
      context(),
      'payment_intent',
    );
    expect(again).toMatchObject({
      ok: false,
      facts: {
        kind: 'invalid-transition',
        code: 'payment_intent_unexpected_state',
        values: { state: 'succeeded' },
      },
    });
  });

  it('requires is checked after the request fields are merged', () => {
    const lifecycle = paymentIntents();
    const pi = { id: 'pi_1', amount: 100, status: 'requires_payment_method', payment_method: null };
    expect(runAction(lifecycle, 'confirm', pi, pi, context(), 'payment_intent')).toMatchObject({
      ok: false,
      facts: { param: 'payment_method' },
    });
    const merged = { ...pi, payment_method: 'pm_card_visa' };
    expect(runAction(lifecycle, 'confirm', pi, merged, context(), 'payment_intent')).toMatchObject({
      ok: true,
    });
  });

  it('an undeclared action keeps the merged object and declares no event', () => {
    expect(
      runAction(undefined, 'attach', {}, { customer: 'cus_1' }, context(), 'payment_method'),
    ).toEqual({
      ok: true,
      value: { customer: 'cus_1' },
      event: undefined,
    });
  });
});
