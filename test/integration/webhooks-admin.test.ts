import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeGracefully, createHttpServer, listen } from '../../src/adapters/http/node-server.js';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { adminLayer } from '../../src/app/layers/admin/index.js';
import { webhookRoutes } from '../../src/app/layers/admin/webhooks.js';
import { runPipeline } from '../../src/app/pipeline/run.js';
import { WebhookAdmin } from '../../src/app/webhooks/admin.js';
import type { TriggerReport } from '../../src/app/webhooks/trigger.js';
import { TapedeckError } from '../../src/core/errors.js';
import type { RuntimeState, WebhookStore } from '../../src/core/ports/index.js';
import { event } from '../contract/resource-store.contract.js';
import { firstKey, newTenant } from '../contract/tenant-store.contract.js';
import { CollectingLogger } from '../helpers/logger.js';
import { ManualTime } from '../helpers/manual-time.js';
import { tempDir } from '../helpers/tmp.js';
import { WebhookDestinations } from '../../src/core/webhooks/destinations.js';
import type { KnownEvents } from '../../src/core/webhooks/known.js';
import { SCHEMES } from '../../src/core/webhooks/signature.js';

const TOKEN = 'admin-0123456789abcdef0123456789abcdef';
const FROZEN = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;
/** What the sandbox behind these routes can emit (the server computes it from its model). */
const KNOWN: KnownEvents = {
  types: [
    'charge.refunded',
    'customer.created',
    'customer.deleted',
    'customer.updated',
    'payment_intent.created',
    'payment_intent.succeeded',
  ],
  complete: true,
  naming: '{object}.{verb}',
};

/** Random bytes that differ on every call: a counter, so ids and secrets are predictable. */
function countingRandom(): { randomBytes(n: number): Uint8Array } {
  let next = 1;
  return {
    randomBytes: (n) => Uint8Array.from({ length: n }, () => next++ % 256),
  };
}

// The webhook routes behind the admin layer on a real node:http server, over a SQLite state
// file: what the sandbox server mounts, without the rest of it.
describe('webhook admin routes', () => {
  let server: Server;
  let base: string;
  let state: RuntimeState;
  let webhooks: WebhookStore;
  let kicked: string[];
  const time = new ManualTime();

  beforeEach(async () => {
    state = openSqliteState(tempDir());
    webhooks = state.webhooks;
    kicked = [];
    await state.tenants.create(
      newTenant('ten_1', 1000, { name: 'acme', clock: { offsetMs: 0, frozenAt: FROZEN } }),
      firstKey('ten_1'),
    );
    await state.tenants.create(newTenant('ten_2', 1000, { name: 'other' }), firstKey('ten_2'));
    const admin = new WebhookAdmin({
      state,
      clock: time,
      scheme: SCHEMES.standard,
      signer: countingRandom(),
      destinations: new WebhookDestinations([]),
      rotationOverlapMs: 24 * HOUR,
      idPrefix: 'we_',
      onChange: (tenant) => kicked.push(tenant),
      knownEvents: () => KNOWN,
    });
    const trigger = (tenant: string, event: string): Promise<TriggerReport> => {
      if (event === 'nothing.happens')
        return Promise.reject(
          new TapedeckError('TD_TRIGGER_FAILED', 'The flow emitted none, not "nothing.happens".', {
            details: { event, steps: [], events: [] },
          }),
        );
      return Promise.resolve({ tenant, event, steps: [], events: [{ id: 'evt_1', type: event }] });
    };
    const handler = runPipeline({
      layers: [adminLayer({ token: TOKEN, routes: [webhookRoutes({ admin, trigger })] })],
      clock: time,
      journal: { record: () => undefined },
      stats: { answered: () => undefined },
    });
    server = createHttpServer(handler, { maxBodyBytes: 1 << 20, logger: new CollectingLogger() });
    base = await listen(server, '127.0.0.1', 0);
  });

  afterEach(async () => {
    await closeGracefully(server, 100);
    await state.close();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const res = await fetch(`${base}/__tapedeck/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.headers.get('x-tapedeck-layer')).toBe('admin');
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, text };
  }

  async function addEndpoint(
    body: unknown = { url: 'http://127.0.0.1:4242/hooks' },
  ): Promise<{ id: string; secret: string }> {
    const { status, json } = await call('POST', 'tenants/acme/webhooks/endpoints', body);
    expect(status).toBe(201);
    return { id: (json['endpoint'] as { id: string }).id, secret: json['secret'] as string };
  }

  /** Two deliveries of two events to `endpoint`, as a fan-out writes them. */
  async function deliveriesFor(tenant: string, endpoint: string): Promise<void> {
    const ok = await webhooks.fanOut(tenant, {
      afterSeq: await webhooks.cursor(tenant),
      toSeq: 2,
      messages: [
        { eventId: 'evt_a', type: 'payment_intent.created', payload: '{}' },
        { eventId: 'evt_b', type: 'payment_intent.succeeded', payload: '{}' },
      ],
      deliveries: [
        { id: 'dlv_a', endpoint, eventId: 'evt_a', dueAt: FROZEN },
        { id: 'dlv_b', endpoint, eventId: 'evt_b', dueAt: FROZEN },
      ],
    });
    expect(ok).toBe(true);
  }

  it('adds an endpoint: 201 with the secret once; lists and gets show only its hint', async () => {
    const { status, json, text } = await call('POST', 'tenants/acme/webhooks/endpoints', {
      url: 'http://127.0.0.1:4242/hooks',
      events: ['payment_intent.*', 'charge.refunded', 'charge.refunded'],
    });
    expect(status).toBe(201);
    const secret = json['secret'] as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(json['endpoint']).toMatchObject({
      url: 'http://127.0.0.1:4242/hooks',
      events: ['payment_intent.*', 'charge.refunded'],
      status: 'enabled',
      createdAt: new Date(FROZEN).toISOString(),
      secrets: [{ hint: `whsec_…${secret.slice(-4)}`, state: 'active' }],
    });
    expect(text.split(secret).length).toBe(2); // once, in `secret`, not in the view
    const id = (json['endpoint'] as { id: string }).id;
    expect(id).toMatch(/^we_[0-9A-Za-z]{24}$/);
    expect(kicked).toEqual(['ten_1']);

    const list = await call('GET', 'tenants/acme/webhooks/endpoints');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(secret);
    expect(list.json['endpoints']).toEqual([
      expect.objectContaining({
        id,
        secrets: [expect.objectContaining({ hint: `whsec_…${secret.slice(-4)}` })],
      }),
    ]);
    const one = await call('GET', `tenants/acme/webhooks/endpoints/${id}`);
    expect(one.status).toBe(200);
    expect(one.text).not.toContain(secret);
    expect(one.json).toMatchObject({ id, events: ['payment_intent.*', 'charge.refunded'] });
    // The tenant can be named by its id too.
    expect((await call('GET', `tenants/ten_1/webhooks/endpoints/${id}`)).status).toBe(200);
  });

  it("takes the caller's secret when the scheme accepts it, and never echoes a refused one", async () => {
    const mine = `whsec_${'A'.repeat(43)}=`;
    const added = await addEndpoint({ url: 'http://localhost:9/x', secret: mine });
    expect(added.secret).toBe(mine);
    const refused = await call('POST', 'tenants/acme/webhooks/endpoints', {
      url: 'http://localhost:9/x',
      secret: 'hunter2-is-my-secret',
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: 'TD_BAD_REQUEST', field: 'secret' });
    expect(refused.text).not.toContain('hunter2');
  });

  it('refuses a URL the destination check refuses, a missing URL and bad event lists (400)', async () => {
    const outside = await call('POST', 'tenants/acme/webhooks/endpoints', {
      url: 'http://169.254.169.254/latest',
    });
    expect(outside.status).toBe(400);
    expect(outside.json).toMatchObject({ code: 'TD_WEBHOOK_REFUSED' });
    for (const url of ['ftp://localhost/x', 'http://user:pw@localhost/x', 'http://10.0.0.1/']) {
      const r = await call('POST', 'tenants/acme/webhooks/endpoints', { url });
      expect(r.json, url).toMatchObject({ status: 400, code: 'TD_WEBHOOK_REFUSED' });
      expect(r.text).not.toContain('pw@');
    }
    const none = await call('POST', 'tenants/acme/webhooks/endpoints', { events: ['a.b'] });
    expect(none.status).toBe(400);
    expect(none.json).toMatchObject({ field: 'url' });
    for (const events of [[], ['not an event'], 'charge.*', [1, 2], ['a..b']]) {
      const r = await call('POST', 'tenants/acme/webhooks/endpoints', {
        url: 'http://localhost:9/x',
        events,
      });
      expect(r.status, JSON.stringify(events)).toBe(400);
      expect(r.json).toMatchObject({ code: 'TD_BAD_REQUEST', field: 'events' });
    }
    expect(await webhooks.listEndpoints('ten_1')).toEqual([]);
    // `*` is every event: stored as null.
    const all = await call('POST', 'tenants/acme/webhooks/endpoints', {
      url: 'http://localhost:9/x',
      events: ['*'],
    });
    expect(all.json['endpoint']).toMatchObject({ events: null });
  });

  it('disables, enables and changes url and events', async () => {
    const { id } = await addEndpoint();
    const off = await call('POST', `tenants/acme/webhooks/endpoints/${id}`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ status: 'disabled', disabledReason: 'manual' });
    const on = await call('POST', `tenants/acme/webhooks/endpoints/${id}`, {
      enabled: true,
      url: 'http://localhost:5000/new',
      events: ['customer.created'],
    });
    expect(on.json).toMatchObject({
      status: 'enabled',
      url: 'http://localhost:5000/new',
      events: ['customer.created'],
    });
    expect(on.json).not.toHaveProperty('disabledReason');
    const bad = await call('POST', `tenants/acme/webhooks/endpoints/${id}`, {
      url: 'http://example.com/',
    });
    expect(bad.status).toBe(400);
    expect((await call('POST', `tenants/acme/webhooks/endpoints/${id}`, {})).status).toBe(400);
    expect(
      (await call('POST', `tenants/acme/webhooks/endpoints/${id}`, { enabled: 'yes' })).json,
    ).toMatchObject({ field: 'enabled' });
  });

  it('refuses an event type the sandbox cannot emit, naming it and the nearest known ones (400)', async () => {
    const typo = await call('POST', 'tenants/acme/webhooks/endpoints', {
      url: 'http://127.0.0.1:4242/hooks',
      events: ['customer.created', 'custmer.created', 'paymnt_intent.*'],
    });
    expect(typo).toMatchObject({
      status: 400,
      json: {
        code: 'TD_BAD_REQUEST',
        field: 'events',
        unknown: ['custmer.created', 'paymnt_intent.*'],
        nearest: ['customer.created', 'payment_intent.*'],
      },
    });
    expect(typo.json['title']).toContain('"custmer.created" (did you mean customer.created?)');
    expect(typo.json['title']).toContain('"paymnt_intent.*" (did you mean payment_intent.*?)');
    expect(await webhooks.listEndpoints('ten_1')).toEqual([]);
    // The same check on an update; the endpoint keeps its filter.
    const { id } = await addEndpoint({ url: 'http://127.0.0.1:4242/hooks', events: ['charge.*'] });
    const update = await call('POST', `tenants/acme/webhooks/endpoints/${id}`, {
      events: ['charge.refundd'],
    });
    expect(update).toMatchObject({
      status: 400,
      json: { field: 'events', unknown: ['charge.refundd'], nearest: ['charge.refunded'] },
    });
    expect((await webhooks.getEndpoint('ten_1', id))?.events).toEqual(['charge.*']);
  });

  it('keeps a description: set on add, changed and cleared by update, shown by get', async () => {
    const { id } = await addEndpoint({
      url: 'http://127.0.0.1:4242/hooks',
      description: '  orders service ',
    });
    expect((await call('GET', `tenants/acme/webhooks/endpoints/${id}`)).json).toMatchObject({
      description: 'orders service',
    });
    const changed = await call('POST', `tenants/acme/webhooks/endpoints/${id}`, {
      description: 'billing',
    });
    expect(changed).toMatchObject({ status: 200, json: { description: 'billing' } });
    const cleared = await call('POST', `tenants/acme/webhooks/endpoints/${id}`, {
      description: null,
    });
    expect(cleared.status).toBe(200);
    expect(cleared.json).not.toHaveProperty('description');
    for (const description of ['x'.repeat(501), 'two\nlines', 7]) {
      const r = await call('POST', `tenants/acme/webhooks/endpoints/${id}`, { description });
      expect(r.json, String(description)).toMatchObject({ status: 400, field: 'description' });
    }
  });

  it('rotates: the new secret once, the old one expiring after the overlap on the tenant clock', async () => {
    const { id, secret: old } = await addEndpoint();
    const { status, json, text } = await call(
      'POST',
      `tenants/acme/webhooks/endpoints/${id}/rotate`,
      { overlap: '2h' },
    );
    expect(status).toBe(200);
    const secret = json['secret'] as string;
    expect(secret).not.toBe(old);
    expect(text).not.toContain(old);
    expect(json['endpoint']).toMatchObject({
      secrets: [
        { hint: `whsec_…${secret.slice(-4)}`, state: 'active' },
        {
          hint: `whsec_…${old.slice(-4)}`,
          state: 'expiring',
          expiresAt: new Date(FROZEN + 2 * HOUR).toISOString(),
        },
      ],
    });
    // Both still sign (the store keeps them for the dispatcher), newest first.
    const stored = await webhooks.getEndpoint('ten_1', id);
    expect(stored?.secrets.map((s) => s.secret)).toEqual([secret, old]);
    // The listing afterwards never shows either.
    const list = await call('GET', 'tenants/acme/webhooks/endpoints');
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(old);
    // No overlap: the older secrets stop at once.
    const now = await call('POST', `tenants/acme/webhooks/endpoints/${id}/rotate`, {
      overlap: '0',
    });
    expect((now.json['endpoint'] as { secrets: unknown[] }).secrets).toHaveLength(1);
    const tooLong = await call('POST', `tenants/acme/webhooks/endpoints/${id}/rotate`, {
      overlap: '400d',
    });
    expect(tooLong.json).toMatchObject({ status: 400, field: 'overlap' });
  });

  it("answers 404 TD_WEBHOOK_NOT_FOUND for another tenant's endpoint and delivery, and unknown ids", async () => {
    const { id } = await addEndpoint();
    await deliveriesFor('ten_1', id);
    const theirs = [
      ['GET', `tenants/other/webhooks/endpoints/${id}`],
      ['POST', `tenants/other/webhooks/endpoints/${id}`, { enabled: false }],
      ['DELETE', `tenants/other/webhooks/endpoints/${id}`],
      ['POST', `tenants/other/webhooks/endpoints/${id}/rotate`, {}],
      ['GET', 'tenants/other/webhooks/deliveries/dlv_a'],
      ['POST', 'tenants/other/webhooks/deliveries/dlv_a/redeliver'],
      ['GET', `tenants/other/webhooks/deliveries?endpoint=${id}`],
      ['GET', 'tenants/acme/webhooks/endpoints/we_nope'],
      ['GET', 'tenants/acme/webhooks/deliveries/dlv_nope'],
      ['GET', 'tenants/acme/webhooks/endpoints/%3Cscript%3E'],
    ] as const;
    for (const [method, path, body] of theirs) {
      const r = await call(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json).toMatchObject({ code: 'TD_WEBHOOK_NOT_FOUND' });
      expect(r.text).not.toContain('<script>');
    }
    // Nothing of acme's changed.
    expect((await webhooks.getEndpoint('ten_1', id))?.status).toBe('enabled');
    expect((await call('GET', 'tenants/nobody/webhooks/endpoints')).json).toMatchObject({
      status: 404,
      code: 'TD_TENANT_NOT_FOUND',
    });
  });

  it('lists deliveries newest first with filters and pages, shows one with its attempts, redelivers', async () => {
    const { id } = await addEndpoint();
    await deliveriesFor('ten_1', id);
    const all = await call('GET', 'tenants/acme/webhooks/deliveries');
    expect(all.status).toBe(200);
    expect((all.json['deliveries'] as { id: string }[]).map((d) => d.id)).toEqual([
      'dlv_b',
      'dlv_a',
    ]);
    expect(all.json).not.toHaveProperty('next');
    const page = await call('GET', 'tenants/acme/webhooks/deliveries?limit=1');
    expect(page.json).toMatchObject({ deliveries: [{ id: 'dlv_b' }], next: 'dlv_b' });
    const after = await call('GET', 'tenants/acme/webhooks/deliveries?limit=1&before=dlv_b');
    expect(after.json).toMatchObject({
      deliveries: [{ id: 'dlv_a', eventType: 'payment_intent.created' }],
    });
    const byEvent = await call('GET', 'tenants/acme/webhooks/deliveries?event=evt_a');
    expect((byEvent.json['deliveries'] as unknown[]).length).toBe(1);
    const byStatus = await call('GET', 'tenants/acme/webhooks/deliveries?status=failed');
    expect(byStatus.json['deliveries']).toEqual([]);
    for (const q of ['status=sent', 'limit=0', 'limit=500', 'limit=x', 'event=a%20b'])
      expect((await call('GET', `tenants/acme/webhooks/deliveries?${q}`)).status, q).toBe(400);

    const one = await call('GET', 'tenants/acme/webhooks/deliveries/dlv_a');
    expect(one.json).toMatchObject({
      delivery: { id: 'dlv_a', endpoint: id, status: 'pending', attempts: 0 },
      attempts: [],
    });

    kicked.length = 0;
    const queued = await call('POST', 'tenants/acme/webhooks/deliveries/dlv_a/redeliver');
    expect(queued.status).toBe(202);
    expect(queued.json).toMatchObject({ redelivery: 'dlv_a', status: 'queued' });
    expect(kicked).toEqual(['ten_1']);
    // Another process holds dlv_b's lease: it is being sent.
    const claimed = await webhooks.claimDue('ten_1', {
      now: FROZEN,
      realNow: time.now(),
      owner: 'srv_other',
      leaseMs: 60_000,
      limit: 10,
    });
    expect(claimed.map((c) => c.delivery.id)).toContain('dlv_b');
    const busy = await call('POST', 'tenants/acme/webhooks/deliveries/dlv_b/redeliver');
    expect(busy.status).toBe(409);
  });

  it("redelivers over a crashed process's lease (past real time), but not over a live one", async () => {
    const { id } = await addEndpoint();
    await deliveriesFor('ten_1', id);
    // srv_dead leased both a while ago, for a minute of real time, and died; then a disable.
    const claimed = await webhooks.claimDue('ten_1', {
      now: FROZEN,
      realNow: time.now() - 120_000,
      owner: 'srv_dead',
      leaseMs: 60_000,
      limit: 1,
    });
    expect(claimed.map((c) => c.delivery.id)).toEqual(['dlv_a']);
    expect(
      (await call('POST', `tenants/acme/webhooks/endpoints/${id}`, { enabled: false })).status,
    ).toBe(200);
    const stale = await call('POST', 'tenants/acme/webhooks/deliveries/dlv_a/redeliver');
    expect(stale).toMatchObject({ status: 202, json: { redelivery: 'dlv_a', status: 'queued' } });
    await webhooks.claimDue('ten_1', {
      now: FROZEN,
      realNow: time.now(),
      owner: 'srv_live',
      leaseMs: 60_000,
      limit: 10,
    });
    expect(
      (await call('POST', `tenants/acme/webhooks/endpoints/${id}`, { enabled: true })).status,
    ).toBe(200);
    const live = await webhooks.claimDue('ten_1', {
      now: FROZEN,
      realNow: time.now(),
      owner: 'srv_live',
      leaseMs: 60_000,
      limit: 10,
    });
    expect(live.map((c) => c.delivery.id).sort()).toEqual(['dlv_a', 'dlv_b']);
    const busy = await call('POST', 'tenants/acme/webhooks/deliveries/dlv_a/redeliver');
    expect(busy.status).toBe(409);
    expect(busy.json['title']).toContain('being sent right now');
  });

  it('answers 409 saying why for a blocked delivery and for one whose endpoint was deleted', async () => {
    const { id } = await addEndpoint();
    const blocked = {
      n: 1,
      at: FROZEN,
      sentAt: 0,
      outcome: 'blocked' as const,
      latencyMs: 0,
      error: 'secret-detected' as const,
      manual: false,
    };
    // The event is in the log; its payload looked secret, so no message was stored.
    await state.resources.apply('ten_1', { puts: [], deletes: [], events: [event('evt_s')] }, 1);
    expect(
      await webhooks.fanOut('ten_1', {
        afterSeq: 0,
        toSeq: 1,
        messages: [],
        deliveries: [{ id: 'dlv_s', endpoint: id, eventId: 'evt_s', dueAt: FROZEN, blocked }],
      }),
    ).toBe(true);
    // GET finds it; redeliver says why it cannot be sent, not that it does not exist.
    expect((await call('GET', 'tenants/acme/webhooks/deliveries/dlv_s')).status).toBe(200);
    const secret = await call('POST', 'tenants/acme/webhooks/deliveries/dlv_s/redeliver');
    expect(secret).toMatchObject({ status: 409, json: { code: 'TD_BAD_REQUEST' } });
    expect(secret.json['title']).toContain('blocked by the secret scanner and never stored');
    expect(secret.json['hint']).toContain('trigger the event again');

    expect(
      await webhooks.fanOut('ten_1', {
        afterSeq: 1,
        toSeq: 2,
        messages: [{ eventId: 'evt_g', type: 'payment_intent.created', payload: '{}' }],
        deliveries: [{ id: 'dlv_g', endpoint: id, eventId: 'evt_g', dueAt: FROZEN }],
      }),
    ).toBe(true);
    expect((await call('DELETE', `tenants/acme/webhooks/endpoints/${id}`)).status).toBe(200);
    expect((await call('GET', 'tenants/acme/webhooks/deliveries/dlv_g')).status).toBe(200);
    const gone = await call('POST', 'tenants/acme/webhooks/deliveries/dlv_g/redeliver');
    expect(gone).toMatchObject({ status: 409, json: { code: 'TD_BAD_REQUEST' } });
    expect(gone.json['title']).toContain('its endpoint was deleted');
    // Unknown is still 404.
    const none = await call('POST', 'tenants/acme/webhooks/deliveries/dlv_none/redeliver');
    expect(none).toMatchObject({ status: 404, json: { code: 'TD_WEBHOOK_NOT_FOUND' } });
  });

  it('deletes an endpoint: its pending deliveries are abandoned, the log stays', async () => {
    const { id } = await addEndpoint();
    await deliveriesFor('ten_1', id);
    const r = await call('DELETE', `tenants/acme/webhooks/endpoints/${id}`);
    expect(r).toMatchObject({ status: 200, json: { deleted: id } });
    expect((await call('GET', `tenants/acme/webhooks/endpoints/${id}`)).status).toBe(404);
    const log = await call('GET', 'tenants/acme/webhooks/deliveries');
    expect((log.json['deliveries'] as { status: string }[]).map((d) => d.status)).toEqual([
      'abandoned',
      'abandoned',
    ]);
    // The kept log is still found by the deleted endpoint's id.
    const byEndpoint = await call('GET', `tenants/acme/webhooks/deliveries?endpoint=${id}`);
    expect(byEndpoint.status).toBe(200);
    expect((byEndpoint.json['deliveries'] as unknown[]).length).toBe(2);
    expect((await call('DELETE', `tenants/acme/webhooks/endpoints/${id}`)).status).toBe(404);
  });

  it('triggers an event, and answers 422 TD_TRIGGER_FAILED when it was not emitted', async () => {
    const ok = await call('POST', 'tenants/acme/webhooks/trigger', {
      event: 'payment_intent.succeeded',
    });
    expect(ok).toMatchObject({
      status: 200,
      json: { events: [{ type: 'payment_intent.succeeded' }] },
    });
    const failed = await call('POST', 'tenants/acme/webhooks/trigger', {
      event: 'nothing.happens',
    });
    expect(failed.status).toBe(422);
    expect(failed.json).toMatchObject({ code: 'TD_TRIGGER_FAILED', events: [] });
    expect((await call('POST', 'tenants/acme/webhooks/trigger', {})).status).toBe(400);
  });
});
