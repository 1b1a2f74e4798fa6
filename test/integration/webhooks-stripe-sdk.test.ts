/**
 * Issue 15 end to end, through a real `tapedeck sandbox` (stripe profile, the vendored Stripe
 * spec, SQLite state) and a real receiver on a loopback port: the Stripe SDK confirms a payment
 * intent, the receiver gets `payment_intent.succeeded` and verifies it with the SDK's own
 * `webhooks.constructEvent`, the confirmed intent is in `data.object`, and the delivery log
 * shows the attempt. Then a retry on the tenant's frozen clock (advanced, not slept), and a
 * trigger that runs the flow through the sandbox so the objects it names exist.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly type: string;
}

/** A webhook receiver: records each delivery, answers with the next planned status (200 after). */
class Receiver {
  readonly received: Received[] = [];
  /** Statuses to answer the next deliveries of a type with, in turn (then 200). */
  readonly planned = new Map<string, number[]>();
  private waiters: { type: string; n: number; resolve: () => void }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const type = (JSON.parse(body) as { type: string }).type;
        this.received.push({ headers: req.headers, body, type });
        res.statusCode = this.planned.get(type)?.shift() ?? 200;
        res.end('ok');
        this.waiters = this.waiters.filter((w) => {
          if (this.of(w.type).length < w.n) return true;
          w.resolve();
          return false;
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  of(type: string): Received[] {
    return this.received.filter((r) => r.type === type);
  }

  /** Resolves once `n` deliveries of `type` have arrived. */
  deliveries(type: string, n = 1): Promise<Received[]> {
    if (this.of(type).length >= n) return Promise.resolve(this.of(type));
    return new Promise((resolve) =>
      this.waiters.push({ type, n, resolve: () => resolve(this.of(type)) }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let sandbox: RunningSandbox;
let receiver: Receiver;
let key: string;
let secret: string;

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
  key = await sandbox.createTenant('acme');
  const added = await sandbox.admin('POST', 'tenants/acme/webhooks/endpoints', {
    url: receiver.url,
    events: ['payment_intent.*'],
  });
  expect(added.status).toBe(201);
  secret = ((await added.json()) as { secret: string }).secret;
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
});

/** The SDK's webhook verifier (its `webhooks.constructEvent`); the key is never used. */
const verifier = new Stripe('sk_test_verifier', { apiVersion: '2020-08-27', telemetry: false });

/** The SDK as docs/sandbox.md sets it up: with retries, it sends its own Idempotency-Key. */
function client(maxNetworkRetries = 2): Stripe {
  return new Stripe(key, {
    apiVersion: '2020-08-27',
    host: '127.0.0.1',
    port: sandbox.port,
    protocol: 'http',
    maxNetworkRetries,
    telemetry: false,
  });
}

/** Waits for the dispatcher's drain of acme in progress (a drain asked during one follows it). */
async function settled(): Promise<void> {
  const { tenant } = (await (await sandbox.admin('GET', 'tenants/acme')).json()) as {
    tenant: { id: string };
  };
  expect(tenant.id).toMatch(/\S/);
  await sandbox.server.webhooks!.dispatcher.drain(tenant.id);
}

/** The delivery log of one event: its delivery and its attempts. */
async function logOf(eventId: string) {
  const list = (await (
    await sandbox.admin('GET', `tenants/acme/webhooks/deliveries?event=${eventId}`)
  ).json()) as { deliveries: { id: string }[] };
  expect(list.deliveries).toHaveLength(1);
  return (await (
    await sandbox.admin('GET', `tenants/acme/webhooks/deliveries/${list.deliveries[0]!.id}`)
  ).json()) as {
    delivery: { status: string; attempts: number };
    attempts: { n: number; outcome: string; status?: number }[];
  };
}

describe('webhooks from the stripe sandbox, verified by the Stripe SDK', () => {
  it('a confirmed payment intent sends payment_intent.succeeded, signed as Stripe signs', async () => {
    const intent = await client().paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(intent.status).toBe('succeeded');
    const [delivery] = await receiver.deliveries('payment_intent.succeeded');
    const header = delivery!.headers['stripe-signature'];
    expect(typeof header).toBe('string');
    // The SDK's own check: the signature over the exact bytes, within its 300 s tolerance.
    const event = verifier.webhooks.constructEvent(delivery!.body, header as string, secret);
    expect(event.type).toBe('payment_intent.succeeded');
    expect(event.livemode).toBe(false);
    const object = event.data.object as { id: string; status: string; amount: number };
    expect(object).toMatchObject({ id: intent.id, status: 'succeeded', amount: 2000 });
    expect(event.id).toMatch(/^evt_/);
    // The SDK's own (random) Idempotency-Key, as Stripe's events carry it: not taken for a secret.
    expect(event.request).toMatchObject({
      idempotency_key: expect.stringMatching(/^stripe-node-retry-[0-9a-f-]{36}$/),
    });
    // A wrong secret is refused by the same check.
    expect(() =>
      verifier.webhooks.constructEvent(delivery!.body, header as string, `${secret}x`),
    ).toThrow(/signature/i);

    await settled();
    const log = await logOf(event.id);
    expect(log.delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(log.attempts).toEqual([
      expect.objectContaining({ n: 1, outcome: 'delivered', status: 200 }),
    ]);
    // The secret is in no answer but the one that created the endpoint.
    const listed = await (await sandbox.admin('GET', 'tenants/acme/webhooks/endpoints')).text();
    expect(listed).not.toContain(secret);
    const journal = await (await sandbox.admin('GET', 'journal?limit=500')).text();
    expect(journal).not.toContain(secret);
  });

  it("refuses an endpoint filter of a type the sandbox's model cannot emit (400, the nearest named)", async () => {
    const typo = await sandbox.admin('POST', 'tenants/acme/webhooks/endpoints', {
      url: receiver.url,
      events: ['payment_intent.succeeded', 'custmer.created', 'payment_intent.payment_faild'],
    });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({
      code: 'TD_BAD_REQUEST',
      field: 'events',
      unknown: ['custmer.created', 'payment_intent.payment_faild'],
      nearest: ['customer.created', 'payment_intent.payment_failed'],
    });
    const known = await sandbox.admin('POST', 'tenants/acme/webhooks/endpoints', {
      url: receiver.url,
      events: ['customer.created', 'charge.refunded', 'customer.subscription.*'],
    });
    expect(known.status).toBe(201);
    const { endpoint } = (await known.json()) as { endpoint: { id: string } };
    const del = await sandbox.admin('DELETE', `tenants/acme/webhooks/endpoints/${endpoint.id}`);
    expect(del.status).toBe(200);
  });

  it('a 500 is retried when the frozen tenant clock is advanced past the next attempt', async () => {
    expect((await sandbox.admin('POST', 'tenants/acme/clock', { freeze: true })).status).toBe(200);
    receiver.planned.set('payment_intent.canceled', [500]);
    const before = receiver.of('payment_intent.canceled').length;
    const intent = await client().paymentIntents.create({ amount: 700, currency: 'usd' });
    await client().paymentIntents.cancel(intent.id);
    const [first] = (await receiver.deliveries('payment_intent.canceled', before + 1)).slice(-1);
    const event = verifier.webhooks.constructEvent(
      first!.body,
      first!.headers['stripe-signature'] as string,
      secret,
    );
    // The receiver has answered; the drain that sent it settles the attempt before it resolves.
    await settled();
    expect((await logOf(event.id)).delivery).toMatchObject({ status: 'pending', attempts: 1 });
    // An hour on the tenant's clock, and the answer waits for what fell due.
    const advanced = await sandbox.admin('POST', 'tenants/acme/clock', {
      advance: '1h',
      wait: true,
    });
    expect(advanced.status).toBe(200);
    const deliveries = receiver.of('payment_intent.canceled').slice(before);
    expect(deliveries).toHaveLength(2);
    // The same event id on the retry: the receiver's idempotency key.
    const again = verifier.webhooks.constructEvent(
      deliveries[1]!.body,
      deliveries[1]!.headers['stripe-signature'] as string,
      secret,
    );
    expect(again.id).toBe(event.id);
    const log = await logOf(event.id);
    expect(log.delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(log.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['retry', 500],
      ['delivered', 200],
    ]);
  });

  it('trigger runs the flow in the tenant: the event names an intent that exists', async () => {
    const before = receiver.of('payment_intent.succeeded').length;
    const triggered = await sandbox.admin('POST', 'tenants/acme/webhooks/trigger', {
      event: 'payment_intent.succeeded',
    });
    expect(triggered.status).toBe(200);
    const [delivery] = (await receiver.deliveries('payment_intent.succeeded', before + 1)).slice(
      -1,
    );
    const event = verifier.webhooks.constructEvent(
      delivery!.body,
      delivery!.headers['stripe-signature'] as string,
      secret,
    );
    const id = (event.data.object as { id: string }).id;
    const intent = await client().paymentIntents.retrieve(id);
    expect(intent.status).toBe('succeeded');
  });

  it('a refund sends charge.refunded carrying the charge, refunded, as Stripe does', async () => {
    const added = await sandbox.admin('POST', 'tenants/acme/webhooks/endpoints', {
      url: receiver.url,
      events: ['charge.refunded'],
    });
    expect(added.status).toBe(201);
    const own = ((await added.json()) as { secret: string }).secret;
    const charge = await client().charges.create({
      amount: 2000,
      currency: 'usd',
      source: 'tok_visa',
    });
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, refunded: false });
    // No amount: the whole charge, as at Stripe.
    const refund = await client().refunds.create({ charge: charge.id });
    expect(refund).toMatchObject({ object: 'refund', charge: charge.id, amount: 2000 });
    const [delivery] = await receiver.deliveries('charge.refunded');
    const event = verifier.webhooks.constructEvent(
      delivery!.body,
      delivery!.headers['stripe-signature'] as string,
      own,
    );
    expect(event.type).toBe('charge.refunded');
    expect(event.data.object).toMatchObject({
      id: charge.id,
      object: 'charge',
      amount: 2000,
      amount_refunded: 2000,
      refunded: true,
    });
    expect(event.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false });
    expect(await client().charges.retrieve(charge.id)).toMatchObject({
      refunded: true,
      amount_refunded: 2000,
    });

    // The preset's trigger makes the same event the same way.
    const triggered = await sandbox.admin('POST', 'tenants/acme/webhooks/trigger', {
      event: 'charge.refunded',
    });
    expect(triggered.status).toBe(200);
    const [again] = (await receiver.deliveries('charge.refunded', 2)).slice(-1);
    const made = JSON.parse(again!.body) as { data: { object: { object: string; id: string } } };
    expect(made.data.object.object).toBe('charge');
    expect((await client().charges.retrieve(made.data.object.id)).refunded).toBe(true);
  });
});
