/**
 * Issue 16, the evidence of a run, through real sandboxes (SQLite state, port 0) and real
 * clients: the Stripe SDK reads the `Request-Id` the journal names; each journal entry of a
 * create, a list, a replayed key and an invalid request carries its operation, idempotency
 * outcome, page, conformance and events; Stripe's event envelope names the request; events keep
 * their request id across a restart; and a `traceparent` sent by undici reaches the webhook a
 * receiver verifies with the `standardwebhooks` package, as a child span of the same trace.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import type { JournalEntry } from '../../src/core/ports/index.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

const REQUEST_ID = /^req_[0-9A-Za-z]{24}$/;

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A receiver on a loopback port: every delivery kept, answered 200. */
class Receiver {
  readonly received: Received[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.end('ok');
        this.waiters = this.waiters.filter((w) => {
          if (this.received.length < w.n) return true;
          w.resolve();
          return false;
        });
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Resolves once `n` deliveries have arrived in all. */
  arrived(n: number): Promise<Received[]> {
    if (this.received.length >= n) return Promise.resolve(this.received);
    return new Promise((resolve) =>
      this.waiters.push({ n, resolve: () => resolve(this.received) }),
    );
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server === undefined) return;
    this.server.close();
    await once(this.server, 'close');
  }
}

/**
 * The sandbox's journal as kept (SQLite), newest first: the in-memory window (A1's) does not
 * hold the issue-16 facts yet.
 */
async function journal(sandbox: RunningSandbox): Promise<JournalEntry[]> {
  const answer = await sandbox.admin('GET', 'journal?limit=1000&kept=1');
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { entries: JournalEntry[] }).entries;
}

/** The one journal entry of a request id. */
async function entryOf(sandbox: RunningSandbox, requestId: string | undefined) {
  expect(requestId).toMatch(REQUEST_ID);
  const found = (await journal(sandbox)).filter((e) => e.requestId === requestId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('the stripe sandbox: request ids and journal facts, seen by the Stripe SDK', () => {
  let sandbox: RunningSandbox;
  let receiver: Receiver;
  let stripe: Stripe;
  let stateDir: string;
  let keep: string;

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    keep = mkdtempSync(join(tmpdir(), 'tapedeck-evidence-state-'));
    stateDir = join(keep, 'state');
    sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe', stateDir });
    const key = await sandbox.createTenant('acme');
    const added = await sandbox.admin('POST', 'tenants/acme/webhooks/endpoints', {
      url: receiver.url,
      events: ['customer.created'],
    });
    expect(added.status).toBe(201);
    stripe = new Stripe(key, {
      apiVersion: '2020-08-27',
      host: '127.0.0.1',
      port: sandbox.port,
      protocol: 'http',
      maxNetworkRetries: 0,
      telemetry: false,
    });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.close();
    if (keep !== undefined) rmSync(keep, { recursive: true, force: true });
  });

  it("a create: the SDK's requestId is the journal's, with operation, key, conformance and events", async () => {
    const customer = await stripe.customers.create(
      { email: 'a@example.com' },
      { idempotencyKey: 'evidence-create-1' },
    );
    const requestId = customer.lastResponse.requestId;
    const entry = await entryOf(sandbox, requestId);
    expect(entry).toMatchObject({
      method: 'POST',
      status: 200,
      layer: 'state',
      operation: 'PostCustomers',
      route: '/v1/customers',
      idempotency: 'fresh',
      idempotencyKeyHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      conforms: true,
      events: [expect.stringMatching(/^evt_/)],
    });
    expect(entry.tenantAt).toEqual(expect.any(Number));
    expect(entry).not.toHaveProperty('violations');
    expect(entry).not.toHaveProperty('traceId');
    // Stripe's envelope names the request that caused the event.
    const [delivery] = await receiver.arrived(1);
    const event = JSON.parse(delivery!.body) as {
      id: string;
      request: { id: string | null; idempotency_key: string | null };
    };
    expect(event.id).toBe(entry.events![0]);
    expect(event.request).toEqual({ id: requestId, idempotency_key: 'evidence-create-1' });
  });

  it('a replayed key answers with its own request id; another body under the key is a conflict', async () => {
    const first = await stripe.customers.create(
      { email: 'b@example.com' },
      { idempotencyKey: 'evidence-replay' },
    );
    const again = await stripe.customers.create(
      { email: 'b@example.com' },
      { idempotencyKey: 'evidence-replay' },
    );
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.requestId).not.toBe(first.lastResponse.requestId);
    const fresh = await entryOf(sandbox, first.lastResponse.requestId);
    const replayed = await entryOf(sandbox, again.lastResponse.requestId);
    expect(replayed).toMatchObject({
      layer: 'idempotency',
      idempotency: 'replayed',
      idempotencyKeyHash: fresh.idempotencyKeyHash,
    });
    // A replay made no event; only the fresh request did.
    expect(replayed).not.toHaveProperty('events');
    expect(fresh.events).toHaveLength(1);
    const refused = await stripe.customers
      .create({ email: 'c@example.com' }, { idempotencyKey: 'evidence-replay' })
      .then(
        () => undefined,
        (error: unknown) => error as Stripe.errors.StripeError,
      );
    expect(refused?.statusCode).toBe(400);
    const conflict = await entryOf(sandbox, refused?.requestId);
    expect(conflict).toMatchObject({ idempotency: 'conflict', status: 400 });
  });

  it('a list records its page: more pages, and whether it asked for a later one', async () => {
    const firstPage = await stripe.customers.list({ limit: 1 });
    expect(firstPage.has_more).toBe(true);
    expect(await entryOf(sandbox, firstPage.lastResponse.requestId)).toMatchObject({
      method: 'GET',
      operation: 'GetCustomers',
      route: '/v1/customers',
      conforms: true,
      page: { more: true, cursor: false },
    });
    const later = await stripe.customers.list({
      limit: 100,
      starting_after: firstPage.data[0]!.id,
    });
    expect(later.has_more).toBe(false);
    expect(await entryOf(sandbox, later.lastResponse.requestId)).toMatchObject({
      page: { more: false, cursor: true },
    });
  });

  it('an invalid request does not conform: each violation by place and rule, never the value', async () => {
    const refused = await stripe.customers
      .create({ balance: 'not-a-number-7c1d' as unknown as number })
      .then(
        () => undefined,
        (error: unknown) => error as Stripe.errors.StripeError,
      );
    expect(refused?.statusCode).toBe(400);
    const entry = await entryOf(sandbox, refused?.requestId);
    expect(entry).toMatchObject({ operation: 'PostCustomers', conforms: false });
    expect(entry.violations).toEqual([expect.stringMatching(/^body .*balance.*: /)]);
    expect(JSON.stringify(entry)).not.toContain('not-a-number-7c1d');
    expect(entry).not.toHaveProperty('events');
  });

  it('admin answers carry a request id too', async () => {
    const answer = await sandbox.admin('GET', 'tenants/acme');
    expect(answer.headers.get('request-id')).toMatch(REQUEST_ID);
    await answer.body?.cancel();
  });

  it('events keep the request id of their request across a restart', async () => {
    const customer = await stripe.customers.create({ email: 'restart@example.com' });
    const entry = await entryOf(sandbox, customer.lastResponse.requestId);
    const { tenant } = (await (await sandbox.admin('GET', 'tenants/acme')).json()) as {
      tenant: { id: string };
    };
    await sandbox.stop();
    const state = openSqliteState(stateDir);
    try {
      const events = await state.events.list(tenant.id, 0, 1000);
      const made = events.find((e) => e.id === entry.events![0]);
      expect(made).toMatchObject({
        type: 'customer.created',
        requestId: customer.lastResponse.requestId,
      });
      // Every event a request made names its request.
      expect(events.every((e) => REQUEST_ID.test(e.requestId ?? ''))).toBe(true);
    } finally {
      await state.close();
    }
  });
});

/** A widgets API for the standard profile (Standard Webhooks signatures). */
const WIDGETS = {
  openapi: '3.1.0',
  info: { title: 'Widgets', version: '1' },
  paths: {
    '/widgets': {
      post: {
        operationId: 'createWidget',
        requestBody: {
          content: {
            'application/json': {
              schema: { type: 'object', properties: { name: { type: 'string' } } },
            },
          },
        },
        responses: {
          '201': {
            description: 'Created.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
          },
        },
      },
    },
    '/widgets/{id}': {
      get: {
        operationId: 'getWidget',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'A widget.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Widget: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      },
    },
  },
};

describe('traceparent: a request’s trace continues into its webhooks', () => {
  let sandbox: RunningSandbox;
  let receiver: Receiver;
  let key: string;
  let secret: string;
  let specDir: string;

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    specDir = mkdtempSync(join(tmpdir(), 'tapedeck-evidence-spec-'));
    const spec = join(specDir, 'widgets.json');
    writeFileSync(spec, JSON.stringify(WIDGETS));
    sandbox = await startSandbox({ spec, profile: 'standard' });
    key = await sandbox.createTenant('acme');
    const added = await sandbox.admin('POST', 'tenants/acme/webhooks/endpoints', {
      url: receiver.url,
    });
    expect(added.status).toBe(201);
    secret = ((await added.json()) as { secret: string }).secret;
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.close();
    if (specDir !== undefined) rmSync(specDir, { recursive: true, force: true });
  });

  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const PARENT = '00f067aa0ba902b7';

  it('the webhook carries the same trace id and flags, a new parent id, and verifies', async () => {
    const answer = await request(`${sandbox.url}/widgets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        traceparent: `00-${TRACE}-${PARENT}-01`,
        tracestate: 'vendor=secret-ish',
      },
      body: JSON.stringify({ name: 'sprocket' }),
    });
    expect(answer.statusCode).toBe(201);
    const requestId = answer.headers['x-request-id'];
    expect(typeof requestId).toBe('string');
    await answer.body.text();
    const entry = (await journal(sandbox)).find((e) => e.requestId === requestId);
    expect(entry).toMatchObject({ traceId: TRACE, operation: 'createWidget', conforms: true });
    expect(entry!.events).toHaveLength(1);

    const [delivery] = await receiver.arrived(1);
    const headers = delivery!.headers;
    const parts = String(headers['traceparent']).split('-');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe('00');
    expect(parts[1]).toBe(TRACE);
    expect(parts[2]).toMatch(/^[0-9a-f]{16}$/);
    expect(parts[2]).not.toBe(PARENT);
    expect(parts[3]).toBe('01');
    // The request's tracestate is not forwarded.
    expect(headers['tracestate']).toBeUndefined();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') flat[k] = v;
    const verified = new Webhook(secret).verify(delivery!.body, flat) as { id?: string };
    expect(JSON.stringify(verified)).toContain(entry!.events![0]);
  });

  it('an invalid traceparent is ignored: no trace in the journal, none on the webhook', async () => {
    const before = receiver.received.length;
    const answer = await request(`${sandbox.url}/widgets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        traceparent: `00-${TRACE.toUpperCase()}-${PARENT}-01`,
      },
      body: JSON.stringify({ name: 'cog' }),
    });
    expect(answer.statusCode).toBe(201);
    const requestId = answer.headers['x-request-id'];
    await answer.body.text();
    const entry = (await journal(sandbox)).find((e) => e.requestId === requestId);
    expect(entry).toBeDefined();
    expect(entry).not.toHaveProperty('traceId');
    const received = await receiver.arrived(before + 1);
    expect(received[before]!.headers['traceparent']).toBeUndefined();
  });
});
