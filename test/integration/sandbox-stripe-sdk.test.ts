/**
 * The "done when": the official Stripe SDK (stripe@9, apiVersion 2020-08-27) against
 * `tapedeck sandbox` on Stripe's own OpenAPI description (vendored, 2022-04) with the stripe
 * profile, the tenant clock frozen. One flow through customers (create, retrieve, update with
 * metadata unset, auto-pagination, delete), payment methods, payment intents (confirm, the
 * forbidden second confirm), refunds, idempotent retries, a second tenant and a live key, and
 * every request the SDK sent is in the sandbox's journal.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

let sandbox: RunningSandbox;
let key: string;
let otherKey: string;
/** Every request the SDK sent, as `METHOD path` (its own `request` events). */
const seen: string[] = [];
/** Frozen tenant time, in Unix seconds. */
let frozenSeconds: number;

interface JournalEntry {
  readonly layer: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly tenant?: string;
}

beforeAll(async () => {
  sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
  key = await sandbox.createTenant('acme');
  otherKey = await sandbox.createTenant('globex');
  const clock = await sandbox.admin('POST', 'tenants/acme/clock', { freeze: true });
  expect(clock.status).toBe(200);
  const view = (await clock.json()) as { now: string; frozen: boolean };
  expect(view.frozen).toBe(true);
  frozenSeconds = Math.floor(Date.parse(view.now) / 1000);
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

function client(apiKey = key, retries = 0): Stripe {
  const stripe = new Stripe(apiKey, {
    apiVersion: '2020-08-27',
    host: '127.0.0.1',
    port: sandbox.port,
    protocol: 'http',
    maxNetworkRetries: retries,
    telemetry: false,
  });
  stripe.on('request', (event: { method: string; path: string }) => {
    seen.push(`${event.method} ${event.path.split('?')[0]}`);
  });
  return stripe;
}

async function rejection<T>(promise: Promise<T>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('the Stripe SDK against tapedeck sandbox on Stripe’s spec', () => {
  it('runs the whole flow with state, per tenant', async () => {
    const stripe = client();

    // Customers: create → retrieve → update (unsetting one metadata key).
    const created = await stripe.customers.create({
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      metadata: { order: '1', plan: 'gold' },
    });
    expect(created.id).toMatch(/^cus_[0-9A-Za-z]{14}$/);
    expect(created.object).toBe('customer');
    expect(created.livemode).toBe(false);
    expect(created.created).toBe(frozenSeconds);
    expect(created.email).toBe('jenny@example.com');
    expect(created.metadata).toEqual({ order: '1', plan: 'gold' });
    const retrieved = await stripe.customers.retrieve(created.id);
    expect(retrieved).toEqual(created);
    const updated = await stripe.customers.update(created.id, {
      metadata: { plan: 'platinum', order: '' },
    });
    expect(updated.metadata).toEqual({ plan: 'platinum' });
    const reread = (await stripe.customers.retrieve(created.id)) as Stripe.Customer;
    expect(reread.metadata).toEqual({ plan: 'platinum' });

    // 25 more; auto-pagination sees all 26 once, newest first.
    const more: string[] = [];
    for (let i = 0; i < 25; i++)
      more.push((await stripe.customers.create({ email: `c${i}@example.com` })).id);
    const all = await stripe.customers.list({ limit: 10 }).autoPagingToArray({ limit: 100 });
    expect(all.map((c) => c.id)).toEqual([...more].reverse().concat(created.id));
    expect(new Set(all.map((c) => c.id)).size).toBe(26);

    // Delete: a tombstone, still retrievable as deleted, gone from the list.
    const deleted = await stripe.customers.del(more[0]!);
    expect(deleted).toMatchObject({ id: more[0], object: 'customer', deleted: true });
    const stub = (await stripe.customers.retrieve(more[0]!)) as Stripe.DeletedCustomer;
    expect(stub).toMatchObject({ id: more[0], deleted: true });
    const afterDelete = await stripe.customers.list({ limit: 100 });
    expect(afterDelete.data.map((c) => c.id)).not.toContain(more[0]);
    expect(afterDelete.data).toHaveLength(25);

    // A payment method from test card data: the number and cvc never reach state.
    const method = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' },
    });
    expect(method.id).toMatch(/^pm_[0-9A-Za-z]{24}$/);
    const attached = await stripe.paymentMethods.attach(method.id, { customer: created.id });
    expect(attached.customer).toBe(created.id);
    const stored = await stripe.paymentMethods.retrieve(method.id);
    expect(JSON.stringify(stored)).not.toContain('4242424242424242');
    expect(JSON.stringify(stored)).not.toContain('"cvc"');

    // A payment intent: requires_confirmation → confirm → succeeded; a second confirm refused.
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: created.id,
      payment_method: method.id,
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.status).toBe('requires_confirmation');
    const confirmed = await stripe.paymentIntents.confirm(intent.id);
    expect(confirmed.status).toBe('succeeded');
    expect(confirmed.amount_received).toBe(2000);
    const again = await rejection(stripe.paymentIntents.confirm(intent.id));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((again as Stripe.errors.StripeInvalidRequestError).code).toBe(
      'payment_intent_unexpected_state',
    );
    expect((again as Stripe.errors.StripeInvalidRequestError).statusCode).toBe(400);

    // A refund of it: the amount and currency from the intent, listed by payment_intent.
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.id).toMatch(/^re_/);
    expect(refund.amount).toBe(2000);
    expect(refund.status).toBe('succeeded');
    const refunds = await stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((r) => r.id)).toEqual([refund.id]);

    // Idempotency: the same key twice → one customer, replayed; other parameters → refused.
    const first = await stripe.customers.create(
      { email: 'idem@example.com' },
      { idempotencyKey: 'order-42' },
    );
    const replayed = await stripe.customers.create(
      { email: 'idem@example.com' },
      { idempotencyKey: 'order-42' },
    );
    expect(replayed.id).toBe(first.id);
    expect(replayed.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    const mismatch = await rejection(
      stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'order-42' }),
    );
    expect(mismatch).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((mismatch as Stripe.errors.StripeIdempotencyError).message).toContain('order-42');

    // Another tenant: tenant 1's customer does not exist there, and its list is empty.
    const other = client(otherKey);
    const missing = await rejection(other.customers.retrieve(created.id));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((missing as Stripe.errors.StripeInvalidRequestError).statusCode).toBe(404);
    expect((missing as Stripe.errors.StripeInvalidRequestError).code).toBe('resource_missing');
    expect((await other.customers.list()).data).toEqual([]);
    // The same idempotency key there is another key.
    const theirs = await other.customers.create(
      { email: 'idem@example.com' },
      { idempotencyKey: 'order-42' },
    );
    expect(theirs.id).not.toBe(first.id);

    // A live key is refused before anything else.
    const live = client(`sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`);
    const refused = await rejection(live.customers.list());
    expect(refused).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((refused as Stripe.errors.StripeAuthenticationError).message).toContain('live key');

    // Every request the SDK sent reached the sandbox: one journal entry each, in order.
    const response = await fetch(`${sandbox.url}/__tapedeck/journal?limit=10000`, {
      headers: { authorization: `Bearer ${sandbox.adminToken}` },
    });
    const { entries } = (await response.json()) as { entries: JournalEntry[] };
    const served = entries.filter((e) => !e.path.startsWith('/__tapedeck/')).reverse();
    expect(served).toHaveLength(seen.length);
    served.forEach((entry, i) => {
      const [sentMethod, sentPath] = seen[i]!.split(' ') as [string, string];
      expect(entry.method).toBe(sentMethod);
      const template = new RegExp(`^${entry.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      expect(sentPath).toMatch(template);
    });
    // Stateful answers come from state; the replay and the mismatch from idempotency.
    expect(served.filter((e) => e.layer === 'idempotency').map((e) => e.status)).toEqual([
      200, 400,
    ]);
    expect(served.filter((e) => e.layer === 'state').length).toBeGreaterThan(40);
    // Each answer after the tenant layer is journaled with its tenant (two tenants here).
    const tenants = new Set(served.filter((e) => e.layer !== 'tenant').map((e) => e.tenant));
    expect(tenants.size).toBe(2);
    expect([...tenants].every((t) => typeof t === 'string')).toBe(true);
    expect(served.find((e) => e.layer === 'tenant')?.tenant).toBeUndefined();
    expect(served.filter((e) => e.layer === 'tenant')).toHaveLength(1);
  }, 120_000);
});
