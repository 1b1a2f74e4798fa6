/**
 * Deliveries end to end below the HTTP surface: events committed by `resources.apply` in a real
 * SQLite state file, the dispatcher, the undici sender, and a node:http receiver on port 0 that
 * verifies every delivery with the `standardwebhooks` package. Time is a ManualTime (the real
 * clock of signatures, leases and the sender's timeout) and the tenant clock, frozen and moved
 * by `TenantAdmin.clock` with `wait`, as `POST tenants/NAME/clock {"advance", "wait": true}` does.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../src/adapters/http/webhook-sender.js';
import { openSqliteStateFile, type SqliteState } from '../../src/adapters/state/sqlite/index.js';
import { systemSigner } from '../../src/adapters/system/signer.js';
import { DEFAULTS, type WebhooksConfig } from '../../src/app/config/config.js';
import { clockRoutes } from '../../src/app/layers/admin/clock.js';
import type { RequestContext } from '../../src/app/pipeline/context.js';
import { CRYPTO_KEYS } from '../../src/app/sandbox/keys.js';
import { TenantAdmin } from '../../src/app/sandbox/tenants.js';
import {
  createDispatcher,
  MAX_ATTEMPTS_PER_DRAIN,
  type Dispatcher,
  type DispatcherDeps,
} from '../../src/app/webhooks/dispatcher.js';
import { notifyingResources } from '../../src/app/webhooks/notify.js';
import { WITHHELD } from '../../src/app/webhooks/redact.js';
import { MetricsRegistry } from '../../src/app/metrics/registry.js';
import type {
  RuntimeState,
  WebhookSender,
  WebhookSendRequest,
  WebhookSendResult,
  WebhookStore,
} from '../../src/core/ports/index.js';
import { tenantNow } from '../../src/core/sandbox/clock.js';
import { PRESETS } from '../../src/core/sandbox/profile/presets/index.js';
import { payloadSource } from '../../src/core/webhooks/payload.js';
import { SCHEMES } from '../../src/core/webhooks/signature.js';
import { resolveWebhookDestinations } from '../../src/core/webhooks/destinations.js';
import { CollectingLogger } from '../helpers/logger.js';
import { ManualTime } from '../helpers/manual-time.js';
import { redactorWith } from '../helpers/redaction.js';
import { tempDir } from '../helpers/tmp.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// ---------------------------------------------------------------------------------------------
// The receiver

interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Answer = (res: ServerResponse) => void;

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** What the next requests get, in order; then `fallback`. */
  readonly answers: Answer[];
  fallback: Answer;
  /** Resolves once `n` requests have arrived in all. */
  arrived(n: number): Promise<void>;
}

const status =
  (code: number, headers: Record<string, string> = {}, body = ''): Answer =>
  (res) => {
    res.writeHead(code, headers);
    res.end(body);
  };
/** Holds the request open: the answer is the test's to give (or never). */
const hold =
  (into: ServerResponse[]): Answer =>
  (res) =>
    void into.push(res);

async function startReceiver(): Promise<Receiver> {
  const sockets = new Set<Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];
  const r: Receiver = {
    url: '',
    received: [],
    answers: [],
    fallback: status(200),
    arrived: (n) =>
      r.received.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ n, resolve })),
  };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      r.received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
      (r.answers.shift() ?? r.fallback)(res);
      for (const w of waiters.filter((w) => r.received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  Object.assign(r, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` });
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  });
  return r;
}

/** Checks a delivery as a receiver would, with one secret. */
function verifies(secret: string, delivery: Received): boolean {
  try {
    new Webhook(secret).verify(delivery.body, delivery.headers);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The rig

/** The standard profile's envelope: `{"id", "type", "timestamp", "data"}`. */
const payloads = payloadSource({ profile: PRESETS.standard, samples: [] });

const newSecret = () => SCHEMES.standard.newSecret(new Uint8Array(randomBytes(32)));

interface Rig {
  readonly time: ManualTime;
  readonly file: string;
  state: SqliteState;
  admin: TenantAdmin;
  dispatcher: Dispatcher;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly secret: string;
  readonly logger: CollectingLogger;
  readonly receiver: Receiver;
  /** Commits one event (with its resource) as a request would. */
  emit(n: number, data?: Record<string, unknown>): Promise<string>;
  /** The tenant clock moves, and the webhooks that fell due are attempted. */
  advance(ms: number): Promise<{ more: boolean } | undefined>;
  /** Stops the dispatcher, closes the state file and opens it again. */
  reopen(): Promise<void>;
  deliveries(): Promise<Awaited<ReturnType<RuntimeState['webhooks']['getDelivery']>>[]>;
  dispatcherWith(o: Partial<DispatcherDeps>): Dispatcher;
}

async function rig(
  options: {
    config?: Partial<WebhooksConfig>;
    secrets?: { secret: string; createdAt: number; expiresAt?: number }[];
    /** The sender's timeout scheduled on the manual time (else real time, never reached here). */
    manualTimeout?: boolean;
  } = {},
): Promise<Rig> {
  const time = new ManualTime(Date.now());
  const file = join(tempDir(), 'state.db');
  const logger = new CollectingLogger();
  const receiver = await startReceiver();
  const config: WebhooksConfig = { ...DEFAULTS.webhooks, ...options.config };
  const destinations = await resolveWebhookDestinations({ allowedHosts: [] }, () =>
    Promise.resolve([]),
  );
  const sender = new UndiciWebhookSender({
    destinations,
    clock: time,
    ...(options.manualTimeout === true ? { scheduler: time } : {}),
  });
  cleanups.push(() => sender.close());
  const redaction = { redactor: redactorWith(), rules: [], disabled: new Set<string>() };

  const r = {} as Rig;
  const dispatcherWith = (o: Partial<DispatcherDeps>) => {
    const d = createDispatcher({
      state: r.state,
      sender,
      signer: systemSigner,
      payloads,
      profile: PRESETS.standard,
      config,
      redaction,
      clock: time,
      scheduler: time,
      logger,
      version: '0.0.0-test',
      ...o,
    });
    cleanups.push(() => d.stop());
    return d;
  };
  const open = () => {
    r.state = openSqliteStateFile(file);
    r.dispatcher = dispatcherWith({});
    r.admin = new TenantAdmin({
      state: r.state,
      clock: time,
      profile: PRESETS.standard,
      seeds: { names: ['recordings', 'empty'], dirs: {} },
      keys: CRYPTO_KEYS,
      config: DEFAULTS.sandbox,
      onAdvance: (id) => r.dispatcher.drain(id),
      logger,
    });
  };
  // Registered first, so it runs last: after every dispatcher has stopped.
  cleanups.push(() => r.state.close());
  open();
  await r.admin.create('acme');
  await r.admin.clock('acme', { freeze: true });
  const tenant = (await r.state.tenants.getByName('acme'))!;
  const created = tenantNow(tenant.clock, time.now());
  const secret = options.secrets?.[0]?.secret ?? newSecret();
  const endpointId = 'we_test1';
  await r.state.webhooks.addEndpoint(tenant.id, {
    id: endpointId,
    url: receiver.url,
    events: null,
    status: 'enabled',
    secrets: options.secrets ?? [{ secret, createdAt: created }],
    sinceSeq: await r.state.events.lastSeq(tenant.id),
    createdAt: created,
  });
  Object.assign(r, {
    time,
    file,
    tenantId: tenant.id,
    endpointId,
    secret,
    logger,
    receiver,
    dispatcherWith,
    async emit(n: number, data: Record<string, unknown> = {}) {
      const record = (await r.state.tenants.get(tenant.id))!;
      const at = tenantNow(record.clock, time.now());
      const value = { id: `cus_${n}`, object: 'customer', ...data };
      const result = await r.state.resources.apply(
        tenant.id,
        {
          puts: [{ type: 'customers', id: value.id, value }],
          deletes: [],
          events: [
            {
              id: `evt_${n}`,
              type: 'customer.created',
              at,
              resourceType: 'customers',
              resourceId: value.id,
              data: value,
            },
          ],
        },
        at,
      );
      expect(result).toEqual({ ok: true });
      return `evt_${n}`;
    },
    async advance(ms: number) {
      return (await r.admin.clock('acme', { advanceMs: ms, wait: true })).webhooks;
    },
    async reopen() {
      await r.dispatcher.stop();
      await r.state.close();
      open();
    },
    async deliveries() {
      const list = await r.state.webhooks.listDeliveries(tenant.id, { limit: 100 });
      return Promise.all(list.reverse().map((d) => r.state.webhooks.getDelivery(tenant.id, d.id)));
    },
  } satisfies Partial<Rig>);
  return r;
}

/** The rig's state, with its webhook store's claimDue calls counted. */
function countingClaims(r: Rig): { claims: () => number; state: DispatcherDeps['state'] } {
  let n = 0;
  const store = r.state.webhooks;
  const webhooks: WebhookStore = Object.assign(Object.create(store) as WebhookStore, {
    claimDue: (...args: Parameters<WebhookStore['claimDue']>) => {
      n++;
      return store.claimDue(...args);
    },
  });
  return {
    claims: () => n,
    state: { webhooks, events: r.state.events, tenants: r.state.tenants },
  };
}

// ---------------------------------------------------------------------------------------------

describe('webhook delivery', () => {
  it('retries a 500 and delivers the 200 once the tenant clock is advanced', async () => {
    const r = await rig();
    r.receiver.answers.push(status(500, { 'content-type': 'text/plain' }, 'try later'));
    const eventId = await r.emit(1);
    expect(await r.dispatcher.drain(r.tenantId)).toEqual({ attempts: 1, more: false });
    // The retry waits for the tenant clock: real time does not move a frozen tenant.
    expect(await r.dispatcher.drain(r.tenantId)).toEqual({ attempts: 0, more: false });
    expect(await r.advance(MINUTE)).toEqual({ more: false });

    expect(r.receiver.received).toHaveLength(2);
    for (const got of r.receiver.received) {
      expect(got.headers['webhook-id']).toBe(eventId);
      expect(verifies(r.secret, got)).toBe(true);
      expect(got.headers['user-agent']).toBe('tapedeck-webhooks/0.0.0-test');
      expect(got.headers['content-type']).toBe('application/json');
    }
    // The same bytes both times; the signed timestamp is real time, the payload's the tenant's.
    expect(r.receiver.received[1]!.body).toBe(r.receiver.received[0]!.body);
    const tenant = (await r.state.tenants.get(r.tenantId))!;
    expect(JSON.parse(r.receiver.received[0]!.body)).toEqual({
      id: eventId,
      type: 'customer.created',
      timestamp: new Date(tenant.clock.frozenAt! - MINUTE).toISOString(),
      data: { id: 'cus_1', object: 'customer' },
    });
    expect(Number(r.receiver.received[0]!.headers['webhook-timestamp'])).toBe(
      Math.floor(r.time.now() / 1000),
    );
    const [log] = await r.deliveries();
    expect(log!.delivery).toMatchObject({ status: 'delivered', attempts: 2, eventId });
    const [first, second] = log!.attempts;
    expect(first).toMatchObject({ n: 1, outcome: 'retry', status: 500, error: 'status' });
    expect(first!.excerpt).toBe('try later');
    // On a frozen clock the retry stands for its due instant, within the jitter of 5 s.
    expect(second).toMatchObject({ n: 2, outcome: 'delivered', status: 200 });
    expect(second!.at).toBe(first!.nextAttemptAt);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(4_500);
    expect(second!.at - first!.at).toBeLessThanOrEqual(5_500);
  });

  it('no answer is a timeout, retried on the schedule', async () => {
    const r = await rig({ manualTimeout: true });
    const held: ServerResponse[] = [];
    r.receiver.answers.push(hold(held));
    await r.emit(1);
    const drained = r.dispatcher.drain(r.tenantId);
    await r.receiver.arrived(1);
    await r.time.advance(DEFAULTS.webhooks.timeoutMs);
    expect(await drained).toEqual({ attempts: 1, more: false });
    await r.advance(MINUTE);
    const [log] = await r.deliveries();
    expect(log!.attempts.map((a) => [a.outcome, a.error])).toEqual([
      ['retry', 'timeout'],
      ['delivered', undefined],
    ]);
    expect(log!.attempts[0]!.latencyMs).toBe(DEFAULTS.webhooks.timeoutMs);
    expect(r.receiver.received[1]!.headers['webhook-id']).toBe('evt_1');
  });

  it('410 disables the endpoint and fails the delivery', async () => {
    const r = await rig();
    r.receiver.answers.push(status(410));
    await r.emit(1);
    await r.dispatcher.drain(r.tenantId);
    await r.emit(2);
    await r.advance(DAY);
    expect(r.receiver.received).toHaveLength(1);
    const endpoint = await r.state.webhooks.getEndpoint(r.tenantId, r.endpointId);
    expect(endpoint).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    const [log] = await r.deliveries();
    expect(log!.delivery.status).toBe('failed');
    expect(log!.attempts).toMatchObject([{ outcome: 'gone', status: 410 }]);
  });

  it('429 with Retry-After throttles the endpoint until then', async () => {
    const r = await rig();
    r.receiver.answers.push(status(429, { 'retry-after': '120' }));
    await r.emit(1);
    await r.dispatcher.drain(r.tenantId);
    await r.emit(2);
    // A minute on: past the schedule's 5 s, short of the 120 s asked for: nothing goes out.
    await r.advance(MINUTE);
    expect(r.receiver.received).toHaveLength(1);
    const endpoint = await r.state.webhooks.getEndpoint(r.tenantId, r.endpointId);
    const [log] = await r.deliveries();
    const first = log!.attempts[0]!;
    expect(first).toMatchObject({ outcome: 'throttled', status: 429 });
    expect(first.nextAttemptAt).toBe(first.at + 120 * SECOND);
    expect(endpoint!.throttledUntil).toBe(first.at + 120 * SECOND);
    await r.advance(2 * MINUTE);
    expect(r.receiver.received.map((d) => d.headers['webhook-id']).sort()).toEqual([
      'evt_1',
      'evt_1',
      'evt_2',
    ]);
    expect((await r.deliveries()).map((d) => d!.delivery.status)).toEqual([
      'delivered',
      'delivered',
    ]);
  });

  it('webhook-delivery: abort-message stops the retries', async () => {
    const r = await rig();
    r.receiver.answers.push(status(400, { 'webhook-delivery': 'abort-message' }));
    await r.emit(1);
    await r.dispatcher.drain(r.tenantId);
    await r.advance(DAY);
    expect(r.receiver.received).toHaveLength(1);
    const [log] = await r.deliveries();
    expect(log!.delivery.status).toBe('failed');
    expect(log!.attempts).toMatchObject([{ outcome: 'aborted', status: 400 }]);
  });

  it('during a rotation both secrets sign, and each verifies alone', async () => {
    const [fresh, old] = [newSecret(), newSecret()];
    const now = Date.now();
    const r = await rig({
      secrets: [
        { secret: fresh, createdAt: now },
        { secret: old, createdAt: now - DAY, expiresAt: now + DAY },
      ],
    });
    await r.emit(1);
    await r.dispatcher.drain(r.tenantId);
    const [got] = r.receiver.received;
    expect(got!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(fresh, got!)).toBe(true);
    expect(verifies(old, got!)).toBe(true);
    expect(verifies(newSecret(), got!)).toBe(false);
    // Past the overlap the old secret no longer signs.
    await r.advance(2 * DAY);
    await r.emit(2);
    await r.dispatcher.drain(r.tenantId);
    const [, later] = r.receiver.received;
    expect(later!.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifies(fresh, later!)).toBe(true);
    expect(verifies(old, later!)).toBe(false);
  });

  it('a duplicate after a lease expiry carries the same webhook-id', async () => {
    const r = await rig();
    const held: ServerResponse[] = [];
    r.receiver.answers.push(hold(held));
    await r.emit(1);
    // This process stalls: it sent, and has no answer yet.
    const stalled = r.dispatcherWith({ owner: 'srv_stalled' });
    const first = stalled.drain(r.tenantId);
    await r.receiver.arrived(1);
    await r.time.advance(2 * DEFAULTS.webhooks.timeoutMs + 5 * SECOND + 1);
    // Another process on the same file finds the lease expired and sends again.
    const other = r.dispatcherWith({ owner: 'srv_other' });
    expect(await other.drain(r.tenantId)).toEqual({ attempts: 1, more: false });
    const [a, b] = r.receiver.received;
    expect(b!.headers['webhook-id']).toBe(a!.headers['webhook-id']);
    expect(b!.headers['webhook-id']).toBe('evt_1');
    expect(verifies(r.secret, a!) && verifies(r.secret, b!)).toBe(true);
    // The stalled one gets its answer at last: its settle is refused, nothing is recorded twice.
    held[0]!.end();
    expect(await first).toEqual({ attempts: 1, more: false });
    const [log] = await r.deliveries();
    expect(log!.attempts).toHaveLength(1);
    expect(log!.delivery.status).toBe('delivered');
    expect(r.logger.lines.some((l) => l.message.includes('the lease ran out'))).toBe(true);
  });

  it('stopped and reopened midway through the production schedule, an advance loses nothing', async () => {
    const r = await rig({ config: { schedule: 'production' } });
    for (let i = 0; i < 4; i++) r.receiver.answers.push(status(500));
    await r.emit(1);
    await r.dispatcher.drain(r.tenantId);
    // 5 s and 5 min (± 10 %) later: attempts 2 and 3; the 4th is 30 min after that.
    await r.advance(6 * MINUTE);
    expect(r.receiver.received).toHaveLength(3);
    await r.reopen();
    expect(await r.advance(3 * DAY)).toEqual({ more: false });
    expect(r.receiver.received).toHaveLength(5);
    const [log] = await r.deliveries();
    expect(log!.delivery).toMatchObject({ status: 'delivered', attempts: 5 });
    const attempts = log!.attempts;
    expect(attempts.map((a) => a.n)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < attempts.length; i++)
      expect(attempts[i]!.at).toBe(attempts[i - 1]!.nextAttemptAt);
    expect(new Set(r.receiver.received.map((d) => d.headers['webhook-id']))).toEqual(
      new Set(['evt_1']),
    );
  });

  it('keeps a redacted excerpt, never a secret, at most excerptBytes long', async () => {
    const r = await rig({ config: { excerptBytes: 64 } });
    const leaked = `sk_live_${'a1B2c3D4e5F6g7H8i9J0k1L2'}`;
    r.receiver.answers.push(
      status(500, { 'content-type': 'application/json' }, JSON.stringify({ key: leaked })),
      status(500, { 'content-type': 'text/plain' }, 'x'.repeat(10_000)),
    );
    await r.emit(1);
    await r.dispatcher.drain(r.tenantId);
    await r.advance(MINUTE);
    const [log] = await r.deliveries();
    const [first, second] = log!.attempts;
    expect(first!.excerpt).toBeDefined();
    expect(first!.excerpt).not.toContain(leaked);
    expect(second!.excerpt).toBe('x'.repeat(64));
    expect(JSON.stringify(log)).not.toContain(leaked);
    expect(WITHHELD).toBe('[withheld: looked secret]');
  });

  it('blocks a payload that looks secret: never sent, never stored', async () => {
    const r = await rig();
    const leaked = `whsec_${'A'.repeat(32)}`;
    await r.emit(1, { description: leaked });
    expect(await r.dispatcher.drain(r.tenantId)).toEqual({ attempts: 0, more: false });
    expect(r.receiver.received).toHaveLength(0);
    const [log] = await r.deliveries();
    expect(log!.delivery.status).toBe('failed');
    expect(log!.attempts).toMatchObject([{ outcome: 'blocked', error: 'secret-detected' }]);
    const line = r.logger.lines.find((l) => l.event === 'webhooks.blocked');
    expect(line?.fields).toMatchObject({ code: 'TD_SECRET_DETECTED' });
    expect(JSON.stringify(r.logger.lines)).not.toContain(leaked);
  });

  it('an apply with events kicks a drain on the next turn', async () => {
    const r = await rig();
    const resources = notifyingResources(r.state.resources, (t) => r.dispatcher.kick(t));
    const at = r.time.now();
    await resources.apply(
      r.tenantId,
      {
        puts: [{ type: 'customers', id: 'cus_9', value: { id: 'cus_9' } }],
        deletes: [],
        events: [
          {
            id: 'evt_9',
            type: 'customer.created',
            at,
            resourceType: 'customers',
            resourceId: 'cus_9',
            data: { id: 'cus_9' },
          },
        ],
      },
      at,
    );
    expect(r.time.pending).toBe(1);
    await r.time.advance(0);
    await r.receiver.arrived(1);
    expect(r.receiver.received[0]!.headers['webhook-id']).toBe('evt_9');
    // No events, no kick.
    await resources.apply(
      r.tenantId,
      { puts: [{ type: 'customers', id: 'cus_10', value: { id: 'cus_10' } }], deletes: [] },
      at,
    );
    expect(r.time.pending).toBe(0);
  });

  it('polls tenantsWithWork every pollMs: work another process queued goes out', async () => {
    const r = await rig();
    r.dispatcher.start();
    await r.emit(1);
    await r.time.advance(DEFAULTS.webhooks.pollMs - 1);
    expect(r.receiver.received).toHaveLength(0);
    await r.time.advance(1);
    await r.receiver.arrived(1);
    expect(r.receiver.received[0]!.headers['webhook-id']).toBe('evt_1');
  });

  it('makes at most webhooks.concurrency attempts at once', async () => {
    let inFlight = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    const answered: WebhookSendResult = {
      kind: 'answered',
      status: 200,
      headers: {},
      body: new Uint8Array(),
      latencyMs: 1,
    };
    const slow: WebhookSender = {
      send: (_request: WebhookSendRequest) => {
        inFlight++;
        most = Math.max(most, inFlight);
        return new Promise((resolve) =>
          waiting.push(() => {
            inFlight--;
            resolve(answered);
          }),
        );
      },
      close: () => Promise.resolve(),
    };
    const r = await rig({ config: { concurrency: 2 } });
    for (let i = 1; i <= 5; i++) await r.emit(i);
    const d = r.dispatcherWith({ sender: slow });
    const drained = d.drain(r.tenantId);
    let released = 0;
    while (released < 5) {
      await r.time.advance(0);
      expect(inFlight).toBeLessThanOrEqual(2);
      const batch = waiting.splice(0);
      expect(batch.length).toBeGreaterThan(0);
      batch.forEach((go) => go());
      released += batch.length;
    }
    expect(await drained).toEqual({ attempts: 5, more: false });
    expect(most).toBe(2);
  });

  it('stops a drain at 1000 attempts and says more; the advance answers it too', async () => {
    let sent = 0;
    const instant: WebhookSender = {
      send: () => {
        sent++;
        return Promise.resolve({
          kind: 'answered',
          status: 200,
          headers: {},
          body: new Uint8Array(),
          latencyMs: 0,
        });
      },
      close: () => Promise.resolve(),
    };
    const r = await rig();
    r.dispatcher = r.dispatcherWith({ sender: instant });
    for (let i = 1; i <= MAX_ATTEMPTS_PER_DRAIN + 1; i++) await r.emit(i);
    expect(await r.advance(0)).toEqual({ more: true });
    expect(sent).toBe(MAX_ATTEMPTS_PER_DRAIN);
    expect(await r.advance(0)).toEqual({ more: false });
    expect(sent).toBe(MAX_ATTEMPTS_PER_DRAIN + 1);
  });

  it('a drain ends with the round where a worker found nothing due, not another round of claims', async () => {
    const r = await rig();
    const { claims, state } = countingClaims(r);
    const d = r.dispatcherWith({ state });
    await r.emit(1);
    expect(await d.drain(r.tenantId)).toEqual({ attempts: 1, more: false });
    // One round of `concurrency` workers: one claimed evt_1, the others found nothing left, so
    // nothing was due that this round did not take (a second round would claim nothing again).
    expect(claims()).toBe(DEFAULTS.webhooks.concurrency);
    expect(r.receiver.received).toHaveLength(1);
  });

  it('a tenant without an enabled endpoint is drained without a claim', async () => {
    const r = await rig();
    const { claims, state } = countingClaims(r);
    const d = r.dispatcherWith({ state });
    await r.state.webhooks.updateEndpoint(r.tenantId, r.endpointId, {
      status: 'disabled',
      disabledReason: 'manual',
    });
    await r.emit(1);
    expect(await d.drain(r.tenantId)).toEqual({ attempts: 0, more: false });
    expect(claims()).toBe(0);
    // Enabled again: the events from then on go out (evt_1 came while it was off: none for it).
    await r.state.webhooks.updateEndpoint(r.tenantId, r.endpointId, { status: 'enabled' });
    await r.emit(2);
    expect(await d.drain(r.tenantId)).toEqual({ attempts: 1, more: false });
    expect(r.receiver.received.map((got) => got.headers['webhook-id'])).toEqual(['evt_2']);
  });

  it('POST tenants/NAME/clock {"advance", "wait": true} answers once the due webhooks were sent', async () => {
    const r = await rig();
    r.receiver.answers.push(status(500));
    await r.emit(1);
    await r.dispatcher.drain(r.tenantId);
    const post = clockRoutes(r.admin).find((route) => route.method === 'POST')!;
    const call = (body: unknown) =>
      post.handle({
        context: {
          incoming: { rawBody: new TextEncoder().encode(JSON.stringify(body)), headers: {} },
        } as unknown as RequestContext,
        query: new URLSearchParams(),
        params: { name: 'acme' },
      });
    const reply = await call({ advance: '1m', wait: true });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ frozen: true, webhooks: { more: false } });
    // Answered after the retry went out, not before.
    expect(r.receiver.received).toHaveLength(2);
    expect((await call({ advance: '1m', wait: 'yes' })).status).toBe(400);
    expect((await call({ freeze: true, wait: true })).status).toBe(400);
    // Without wait the answer is the clock alone; the drain goes on by itself.
    r.receiver.answers.push(status(500));
    await r.emit(2);
    const plain = await call({ advance: '1m' });
    expect(JSON.parse(plain.body)).not.toHaveProperty('webhooks');
    await r.receiver.arrived(3);
  });

  it('counts each attempt by its outcome in tapedeck_webhook_attempts_total (issue 16)', async () => {
    const r = await rig();
    const metrics = new MetricsRegistry({ tenantLabel: false, version: '0' });
    const d = r.dispatcherWith({ metrics });
    r.receiver.answers.push(status(500));
    await r.emit(1);
    await r.emit(2);
    await r.emit(3, { description: `whsec_${'B'.repeat(32)}` });
    // 1 gets the 500, 2 the receiver's 200; 3 is blocked when it fans out.
    expect(await d.drain(r.tenantId)).toEqual({ attempts: 2, more: false });
    const counted = metrics
      .families()
      .find((f) => f.name === 'tapedeck_webhook_attempts_total')!
      .series.map((s) => [s.labels[0]![1], 'value' in s ? s.value : undefined]);
    expect(Object.fromEntries(counted)).toEqual({ retry: 1, delivered: 1, blocked: 1 });
  });
});
