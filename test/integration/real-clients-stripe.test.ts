/**
 * The official Stripe Node SDK (stripe@9, a 2022 release) against `tapedeck mock` on Stripe's own
 * OpenAPI description (vendored, 2022-04): form bodies with nested fields, auto-pagination and
 * the SDK's error classes, which it picks from the error body's shape (`{ error: { type,
 * message, param } }`) and the status. Every request the SDK makes must reach the mock on
 * 127.0.0.1: the SDK is given that host explicitly, and its own response events are counted
 * against the mock's journal.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeMockServer } from '../../src/app/compose/spec.js';
import { resolveConfig } from '../../src/app/config/config.js';
import type { MockServer } from '../../src/app/mock/server.js';
import { CollectingLogger } from '../helpers/logger.js';

const SPEC_GZ = join(import.meta.dirname, '../../bench/fixtures/stripe-openapi-2022-04.json.gz');

let dir: string;
let server: MockServer;
let port: number;
let origin: string;
/** Every request the SDK sent, as `METHOD path` (its own `request` events, emitted before sending). */
let seen: string[] = [];

interface JournalEntry {
  readonly layer: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapedeck-stripe-'));
  const spec = join(dir, 'stripe.json');
  writeFileSync(spec, gunzipSync(readFileSync(SPEC_GZ)));
  const config = resolveConfig({
    cwd: dir,
    env: {},
    flags: [
      { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
      { pointer: '/server/port', value: 0, flag: '--port' },
    ],
  }).config;
  server = await composeMockServer(spec, config, new CollectingLogger(), { watch: false });
  origin = await server.listen();
  port = Number(new URL(origin).port);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function client(key = 'sk_test_tapedeck'): Stripe {
  const stripe = new Stripe(key, {
    apiVersion: '2020-08-27',
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
  stripe.on('request', (event: { method: string; path: string }) => {
    seen.push(`${event.method} ${event.path.split('?')[0]}`);
  });
  return stripe;
}

/** The mock's journal entries of the spec layer, oldest first. */
async function journal(): Promise<JournalEntry[]> {
  const response = await fetch(`${origin}/__tapedeck/journal?limit=10000`);
  const { entries } = (await response.json()) as { entries: JournalEntry[] };
  return entries.filter((e) => e.layer === 'spec').reverse();
}

let before = 0;
beforeEach(async () => {
  seen = [];
  before = (await journal()).length;
});

/** Every request the SDK sent was answered by the mock, one journal entry each, in order. */
async function expectAllReachedTheMock(): Promise<JournalEntry[]> {
  const entries = (await journal()).slice(before);
  expect(seen.length).toBeGreaterThan(0);
  expect(entries).toHaveLength(seen.length);
  entries.forEach((entry, i) => {
    const [method, path] = seen[i]!.split(' ') as [string, string];
    expect(entry.method).toBe(method);
    // The journal shows the documented template (`/v1/customers/{customer}`), never the path.
    const template = new RegExp(`^${entry.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    expect(path).toMatch(template);
  });
  return entries;
}

describe('the Stripe SDK against tapedeck mock on Stripe’s spec', () => {
  it('creates, retrieves and updates a customer with metadata', async () => {
    const stripe = client();
    const created = await stripe.customers.create({
      email: 'jenny@example.com',
      metadata: { plan: 'gold', seats: '3' },
      address: { line1: '1 Main St', city: 'Springfield' },
      preferred_locales: ['en', 'fr'],
      expand: ['tax'],
    });
    expect(created.object).toBe('customer');
    expect(created.id).toMatch(/^\S+$/);
    const retrieved = await stripe.customers.retrieve(created.id);
    expect(retrieved.object).toBe('customer');
    const updated = await stripe.customers.update(created.id, {
      metadata: { plan: 'platinum' },
      invoice_settings: { custom_fields: [{ name: 'PO', value: '42' }] },
    });
    expect(updated.object).toBe('customer');
    expect(typeof updated.id).toBe('string');
    const entries = await expectAllReachedTheMock();
    expect(entries.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /v1/customers 200',
      'GET /v1/customers/{customer} 200',
      'POST /v1/customers/{customer} 200',
    ]);
  });

  it('lists customers with auto-pagination, which ends at the limit', async () => {
    const stripe = client();
    const page = await stripe.customers.list({ limit: 3 });
    expect(page.object).toBe('list');
    expect(Array.isArray(page.data)).toBe(true);
    const all = await stripe.customers.list({ limit: 3 }).autoPagingToArray({ limit: 7 });
    expect(all.length).toBeLessThanOrEqual(7);
    for (const customer of all) {
      expect(customer.object).toBe('customer');
      expect(typeof customer.id).toBe('string');
    }
    let counted = 0;
    for await (const customer of stripe.customers.list({ limit: 2 })) {
      expect(customer.object).toBe('customer');
      if (++counted >= 5) break;
    }
    const entries = await expectAllReachedTheMock();
    expect(entries.every((e) => e.path === '/v1/customers' && e.status === 200)).toBe(true);
  });

  it('creates and confirms a payment intent with payment_method_types', async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method_types: ['card'],
      metadata: { order: '1234' },
    });
    expect(intent.object).toBe('payment_intent');
    expect(typeof intent.amount).toBe('number');
    const confirmed = await stripe.paymentIntents.confirm(intent.id, {
      payment_method: 'pm_card_visa',
      payment_method_options: { card: { request_three_d_secure: 'any' } },
    });
    expect(confirmed.object).toBe('payment_intent');
    const entries = await expectAllReachedTheMock();
    expect(entries.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /v1/payment_intents 200',
      'POST /v1/payment_intents/{intent}/confirm 200',
    ]);
  });

  it('throws StripeInvalidRequestError naming the parameter for an invalid request', async () => {
    const stripe = client();
    const error = await stripe.paymentIntents
      .create({ amount: 'twenty' as unknown as number, currency: 'usd' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const invalid = error as Stripe.errors.StripeInvalidRequestError;
    expect(invalid.statusCode).toBe(400);
    expect(invalid.type).toBe('StripeInvalidRequestError');
    expect(invalid.param).toBe('amount');
    expect(invalid.message).toContain('amount');
    expect(invalid.message).toContain('must be integer');
    // The value sent is never echoed.
    expect(invalid.message).not.toContain('twenty');
    expect(invalid.raw).toMatchObject({ type: 'invalid_request_error', param: 'amount' });
    // A nested field is named as the SDK sent it (the spec allows 30 characters here).
    const nested = await stripe.customers
      .create({
        invoice_settings: { custom_fields: [{ name: 'n'.repeat(31), value: 'v' }] },
      })
      .then(
        () => undefined,
        (e: unknown) => e as Stripe.errors.StripeInvalidRequestError,
      );
    expect(nested).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(nested?.param).toBe('invoice_settings[custom_fields][0][name]');
    expect(nested?.message).toContain('must NOT have more than 30 characters');
    const entries = await expectAllReachedTheMock();
    expect(entries.map((e) => e.status)).toEqual([400, 400]);
  });

  it('throws StripeAuthenticationError when the key is missing', async () => {
    const stripe = client('');
    const error = await stripe.customers.list().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const auth = error as Stripe.errors.StripeAuthenticationError;
    expect(auth.statusCode).toBe(401);
    expect(auth.message).toMatch(/credentials/);
    expect(auth.raw).toMatchObject({ type: 'invalid_request_error' });
    await expectAllReachedTheMock();
  });

  it('answers 406 and 415 in Stripe’s shape without echoing the client’s Accept or Content-Type', async () => {
    const canary = 'x-canary-5f3a9e';
    const accept = `text/${canary}, ${Array.from({ length: 800 }, (_, i) => `text/t${i}`).join(', ')}`;
    const refusals = [
      await fetch(`${origin}/v1/customers`, {
        headers: { authorization: 'Bearer sk_test_x', accept },
      }),
      await fetch(`${origin}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer sk_test_x',
          'content-type': `application/${canary}; charset=${canary}`,
        },
        body: 'email=a@example.com',
      }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([406, 415]);
    for (const response of refusals) {
      const text = await response.text();
      const json = JSON.parse(text) as { error: { type: string; message: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message.length).toBeGreaterThan(0);
      expect(text).not.toContain(canary);
    }
  });

  it('answers a form body that is too deep or too wide with a 400 in Stripe’s shape', async () => {
    const deep = `metadata${'[a]'.repeat(40)}=1`;
    const wide = Array.from({ length: 3000 }, (_, i) => `metadata[k${i}]=v`).join('&');
    for (const body of [deep, wide, '__proto__[polluted]=1&constructor[prototype][x]=1']) {
      const response = await fetch(`${origin}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer sk_test_x',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      expect(response.status).toBe(400);
      const json = (await response.json()) as { error: { type: string; message: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message).not.toContain('polluted=1');
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
