/**
 * The stripe preset's scenarios through the official Stripe SDK (stripe@9): a declining test
 * card throws a StripeCardError with Stripe's decline code and leaves the payment intent
 * `requires_payment_method` with `last_payment_error`, whether it was confirmed at the create or
 * later; a timeout after the request ran, retried with the same Idempotency-Key, gets the stored
 * answer; the journal names the scenario and why it fired, never the card.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioDecl } from '../../src/core/sandbox/scenarios/types.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

const HANG_AFTER: ScenarioDecl = {
  name: 'hang-after',
  description: 'The customer is created, then the connection hangs and is dropped.',
  operations: ['POST /v1/customers'],
  triggers: [],
  outcome: { fault: 'timeout', ms: 100, at: 'after' },
};

const DECLINE_ARMED: ScenarioDecl = {
  name: 'decline-armed',
  description: 'While armed, a confirmation declines.',
  operations: ['POST /v1/payment_intents/{intent}/confirm'],
  triggers: [{ armed: true }],
  outcome: {
    state: {
      action: 'payment_failed',
      from: ['requires_payment_method', 'requires_confirmation'],
      set: { status: 'requires_payment_method' },
      error: { status: 402, type: 'card_error', code: 'card_declined', message: 'Declined.' },
      embed: 'payment_intent',
    },
  },
};

let sandbox: RunningSandbox;
let key: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    spec: stripeSpecFile(),
    profile: 'stripe',
    flags: [{ pointer: '/sandbox/scenarios', value: [HANG_AFTER, DECLINE_ARMED], flag: 'test' }],
  });
  key = await sandbox.createTenant('acme');
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

function client(): Stripe {
  return new Stripe(key, {
    apiVersion: '2020-08-27',
    host: '127.0.0.1',
    port: sandbox.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

async function rejection<T>(promise: Promise<T>): Promise<Record<string, unknown>> {
  return promise.then(
    () => ({}),
    (e: unknown) => e as Record<string, unknown>,
  );
}

describe('the stripe preset’s declining cards through the Stripe SDK', () => {
  it('declines at the create with confirm: true, and leaves the intent requires_payment_method', async () => {
    const stripe = client();
    const error = await rejection(
      stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        payment_method: 'pm_card_visa_chargeDeclined',
        confirm: true,
      }),
    );
    expect(error['type']).toBe('StripeCardError');
    expect(error['statusCode']).toBe(402);
    expect(error['code']).toBe('card_declined');
    expect(error['decline_code']).toBe('generic_decline');
    const raw = error['raw'] as { payment_intent: { id: string } };
    const intent = await stripe.paymentIntents.retrieve(raw.payment_intent.id);
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error?.code).toBe('card_declined');
    expect(intent.last_payment_error?.decline_code).toBe('generic_decline');
  });

  it('answers insufficient_funds for its card', async () => {
    const error = await rejection(
      client().paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds',
        confirm: true,
      }),
    );
    expect(error['type']).toBe('StripeCardError');
    expect(error['decline_code']).toBe('insufficient_funds');
  });

  it('a create with the declining card succeeds; the confirm declines', async () => {
    const stripe = client();
    const created = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      payment_method: 'pm_card_visa_chargeDeclined',
    });
    expect(created.status).toBe('requires_confirmation');
    const error = await rejection(stripe.paymentIntents.confirm(created.id));
    expect(error['type']).toBe('StripeCardError');
    expect(error['decline_code']).toBe('generic_decline');
    const after = await stripe.paymentIntents.retrieve(created.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error?.code).toBe('card_declined');
    // A good card confirms it afterwards.
    const confirmed = await stripe.paymentIntents.confirm(created.id, {
      payment_method: 'pm_card_visa',
    });
    expect(confirmed.status).toBe('succeeded');
  });

  it('a raw card number is refused as the spec says, journaled without the number or a scenario', async () => {
    const response = await fetch(`${sandbox.url}/v1/payment_intents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        amount: '900',
        currency: 'usd',
        confirm: 'true',
        'payment_method_data[card][number]': '4000000000000002',
        'payment_method_data[card][exp_month]': '12',
        'payment_method_data[card][exp_year]': '2034',
      }).toString(),
    });
    // The vendored spec (2022-04) has no `card` in payment_method_data (Stripe takes raw numbers
    // only from its own forms): spec validation refuses the body, and no scenario fires.
    expect(response.status).toBe(400);
    expect(response.headers.get('x-tapedeck-scenario')).toBeNull();
    const journal = await (await sandbox.admin('GET', 'journal?limit=500')).text();
    const kept = await (await sandbox.admin('GET', 'journal?limit=500&kept=1')).text();
    for (const text of [journal, kept]) {
      expect(text).not.toContain('4000000000000002');
      expect(text).not.toContain('pm_card_visa_chargeDeclined');
    }
    const entries = (JSON.parse(journal) as { entries: Record<string, unknown>[] }).entries;
    const last = entries.find((e) => e['path'] === '/v1/payment_intents' && e['status'] === 400);
    expect(last).toBeDefined();
    expect(last?.['scenario']).toBeUndefined();
    const fired = entries.filter((e) => e['scenario'] === 'card_declined');
    expect(fired.map((e) => e['firedBy'])).toEqual(
      expect.arrayContaining([
        'value body payment_method oneOf',
        'value resource payment_method oneOf',
      ]),
    );
  });

  it('a timeout after the request ran, retried with the same Idempotency-Key, gets the stored answer', async () => {
    const send = (extra: Record<string, string>) =>
      fetch(`${sandbox.url}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': 'hang-1',
          ...extra,
        },
        body: 'email=hang%40example.com',
      });
    const lost = await send({ 'x-tapedeck-scenario': 'hang-after' }).then(
      () => 'answered',
      () => 'lost',
    );
    expect(lost).toBe('lost');
    const retry = await send({});
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const customer = (await retry.json()) as { id: string; email: string };
    expect(customer.email).toBe('hang@example.com');
    const list = (await client().customers.list({ email: 'hang@example.com' })).data;
    expect(list.map((c) => c.id)).toEqual([customer.id]);
  });

  it('an armed decline answered by an idempotent replay keeps its firing for the next confirm', async () => {
    const stripe = client();
    const intent = () =>
      stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        payment_method: 'pm_card_visa',
      });
    const [a, b, c] = [await intent(), await intent(), await intent()];
    const first = await stripe.paymentIntents.confirm(a.id, {}, { idempotencyKey: 'armed-1' });
    expect(first.status).toBe('succeeded');

    const armed = await sandbox.admin('POST', 'tenants/acme/scenarios', {
      scenario: 'decline-armed',
      count: 1,
    });
    expect(armed.status).toBe(201);
    // The same key again: the stored success answers, and the arm keeps its one firing.
    const replayed = await stripe.paymentIntents.confirm(a.id, {}, { idempotencyKey: 'armed-1' });
    expect(replayed.status).toBe('succeeded');
    // The journal does not say the scenario fired for it.
    const { entries } = (await (await sandbox.admin('GET', 'journal?limit=5')).json()) as {
      entries: Record<string, unknown>[];
    };
    // Newest first.
    expect(entries[0]).toMatchObject({ layer: 'idempotency' });
    expect(entries[0]?.['scenario']).toBeUndefined();
    const left = (await (await sandbox.admin('GET', 'tenants/acme/scenarios')).json()) as {
      armed: { scenario: string; remaining?: number }[];
    };
    expect(left.armed).toEqual([
      expect.objectContaining({ scenario: 'decline-armed', remaining: 1 }),
    ]);

    const declined = await rejection(stripe.paymentIntents.confirm(b.id));
    expect(declined).toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
    expect((await stripe.paymentIntents.retrieve(b.id)).status).toBe('requires_payment_method');
    // Spent: the next confirm is not declined.
    expect((await stripe.paymentIntents.confirm(c.id)).status).toBe('succeeded');
  });
});
