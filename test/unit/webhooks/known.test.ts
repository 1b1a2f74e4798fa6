import { describe, expect, it } from 'vitest';
import { refuseUnknownEvents } from '../../../src/app/webhooks/admin.js';
import { isTapedeckError } from '../../../src/core/errors.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { inferModel } from '../../../src/core/sandbox/state/infer.js';
import { knownEvents } from '../../../src/core/webhooks/emitted.js';
import { checkFilter, type KnownEvents } from '../../../src/core/webhooks/known.js';
import { stripeSpec } from '../sandbox/specs.js';

const stripe = PRESETS.stripe;
const model = inferModel({
  spec: stripeSpec(),
  cassettes: [],
  profile: stripe,
  overrides: {},
  notResources: [],
});
const scenarios = {
  scenarios: stripe.scenarios.map((s) => ({ ...s, source: 'preset:stripe', pointer: '' })),
};

/** The stripe sandbox with its spec: what `tapedeck sandbox --spec stripe.json` can emit. */
const full = knownEvents({
  naming: stripe.events.naming,
  model,
  triggers: stripe.webhooks.triggers,
  scenarios,
  samples: [{ type: 'account.updated' }],
  specDocument: {
    webhooks: { 'invoice.finalized': {} },
    paths: {
      '/v1/subscriptions': {
        post: {
          callbacks: { 'subscription.renewed': { '{$request.body#/url}': {} } },
        },
        get: {
          callbacks: { onRenew: { 'x-tapedeck-event': 'subscription.marked', x: {} } },
        },
      },
    },
  },
});

/** The same profile without a spec or recordings at hand (a CLI on a bare state directory). */
const partial = knownEvents({
  naming: stripe.events.naming,
  overrides: Object.values(stripe.resources.overrides),
  triggers: stripe.webhooks.triggers,
  scenarios,
});

function refusal(events: string[], known: KnownEvents) {
  try {
    refuseUnknownEvents(events, known);
  } catch (error) {
    if (isTapedeckError(error)) return error;
    throw error;
  }
  throw new Error(`${events.join(', ')} was not refused`);
}

describe('knownEvents: what a sandbox can emit', () => {
  it("lists the model's created/updated/deleted, lifecycle, trigger, scenario, spec and sample events", () => {
    expect(full.complete).toBe(true);
    for (const type of [
      'customer.created',
      'customer.updated',
      'customer.deleted',
      'payment_intent.succeeded', // a lifecycle action's
      'payment_intent.canceled',
      'charge.refunded', // a create's
      'customer.subscription.deleted', // an action of subscriptions
      'payment_intent.payment_failed', // a scenario's state outcome
      'invoice.finalized', // the spec's webhooks
      'subscription.renewed', // a callback's name
      'subscription.marked', // a callback marked x-tapedeck-event
      'account.updated', // a recorded sample
    ])
      expect(full.types, type).toContain(type);
    expect(full.types).toEqual([...full.types].sort());
    expect(full.types).not.toContain('onRenew.created');
  });

  it('without the model: only what is declared, and not complete', () => {
    expect(partial.complete).toBe(false);
    expect(partial.types).toContain('payment_intent.succeeded');
    expect(partial.types).toContain('payment_intent.payment_failed');
    expect(partial.types).not.toContain('customer.created');
  });
});

describe('checkFilter', () => {
  it('knows `*`, known types and groups some known type is in', () => {
    for (const f of ['*', 'customer.created', 'charge.*', 'customer.*', 'customer.subscription.*'])
      expect(checkFilter(f, full), f).toEqual({ kind: 'known' });
  });

  it('refuses a mistyped type with the nearest known ones', () => {
    expect(checkFilter('custmer.created', full)).toEqual({
      kind: 'unknown',
      nearest: ['customer.created'],
    });
    expect(checkFilter('payment_intent.succeded', full)).toEqual({
      kind: 'unknown',
      nearest: ['payment_intent.succeeded'],
    });
    expect(checkFilter('custmer.*', full)).toEqual({ kind: 'unknown', nearest: ['customer.*'] });
  });

  it("without the model: a type of the model's shape is unchecked; anything else is checked", () => {
    expect(checkFilter('custmer.created', partial)).toEqual({ kind: 'unchecked' });
    expect(checkFilter('custmer.*', partial)).toEqual({ kind: 'unchecked' });
    expect(checkFilter('payment_intent.*', partial)).toEqual({ kind: 'known' });
    // No model event ends in `succeded`: the typo is caught without the spec.
    expect(checkFilter('payment_intent.succeded', partial)).toEqual({
      kind: 'unknown',
      nearest: ['payment_intent.succeeded'],
    });
  });
});

describe('refuseUnknownEvents', () => {
  it('names every unknown entry with its suggestion, as TD_USAGE on events', () => {
    const error = refusal(['customer.created', 'custmer.created', 'invoice.updatd'], full);
    expect(error.code).toBe('TD_USAGE');
    expect(error.message).toContain('"custmer.created" (did you mean customer.created?)');
    expect(error.message).toContain('"invoice.updatd" (did you mean invoice.updated?)');
    expect(error.details).toMatchObject({
      field: 'events',
      unknown: ['custmer.created', 'invoice.updatd'],
      nearest: ['customer.created', 'invoice.updated'],
    });
  });

  it('lists known types when none is near', () => {
    const error = refusal(['zzzz.qqqq'], full);
    expect(error.message).toMatch(
      /"zzzz\.qqqq" \(none is close; known: account\.created, .+, … \(\d+ in all\)\): an endpoint/,
    );
    expect(error.details).toMatchObject({ unknown: ['zzzz.qqqq'], nearest: [] });
  });

  it('accepts known, unchecked and every-event filters', () => {
    expect(() => refuseUnknownEvents(['customer.created', 'charge.*'], full)).not.toThrow();
    expect(() => refuseUnknownEvents(['custmer.created'], partial)).not.toThrow();
    expect(() => refuseUnknownEvents(null, full)).not.toThrow();
  });
});
