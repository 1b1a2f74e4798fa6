import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { inferModel } from '../../../src/core/sandbox/state/infer.js';
import {
  resolveStep,
  triggerFor,
  unresolvedReferences,
} from '../../../src/core/webhooks/triggers.js';
import type { TriggerDecl } from '../../../src/core/webhooks/types.js';
import { githubSpec, stripeSpec } from '../sandbox/specs.js';

const stripe = PRESETS.stripe;
const model = inferModel({
  spec: stripeSpec(),
  cassettes: [],
  profile: stripe,
  overrides: {},
  notResources: [],
});

describe('triggerFor: declared first', () => {
  it('the first declaration of the event wins (config before profile)', () => {
    const mine: TriggerDecl = { event: 'customer.created', steps: [{ method: 'GET', path: '/x' }] };
    const later: TriggerDecl = { event: 'customer.created', steps: [] };
    expect(triggerFor('customer.created', [mine, later], model, stripe)).toBe(mine);
  });

  it('the stripe preset’s flows', () => {
    const flow = (event: string) => triggerFor(event, stripe.webhooks.triggers, model, stripe);
    expect(flow('payment_intent.succeeded')?.steps).toEqual([
      {
        name: 'payment_intent',
        method: 'POST',
        path: '/v1/payment_intents',
        body: { amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      },
    ]);
    expect(flow('payment_intent.payment_failed')?.steps[0]?.body).toMatchObject({
      payment_method: 'pm_card_chargeDeclined',
    });
    expect(flow('payment_intent.canceled')?.steps.map((s) => s.path)).toEqual([
      '/v1/payment_intents',
      '/v1/payment_intents/{steps.payment_intent.id}/cancel',
    ]);
    expect(flow('charge.refunded')?.steps.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /v1/charges',
      'POST /v1/refunds',
    ]);
  });
});

describe('triggerFor: derived from the model', () => {
  const derived = (event: string) => triggerFor(event, [], model, stripe)?.steps;

  it('X.created → create', () => {
    expect(derived('customer.created')).toEqual([
      { name: 'customer', method: 'POST', path: '/v1/customers', body: {} },
    ]);
  });

  it('X.updated → create, update', () => {
    expect(derived('customer.updated')).toEqual([
      { name: 'customer', method: 'POST', path: '/v1/customers', body: {} },
      { method: 'POST', path: '/v1/customers/{steps.customer.id}', body: {} },
    ]);
  });

  it('X.deleted → create, delete', () => {
    expect(derived('customer.deleted')).toEqual([
      { name: 'customer', method: 'POST', path: '/v1/customers', body: {} },
      { method: 'DELETE', path: '/v1/customers/{steps.customer.id}' },
    ]);
  });

  it('an action’s event, when the action requires nothing → create, action', () => {
    expect(derived('payment_intent.canceled')?.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /v1/payment_intents',
      'POST /v1/payment_intents/{steps.payment_intent.id}/cancel',
    ]);
    // confirm requires a payment method: not derived (the preset declares it).
    expect(derived('payment_intent.succeeded')).toBeUndefined();
  });

  it('a create’s declared event, with a requireOneOf reference created first', () => {
    expect(derived('charge.refunded')).toEqual([
      { name: 'payment_intent', method: 'POST', path: '/v1/payment_intents', body: {} },
      {
        name: 'refund',
        method: 'POST',
        path: '/v1/refunds',
        body: { payment_intent: '{steps.payment_intent.id}' },
      },
    ]);
    // The create emits charge.refunded, never refund.created.
    expect(derived('refund.created')).toBeUndefined();
  });

  it('an event nothing makes has no flow', () => {
    expect(derived('customer.teleported')).toBeUndefined();
    expect(derived('nothing.created')).toBeUndefined();
  });

  it('GitHub: issues below a scope parameter (owner) have no derived flow', () => {
    const github = PRESETS.github;
    const gh = inferModel({
      spec: githubSpec(),
      cassettes: [],
      profile: github,
      overrides: {},
      notResources: [],
    });
    // Issues live below /repos/{owner}/{repo}: owner is a scope, not something a step creates.
    expect(triggerFor('issue.created', [], gh, github)).toBeUndefined();
  });
});

describe('resolveStep: {steps.NAME.a.b}', () => {
  const results = new Map([
    ['pi', { id: 'pi_123', amount: 2000, charges: { data: [{ id: 'ch_9' }] } }],
    ['issue', { number: 42, labels: ['bug'] }],
    ['odd', { id: 'a/b c' }],
  ]);

  it('fills path, body and headers; a whole reference keeps its JSON type', () => {
    const step = resolveStep(
      {
        method: 'POST',
        path: '/v1/payment_intents/{steps.pi.id}/cancel',
        body: {
          amount: '{steps.pi.amount}',
          note: 'for {steps.pi.id}',
          charge: '{steps.pi.charges.data.0.id}',
          issue: '{steps.issue.number}',
          labels: '{steps.issue.labels}',
          list: ['{steps.pi.id}'],
        },
        headers: { 'idempotency-key': 'trigger-{steps.pi.id}' },
      },
      results,
    );
    expect(step).toEqual({
      method: 'POST',
      path: '/v1/payment_intents/pi_123/cancel',
      body: {
        amount: 2000,
        note: 'for pi_123',
        charge: 'ch_9',
        issue: 42,
        labels: ['bug'],
        list: ['pi_123'],
      },
      headers: { 'idempotency-key': 'trigger-pi_123' },
    });
  });

  it('a path segment is percent-encoded', () => {
    expect(resolveStep({ method: 'GET', path: '/x/{steps.odd.id}' }, results).path).toBe(
      '/x/a%2Fb%20c',
    );
  });

  it('a reference without a value stays as written and is named', () => {
    const step = { method: 'GET', path: '/v1/x/{steps.gone.id}', body: { a: '{steps.pi.nope}' } };
    expect(resolveStep(step, results)).toEqual(step);
    expect(unresolvedReferences(step, results)).toEqual(['{steps.gone.id}', '{steps.pi.nope}']);
    expect(unresolvedReferences({ method: 'GET', path: '/v1/x/{steps.pi.id}' }, results)).toEqual(
      [],
    );
  });
});
