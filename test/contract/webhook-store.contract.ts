import { describe, expect, it } from 'vitest';
import type {
  FanOut,
  RuntimeState,
  WebhookAttempt,
  WebhookEndpoint,
  WebhookStore,
} from '../../src/core/ports/index.js';
import { event, withTenants } from './resource-store.contract.js';
import type { StateHarness } from './state-harness.js';

/** An endpoint as `addEndpoint` takes it (optional members absent). */
export function webhookEndpoint(id: string, extra: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id,
    url: `http://127.0.0.1:9/${id}`,
    events: null,
    status: 'enabled',
    secrets: [{ secret: `whsec_secret-of-${id}`, createdAt: 100 }],
    sinceSeq: 0,
    createdAt: 100,
    ...extra,
  };
}

export const webhookMessage = (eventId: string, type = 'customer.created') => ({
  eventId,
  type,
  payload: `{"id":"${eventId}","type":"${type}"}`,
});

/** The delivery id `fan` gives an event's delivery to an endpoint. */
export const dlv = (endpoint: string, eventId: string) => `dlv_${endpoint}_${eventId}`;

/**
 * Fans `events` out to `endpoints` from the tenant's cursor as read now, every delivery due at
 * `dueAt` (or per event, by index).
 */
export async function fan(
  webhooks: WebhookStore,
  tenant: string,
  events: readonly string[],
  endpoints: readonly string[],
  dueAt: number | readonly number[] = 0,
  extra: Partial<FanOut> = {},
): Promise<boolean> {
  const afterSeq = await webhooks.cursor(tenant);
  return webhooks.fanOut(tenant, {
    afterSeq,
    toSeq: afterSeq + events.length,
    messages: events.map((e) => webhookMessage(e)),
    deliveries: events.flatMap((e, i) =>
      endpoints.map((endpoint) => ({
        id: dlv(endpoint, e),
        endpoint,
        eventId: e,
        dueAt: typeof dueAt === 'number' ? dueAt : dueAt[i]!,
      })),
    ),
    ...extra,
  });
}

export const attempt = (n: number, extra: Partial<WebhookAttempt> = {}): WebhookAttempt => ({
  n,
  at: 1000 * n,
  sentAt: 5000 + n,
  outcome: 'retry',
  status: 500,
  latencyMs: 12.5,
  error: 'status',
  excerpt: 'oops',
  nextAttemptAt: 1000 * (n + 1),
  manual: false,
  ...extra,
});

const claim = (
  webhooks: WebhookStore,
  tenant: string,
  extra: Partial<Parameters<WebhookStore['claimDue']>[1]> = {},
) =>
  webhooks.claimDue(tenant, {
    now: 10_000,
    realNow: 1_000_000,
    owner: 'srv_1',
    leaseMs: 30_000,
    limit: 100,
    ...extra,
  });

const ids = (claimed: { delivery: { id: string } }[]) => claimed.map((c) => c.delivery.id);

/** The ids of the tenant's deliveries, newest first. */
const listed = async (webhooks: WebhookStore, tenant: string) =>
  (await webhooks.listDeliveries(tenant, { limit: 1000 })).map((d) => d.id);

async function withEndpoints(state: RuntimeState, tenant: string, ...eps: string[]) {
  for (const id of eps)
    expect(await state.webhooks.addEndpoint(tenant, webhookEndpoint(id))).toBe(true);
}

function withoutNext<T extends { nextAttemptAt?: number }>(delivery: T): Omit<T, 'nextAttemptAt'> {
  const { nextAttemptAt: _gone, ...rest } = delivery;
  return rest;
}

/** The behaviour every WebhookStore must have. Run it against each implementation. */
export function webhookStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (WebhookStore contract)`, () => {
    it('adds, reads, lists (oldest first), updates and deletes endpoints; a taken id writes nothing', async () => {
      const { webhooks } = (await harness.open()).state;
      const full = webhookEndpoint('we_2', {
        events: ['customer.*', 'invoice.paid'],
        status: 'disabled',
        disabledReason: 'manual',
        secrets: [
          { secret: 'whsec_new', createdAt: 200 },
          { secret: 'whsec_old', createdAt: 100, expiresAt: 300 },
        ],
        sinceSeq: 7,
        throttledUntil: 900,
        description: 'orders service',
      });
      expect(await webhooks.addEndpoint('t1', webhookEndpoint('we_1'))).toBe(true);
      expect(await webhooks.addEndpoint('t1', full)).toBe(true);
      expect(await webhooks.addEndpoint('t1', webhookEndpoint('we_1', { url: 'http://x/' }))).toBe(
        false,
      );
      expect(await webhooks.getEndpoint('t1', 'we_1')).toEqual(webhookEndpoint('we_1'));
      expect(await webhooks.getEndpoint('t1', 'we_2')).toEqual(full);
      expect(await webhooks.getEndpoint('t1', 'we_3')).toBeUndefined();
      expect((await webhooks.listEndpoints('t1')).map((e) => e.id)).toEqual(['we_1', 'we_2']);

      expect(
        await webhooks.updateEndpoint('t1', 'we_2', {
          status: 'enabled',
          disabledReason: null,
          throttledUntil: null,
          events: null,
          description: null,
        }),
      ).toBe(true);
      const { disabledReason: _r, throttledUntil: _t, description: _d, ...cleared } = full;
      expect(await webhooks.getEndpoint('t1', 'we_2')).toEqual({
        ...cleared,
        status: 'enabled',
        events: null,
      });
      const secrets = [{ secret: 'whsec_newest', createdAt: 400 }];
      expect(
        await webhooks.updateEndpoint('t1', 'we_1', {
          url: 'http://localhost:1/in',
          events: ['a.b'],
          secrets,
          status: 'disabled',
          disabledReason: 'gone',
          throttledUntil: 50,
          description: 'the billing receiver',
        }),
      ).toBe(true);
      expect(await webhooks.getEndpoint('t1', 'we_1')).toEqual({
        ...webhookEndpoint('we_1'),
        url: 'http://localhost:1/in',
        events: ['a.b'],
        secrets,
        status: 'disabled',
        disabledReason: 'gone',
        throttledUntil: 50,
        description: 'the billing receiver',
      });
      // An empty patch changes nothing; an unknown endpoint is no change.
      expect(await webhooks.updateEndpoint('t1', 'we_1', {})).toBe(true);
      expect((await webhooks.getEndpoint('t1', 'we_1'))?.url).toBe('http://localhost:1/in');
      expect(await webhooks.updateEndpoint('t1', 'we_9', { url: 'http://x/' })).toBe(false);
      // Updating keeps the order.
      expect((await webhooks.listEndpoints('t1')).map((e) => e.id)).toEqual(['we_1', 'we_2']);

      expect(await webhooks.deleteEndpoint('t1', 'we_1')).toBe(true);
      expect(await webhooks.deleteEndpoint('t1', 'we_1')).toBe(false);
      expect(await webhooks.getEndpoint('t1', 'we_1')).toBeUndefined();
      expect((await webhooks.listEndpoints('t1')).map((e) => e.id)).toEqual(['we_2']);
    });

    it('never shows, updates or deletes one tenant the endpoints of another', async () => {
      const { webhooks } = (await harness.open()).state;
      await webhooks.addEndpoint('t1', webhookEndpoint('we_1'));
      expect(await webhooks.addEndpoint('t2', webhookEndpoint('we_1', { url: 'http://t2/' }))).toBe(
        true,
      );
      await webhooks.addEndpoint('t2', webhookEndpoint('we_2'));
      expect(await webhooks.getEndpoint('t1', 'we_2')).toBeUndefined();
      expect((await webhooks.listEndpoints('t1')).map((e) => e.url)).toEqual([
        webhookEndpoint('we_1').url,
      ]);
      expect(await webhooks.updateEndpoint('t1', 'we_2', { status: 'disabled' })).toBe(false);
      expect(await webhooks.deleteEndpoint('t1', 'we_2')).toBe(false);
      await webhooks.updateEndpoint('t1', 'we_1', { status: 'disabled' });
      await webhooks.deleteEndpoint('t1', 'we_1');
      expect(await webhooks.listEndpoints('t2')).toEqual([
        webhookEndpoint('we_1', { url: 'http://t2/' }),
        webhookEndpoint('we_2'),
      ]);
      expect(await webhooks.listEndpoints('t3')).toEqual([]);
    });

    it('hands out copies: changing a returned endpoint or delivery changes nothing stored', async () => {
      const { webhooks } = (await harness.open()).state;
      const given = webhookEndpoint('we_1', { events: ['a.b'] });
      await webhooks.addEndpoint('t1', given);
      (given.secrets as unknown as { secret: string }[])[0]!.secret = 'changed';
      const got = (await webhooks.getEndpoint('t1', 'we_1'))!;
      (got.events as string[]).push('c.d');
      (got.secrets as unknown as { secret: string }[])[0]!.secret = 'changed';
      expect(await webhooks.getEndpoint('t1', 'we_1')).toEqual(
        webhookEndpoint('we_1', { events: ['a.b'] }),
      );
      await fan(webhooks, 't1', ['evt_1'], ['we_1']);
      const [claimed] = await claim(webhooks, 't1');
      (claimed!.endpoint.secrets as unknown as { secret: string }[])[0]!.secret = 'changed';
      (claimed!.delivery as { status: string }).status = 'delivered';
      expect((await webhooks.getDelivery('t1', dlv('we_1', 'evt_1')))?.delivery.status).toBe(
        'pending',
      );
      expect((await webhooks.getEndpoint('t1', 'we_1'))?.secrets[0]?.secret).toBe(
        'whsec_secret-of-we_1',
      );
    });

    it('fans out under the cursor: a stale afterSeq writes nothing; each tenant has its own cursor', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1', 'we_2');
      await withEndpoints(state, 't2', 'we_1');
      expect(await webhooks.cursor('t1')).toBe(0);
      expect(await fan(webhooks, 't1', ['evt_1', 'evt_2'], ['we_1', 'we_2'], [100, 200])).toBe(
        true,
      );
      expect(await webhooks.cursor('t1')).toBe(2);
      expect(await webhooks.cursor('t2')).toBe(0);
      expect(await webhooks.getDelivery('t1', dlv('we_2', 'evt_2'))).toEqual({
        delivery: {
          id: dlv('we_2', 'evt_2'),
          endpoint: 'we_2',
          url: webhookEndpoint('we_2').url,
          eventId: 'evt_2',
          eventType: 'customer.created',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: 200,
          createdAt: 200,
        },
        attempts: [],
      });
      // Another process fanned out first: this one read the cursor at 0.
      expect(
        await webhooks.fanOut('t1', {
          afterSeq: 0,
          toSeq: 3,
          messages: [webhookMessage('evt_3')],
          deliveries: [{ id: dlv('we_1', 'evt_3'), endpoint: 'we_1', eventId: 'evt_3', dueAt: 1 }],
        }),
      ).toBe(false);
      expect(await webhooks.cursor('t1')).toBe(2);
      expect(await webhooks.getDelivery('t1', dlv('we_1', 'evt_3'))).toBeUndefined();
      expect(await listed(webhooks, 't1')).toHaveLength(4);
      // t2's cursor is still 0: its fan-out is its own.
      expect(await fan(webhooks, 't2', ['evt_1'], ['we_1'])).toBe(true);
      expect(await webhooks.cursor('t2')).toBe(1);
      expect(await webhooks.cursor('t1')).toBe(2);
      // A fan-out with no deliveries (no endpoint wants the events) still moves the cursor.
      expect(
        await webhooks.fanOut('t2', { afterSeq: 1, toSeq: 9, messages: [], deliveries: [] }),
      ).toBe(true);
      expect(await webhooks.cursor('t2')).toBe(9);
    });

    it('makes one delivery per event and endpoint: a second fan-out of the same event adds none', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1');
      await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100);
      // Fanned out again (a cursor that lagged) under another delivery id: still one delivery.
      const again = await fan(webhooks, 't1', ['evt_1'], ['we_1'], 500, {
        messages: [{ ...webhookMessage('evt_1'), payload: '{"other":true}' }],
        deliveries: [{ id: 'dlv_other', endpoint: 'we_1', eventId: 'evt_1', dueAt: 500 }],
      });
      expect(again).toBe(true);
      expect(await listed(webhooks, 't1')).toEqual([dlv('we_1', 'evt_1')]);
      const [claimed] = await claim(webhooks, 't1');
      expect(claimed?.delivery.nextAttemptAt).toBe(100);
      // The message stays the bytes first written.
      expect(claimed?.payload).toBe(webhookMessage('evt_1').payload);
      // A delivery to an endpoint the tenant does not have (deleted meanwhile) is none.
      await fan(webhooks, 't1', ['evt_2'], ['we_gone']);
      expect(await listed(webhooks, 't1')).toEqual([dlv('we_1', 'evt_1')]);
    });

    it('refuses a fan-out whole when a delivery has no event type (no message, no event)', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1');
      await expect(
        webhooks.fanOut('t1', {
          afterSeq: 0,
          toSeq: 2,
          messages: [webhookMessage('evt_1')],
          deliveries: [
            { id: 'dlv_1', endpoint: 'we_1', eventId: 'evt_1', dueAt: 0 },
            { id: 'dlv_2', endpoint: 'we_1', eventId: 'evt_unknown', dueAt: 0 },
          ],
        }),
      ).rejects.toThrow();
      expect(await webhooks.cursor('t1')).toBe(0);
      expect(await listed(webhooks, 't1')).toEqual([]);
      // The message of evt_1 was not written either: without it, evt_1 has no type.
      await expect(
        webhooks.fanOut('t1', {
          afterSeq: 0,
          toSeq: 2,
          messages: [],
          deliveries: [{ id: 'dlv_1', endpoint: 'we_1', eventId: 'evt_1', dueAt: 0 }],
        }),
      ).rejects.toThrow();
    });

    it('stores a blocked delivery failed with its attempt, typed by its event; it is never claimed', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withTenants(state, 't1');
      await state.resources.apply('t1', { puts: [], deletes: [], events: [event('evt_1')] }, 1);
      await withEndpoints(state, 't1', 'we_1');
      const blocked = attempt(1, {
        outcome: 'blocked',
        error: 'secret-detected',
        latencyMs: 0,
        sentAt: 0,
        at: 50,
      });
      const { status: _s, excerpt: _e, nextAttemptAt: _n, ...blockedAttempt } = blocked;
      expect(
        await webhooks.fanOut('t1', {
          afterSeq: 0,
          toSeq: 1,
          messages: [],
          deliveries: [
            { id: 'dlv_1', endpoint: 'we_1', eventId: 'evt_1', dueAt: 50, blocked: blockedAttempt },
          ],
        }),
      ).toBe(true);
      expect(await webhooks.getDelivery('t1', 'dlv_1')).toEqual({
        delivery: {
          id: 'dlv_1',
          endpoint: 'we_1',
          url: webhookEndpoint('we_1').url,
          eventId: 'evt_1',
          eventType: 'customer.created',
          status: 'failed',
          attempts: 1,
          createdAt: 50,
        },
        attempts: [blockedAttempt],
      });
      expect(await claim(webhooks, 't1')).toEqual([]);
      // No payload was kept: there is nothing to redeliver, and it says why.
      expect(await webhooks.redeliver('t1', 'dlv_1', 60)).toBe('blocked');
      expect(await webhooks.redeliver('t1', 'dlv_1', 60, 10 ** 9)).toBe('blocked');
      expect((await webhooks.getDelivery('t1', 'dlv_1'))?.delivery.status).toBe('failed');
    });

    it('claims due deliveries earliest first, ties in the order made, with endpoint and payload', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1', 'we_2');
      await fan(webhooks, 't1', ['evt_3'], ['we_1'], 300);
      await fan(webhooks, 't1', ['evt_1', 'evt_2'], ['we_2', 'we_1'], 100);
      expect(await claim(webhooks, 't1', { now: 99 })).toEqual([]);
      const first = await claim(webhooks, 't1', { now: 100, limit: 3 });
      expect(ids(first)).toEqual([
        dlv('we_2', 'evt_1'),
        dlv('we_1', 'evt_1'),
        dlv('we_2', 'evt_2'),
      ]);
      expect(first[0]).toEqual({
        delivery: {
          id: dlv('we_2', 'evt_1'),
          endpoint: 'we_2',
          url: webhookEndpoint('we_2').url,
          eventId: 'evt_1',
          eventType: 'customer.created',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: 100,
          createdAt: 100,
        },
        endpoint: webhookEndpoint('we_2'),
        payload: webhookMessage('evt_1').payload,
        manual: false,
      });
      // The rest, under the limit; what is leased is not handed out again.
      expect(ids(await claim(webhooks, 't1', { owner: 'srv_2', limit: 1 }))).toEqual([
        dlv('we_1', 'evt_2'),
      ]);
      expect(ids(await claim(webhooks, 't1', { owner: 'srv_2' }))).toEqual([dlv('we_1', 'evt_3')]);
      expect(await claim(webhooks, 't1', { owner: 'srv_3' })).toEqual([]);
    });

    it('claims only deliveries to an enabled endpoint not throttled at now', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_on', 'we_off', 'we_slow');
      await webhooks.updateEndpoint('t1', 'we_off', {
        status: 'disabled',
        disabledReason: 'manual',
      });
      await webhooks.updateEndpoint('t1', 'we_slow', { throttledUntil: 500 });
      await fan(webhooks, 't1', ['evt_1'], ['we_on', 'we_off', 'we_slow'], 100);
      expect(ids(await claim(webhooks, 't1', { now: 499 }))).toEqual([dlv('we_on', 'evt_1')]);
      expect(ids(await claim(webhooks, 't1', { now: 500 }))).toEqual([dlv('we_slow', 'evt_1')]);
      await webhooks.updateEndpoint('t1', 'we_off', { status: 'enabled', disabledReason: null });
      expect(ids(await claim(webhooks, 't1', { now: 500 }))).toEqual([dlv('we_off', 'evt_1')]);
    });

    it('hands a lease past realNow to another owner; the first owner can no longer settle', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1');
      await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100);
      const id = dlv('we_1', 'evt_1');
      expect(
        ids(await claim(webhooks, 't1', { owner: 'srv_a', realNow: 1000, leaseMs: 50 })),
      ).toEqual([id]);
      expect(await claim(webhooks, 't1', { owner: 'srv_b', realNow: 1049 })).toEqual([]);
      expect(ids(await claim(webhooks, 't1', { owner: 'srv_b', realNow: 1050 }))).toEqual([id]);
      // srv_a stalled past its lease: its attempt is not recorded.
      expect(
        await webhooks.settle('t1', id, 'srv_a', attempt(1, { outcome: 'delivered' }), {
          status: 'delivered',
        }),
      ).toBe(false);
      expect((await webhooks.getDelivery('t1', id))?.attempts).toEqual([]);
      expect(
        await webhooks.settle('t1', id, 'srv_b', attempt(1), {
          status: 'pending',
          nextAttemptAt: 2000,
        }),
      ).toBe(true);
      expect(await webhooks.getDelivery('t1', id)).toMatchObject({
        delivery: { status: 'pending', attempts: 1, nextAttemptAt: 2000 },
        attempts: [attempt(1)],
      });
    });

    it('settles only for the lease owner: attempt, next state and endpoint changes at once', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1', 'we_2');
      await fan(webhooks, 't1', ['evt_1', 'evt_2'], ['we_1', 'we_2'], 100);
      const id = dlv('we_1', 'evt_1');
      // Not claimed yet: nobody holds the lease.
      expect(await webhooks.settle('t1', id, 'srv_1', attempt(1), { status: 'pending' })).toBe(
        false,
      );
      await claim(webhooks, 't1');
      expect(
        await webhooks.settle('t1', id, 'srv_other', attempt(1), {
          status: 'failed',
          disable: 'gone',
        }),
      ).toBe(false);
      expect(await webhooks.getDelivery('t1', id)).toMatchObject({
        delivery: { status: 'pending', attempts: 0 },
        attempts: [],
      });
      expect((await webhooks.getEndpoint('t1', 'we_1'))?.status).toBe('enabled');

      // A retry: scheduled again, the lease released (due again at its new time, to anyone).
      expect(
        await webhooks.settle('t1', id, 'srv_1', attempt(1), {
          status: 'pending',
          nextAttemptAt: 2000,
        }),
      ).toBe(true);
      expect(await webhooks.settle('t1', id, 'srv_1', attempt(1), { status: 'pending' })).toBe(
        false,
      );
      expect(ids(await claim(webhooks, 't1', { now: 1999, owner: 'srv_2' }))).toEqual([]);
      expect(ids(await claim(webhooks, 't1', { now: 2000, owner: 'srv_2' }))).toEqual([id]);
      const second = attempt(2, { outcome: 'throttled', status: 429 });
      expect(
        await webhooks.settle('t1', id, 'srv_2', second, {
          status: 'pending',
          nextAttemptAt: 3000,
          throttledUntil: 3000,
        }),
      ).toBe(true);
      expect((await webhooks.getEndpoint('t1', 'we_1'))?.throttledUntil).toBe(3000);
      expect(ids(await claim(webhooks, 't1', { now: 2999, owner: 'srv_3' }))).toEqual([]);
      const delivered = attempt(3, {
        outcome: 'delivered',
        status: 204,
        at: 3000,
      });
      const { error: _e, excerpt: _x, nextAttemptAt: _n, ...bare } = delivered;
      expect(ids(await claim(webhooks, 't1', { now: 3000, owner: 'srv_3' }))).toEqual([id]);
      expect(await webhooks.settle('t1', id, 'srv_3', bare, { status: 'delivered' })).toBe(true);
      expect(await webhooks.getDelivery('t1', id)).toEqual({
        delivery: {
          id,
          endpoint: 'we_1',
          url: webhookEndpoint('we_1').url,
          eventId: 'evt_1',
          eventType: 'customer.created',
          status: 'delivered',
          attempts: 3,
          createdAt: 100,
        },
        attempts: [attempt(1), second, bare],
      });
      expect(await claim(webhooks, 't1', { now: 10 ** 9, owner: 'srv_4' })).toEqual([]);

      // A 410: the delivery fails and the endpoint is disabled; its other deliveries wait.
      const gone = dlv('we_2', 'evt_1');
      expect(
        await webhooks.settle('t1', gone, 'srv_1', attempt(1, { outcome: 'gone', status: 410 }), {
          status: 'failed',
          disable: 'gone',
        }),
      ).toBe(true);
      expect(await webhooks.getEndpoint('t1', 'we_2')).toMatchObject({
        status: 'disabled',
        disabledReason: 'gone',
      });
      expect((await webhooks.getDelivery('t1', gone))?.delivery).toMatchObject({
        status: 'failed',
        attempts: 1,
      });
      expect((await webhooks.getDelivery('t1', gone))?.delivery.nextAttemptAt).toBeUndefined();
      // srv_1 still holds evt_2's leases; they settle, and the disabled endpoint's waits.
      await webhooks.release('srv_1');
      expect(ids(await claim(webhooks, 't1', { now: 10 ** 9, owner: 'srv_5' }))).toEqual([
        dlv('we_1', 'evt_2'),
      ]);
    });

    it('releases every lease of an owner, in every tenant, and only its own', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      for (const t of ['t1', 't2']) {
        await withEndpoints(state, t, 'we_1');
        await fan(webhooks, t, ['evt_1', 'evt_2'], ['we_1'], 100);
      }
      await claim(webhooks, 't1', { owner: 'srv_a', limit: 1 });
      await claim(webhooks, 't2', { owner: 'srv_a' });
      await claim(webhooks, 't1', { owner: 'srv_b' });
      expect(await webhooks.release('srv_a')).toBe(3);
      expect(await webhooks.release('srv_a')).toBe(0);
      // Claimable at once, well before the lease would have run out.
      expect(ids(await claim(webhooks, 't1', { owner: 'srv_c' }))).toEqual([dlv('we_1', 'evt_1')]);
      expect(ids(await claim(webhooks, 't2', { owner: 'srv_c' }))).toHaveLength(2);
      expect(
        await webhooks.settle('t1', dlv('we_1', 'evt_1'), 'srv_a', attempt(1), {
          status: 'failed',
        }),
      ).toBe(false);
      expect(
        await webhooks.settle('t1', dlv('we_1', 'evt_2'), 'srv_b', attempt(1), {
          status: 'failed',
        }),
      ).toBe(true);
    });

    it('a redelivery of a delivery still on its schedule brings it forward and keeps its retries', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1');
      await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100);
      const id = dlv('we_1', 'evt_1');
      const [first] = await claim(webhooks, 't1');
      expect(first?.manual).toBe(false);
      await webhooks.settle('t1', id, 'srv_1', attempt(1, { outcome: 'retry', status: 500 }), {
        status: 'pending',
        nextAttemptAt: 50_000,
      });
      expect(await webhooks.redeliver('t1', id, 1_000)).toBe('queued');
      const [again] = await claim(webhooks, 't1', { now: 1_000 });
      expect(again?.manual).toBe(false);
      await webhooks.settle('t1', id, 'srv_1', attempt(2, { outcome: 'retry', status: 500 }), {
        status: 'pending',
        nextAttemptAt: 60_000,
      });
      // Still pending: its schedule goes on.
      expect((await webhooks.getDelivery('t1', id))?.delivery).toMatchObject({
        status: 'pending',
        nextAttemptAt: 60_000,
        attempts: 2,
      });
    });

    it('redelivers by hand: queued once, in flight while leased, unknown elsewhere; never retried', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1');
      await withEndpoints(state, 't2', 'we_1');
      await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100);
      const id = dlv('we_1', 'evt_1');
      expect(await webhooks.redeliver('t1', 'dlv_nope', 500)).toBe('unknown');
      expect(await webhooks.redeliver('t2', id, 500)).toBe('unknown');
      await claim(webhooks, 't1');
      expect(await webhooks.redeliver('t1', id, 500)).toBe('in-flight');
      const done = attempt(1, { outcome: 'delivered', status: 200 });
      await webhooks.settle('t1', id, 'srv_1', done, { status: 'delivered' });
      expect(await webhooks.redeliver('t1', id, 20_000)).toBe('queued');
      expect((await webhooks.getDelivery('t1', id))?.delivery).toMatchObject({
        status: 'pending',
        nextAttemptAt: 20_000,
        attempts: 1,
      });
      expect(await claim(webhooks, 't1', { now: 19_999 })).toEqual([]);
      const redelivered = await claim(webhooks, 't1', { now: 20_000 });
      expect(ids(redelivered)).toEqual([id]);
      // The claim says it is the manual one, so the attempt is recorded as such.
      expect(redelivered[0]?.manual).toBe(true);
      // However the attempt ends, a manual redelivery is one attempt: it is not scheduled again.
      const manual = attempt(2, { manual: true, at: 20_000 });
      expect(
        await webhooks.settle('t1', id, 'srv_1', manual, {
          status: 'pending',
          nextAttemptAt: 21_000,
        }),
      ).toBe(true);
      expect(await webhooks.getDelivery('t1', id)).toMatchObject({
        delivery: { status: 'failed', attempts: 2 },
        attempts: [done, manual],
      });
      expect((await webhooks.getDelivery('t1', id))?.delivery.nextAttemptAt).toBeUndefined();
      expect(await claim(webhooks, 't1', { now: 10 ** 9 })).toEqual([]);
      // Redelivered again, then scheduled again: the next settle is an ordinary one.
      expect(await webhooks.redeliver('t1', id, 30_000)).toBe('queued');
      expect(await webhooks.redeliver('t1', id, 30_000)).toBe('queued');
      await claim(webhooks, 't1', { now: 30_000 });
      await webhooks.settle('t1', id, 'srv_1', attempt(3, { manual: true }), {
        status: 'delivered',
      });
      expect((await webhooks.getDelivery('t1', id))?.delivery).toMatchObject({
        status: 'delivered',
        attempts: 3,
      });
    });

    it('adds a probe of the newest delivered event: one attempt, its own id, the same payload; never retried', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1', 'we_2');
      await withEndpoints(state, 't2', 'we_1');
      const probe = (id: string, extra: { endpoint?: string; at?: number } = {}) => ({
        id,
        kind: 'duplicate' as const,
        at: extra.at ?? 500,
        ...(extra.endpoint === undefined ? {} : { endpoint: extra.endpoint }),
      });
      // Nothing delivered yet: nothing to probe with, and nothing written.
      expect(await webhooks.addProbe('t1', probe('dlv_p0'))).toBeUndefined();
      await fan(webhooks, 't1', ['evt_1', 'evt_2', 'evt_3'], ['we_1'], 100);
      await fan(webhooks, 't1', ['evt_4'], ['we_2'], 100);
      expect(await webhooks.addProbe('t1', probe('dlv_p0'))).toBeUndefined();
      // evt_1 and evt_2 delivered (evt_2 the newer delivery), evt_3 and evt_4 failed.
      await claim(webhooks, 't1', { limit: 4 });
      const ok = attempt(1, { outcome: 'delivered', status: 200 });
      await webhooks.settle('t1', dlv('we_1', 'evt_1'), 'srv_1', ok, { status: 'delivered' });
      await webhooks.settle('t1', dlv('we_1', 'evt_2'), 'srv_1', ok, { status: 'delivered' });
      await webhooks.settle('t1', dlv('we_1', 'evt_3'), 'srv_1', attempt(1), { status: 'failed' });
      await webhooks.settle('t1', dlv('we_2', 'evt_4'), 'srv_1', attempt(1), { status: 'failed' });
      const before = await listed(webhooks, 't1');

      const made = await webhooks.addProbe('t1', {
        id: 'dlv_p1',
        kind: 'bad-signature',
        at: 700,
      });
      expect(made).toEqual({
        id: 'dlv_p1',
        endpoint: 'we_1',
        url: webhookEndpoint('we_1').url,
        eventId: 'evt_2',
        eventType: 'customer.created',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: 700,
        createdAt: 700,
        probe: 'bad-signature',
      });
      // A taken id, another tenant's deliveries, an endpoint with nothing delivered: nothing.
      expect(await webhooks.addProbe('t1', probe('dlv_p1'))).toBeUndefined();
      expect(await webhooks.addProbe('t1', probe(dlv('we_1', 'evt_1')))).toBeUndefined();
      expect(await webhooks.addProbe('t2', probe('dlv_p2'))).toBeUndefined();
      expect(await webhooks.addProbe('t1', probe('dlv_p2', { endpoint: 'we_2' }))).toBeUndefined();
      expect(await listed(webhooks, 't1')).toEqual(['dlv_p1', ...before]);
      expect((await webhooks.getDelivery('t1', 'dlv_p1'))?.delivery).toEqual(made);
      expect((await webhooks.listDeliveries('t1', { limit: 1 }))[0]).toEqual(made);

      // Claimed at its time, with the stored bytes, as a manual one; asked to retry, it fails.
      expect(await claim(webhooks, 't1', { now: 699 })).toEqual([]);
      const [claimed] = await claim(webhooks, 't1', { now: 700 });
      expect(claimed).toMatchObject({
        delivery: { id: 'dlv_p1', probe: 'bad-signature', eventId: 'evt_2' },
        payload: webhookMessage('evt_2').payload,
        manual: true,
      });
      const refused = attempt(1, { manual: true, at: 700, status: 400 });
      expect(
        await webhooks.settle('t1', 'dlv_p1', 'srv_1', refused, {
          status: 'pending',
          nextAttemptAt: 900,
        }),
      ).toBe(true);
      expect(await webhooks.getDelivery('t1', 'dlv_p1')).toEqual({
        delivery: { ...withoutNext(made!), status: 'failed', attempts: 1 },
        attempts: [refused],
      });
      expect(await claim(webhooks, 't1', { now: 10 ** 9 })).toEqual([]);

      // A probe is never the original of another; a disabled endpoint is passed over.
      const second = await webhooks.addProbe('t1', probe('dlv_p3'));
      expect(second).toMatchObject({ eventId: 'evt_2', probe: 'duplicate' });
      expect(await webhooks.updateEndpoint('t1', 'we_1', { status: 'disabled' })).toBe(true);
      expect(await webhooks.addProbe('t1', probe('dlv_p4'))).toBeUndefined();
      // And fan-out still makes one delivery per event and endpoint, probes or not.
      expect(await webhooks.updateEndpoint('t1', 'we_1', { status: 'enabled' })).toBe(true);
      const afterSeq = await webhooks.cursor('t1');
      expect(
        await webhooks.fanOut('t1', {
          afterSeq,
          toSeq: afterSeq + 1,
          messages: [],
          deliveries: [{ id: 'dlv_again', endpoint: 'we_1', eventId: 'evt_2', dueAt: 900 }],
        }),
      ).toBe(true);
      expect(await webhooks.getDelivery('t1', 'dlv_again')).toBeUndefined();
    });

    it('does not redeliver to a deleted endpoint, and says so; the delivery stays abandoned', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1');
      await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100);
      const id = dlv('we_1', 'evt_1');
      expect(await webhooks.deleteEndpoint('t1', 'we_1')).toBe(true);
      expect(await webhooks.redeliver('t1', id, 500)).toBe('endpoint-gone');
      expect(await webhooks.redeliver('t1', id, 500, 1_000_000)).toBe('endpoint-gone');
      expect((await webhooks.getDelivery('t1', id))?.delivery.status).toBe('abandoned');
      expect(await claim(webhooks, 't1', { now: 10 ** 9 })).toEqual([]);
    });

    it("a lease past realNow is a crashed process's: redeliver queues over it, without realNow it holds", async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1');
      await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100);
      const id = dlv('we_1', 'evt_1');
      // Leased until 1_030_000 of real time, then the process dies; the endpoint is disabled.
      expect(ids(await claim(webhooks, 't1', { realNow: 1_000_000, leaseMs: 30_000 }))).toEqual([
        id,
      ]);
      expect(await webhooks.updateEndpoint('t1', 'we_1', { status: 'disabled' })).toBe(true);
      expect(await webhooks.redeliver('t1', id, 500)).toBe('in-flight');
      expect(await webhooks.redeliver('t1', id, 500, 1_029_999)).toBe('in-flight');
      expect(await webhooks.redeliver('t1', id, 500, 1_030_000)).toBe('queued');
      expect((await webhooks.getDelivery('t1', id))?.delivery).toMatchObject({
        status: 'pending',
        nextAttemptAt: 500,
      });
      // Enabled again, the next claim takes the delivery over from the dead owner.
      expect(await webhooks.updateEndpoint('t1', 'we_1', { status: 'enabled' })).toBe(true);
      const taken = await claim(webhooks, 't1', { realNow: 1_030_000, owner: 'srv_2' });
      expect(ids(taken)).toEqual([id]);
      expect(
        await webhooks.settle(
          't1',
          id,
          'srv_2',
          attempt(1, { outcome: 'delivered', status: 200 }),
          {
            status: 'delivered',
          },
        ),
      ).toBe(true);
    });

    it('never claims, settles, redelivers or shows one tenant the deliveries of another', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      for (const t of ['t1', 't2']) await withEndpoints(state, t, 'we_1');
      await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100);
      await fan(webhooks, 't2', ['evt_1', 'evt_2'], ['we_1'], 100);
      expect(ids(await claim(webhooks, 't1'))).toEqual([dlv('we_1', 'evt_1')]);
      expect(await webhooks.getDelivery('t1', dlv('we_1', 'evt_2'))).toBeUndefined();
      expect(await listed(webhooks, 't1')).toEqual([dlv('we_1', 'evt_1')]);
      // t2's delivery of the same id is leased to nobody: t1's owner cannot settle it.
      await claim(webhooks, 't2', { owner: 'srv_2' });
      expect(
        await webhooks.settle('t2', dlv('we_1', 'evt_1'), 'srv_1', attempt(1), {
          status: 'failed',
        }),
      ).toBe(false);
      expect(
        await webhooks.settle('t1', dlv('we_1', 'evt_2'), 'srv_2', attempt(1), {
          status: 'failed',
        }),
      ).toBe(false);
      expect(
        await webhooks.settle('t1', dlv('we_1', 'evt_1'), 'srv_1', attempt(1), {
          status: 'failed',
          disable: 'gone',
          throttledUntil: 10 ** 9,
        }),
      ).toBe(true);
      expect(await webhooks.getEndpoint('t2', 'we_1')).toEqual(webhookEndpoint('we_1'));
      expect(await webhooks.redeliver('t1', dlv('we_1', 'evt_2'), 1)).toBe('unknown');
      expect(await webhooks.deleteEndpoint('t1', 'we_1')).toBe(true);
      for (const d of await webhooks.listDeliveries('t2', { limit: 10 }))
        expect(d).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await webhooks.cursor('t2')).toBe(2);
    });

    it('lists deliveries newest first, filtered, a page before a delivery id; getDelivery has attempts in order', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1', 'we_2');
      await fan(webhooks, 't1', ['evt_1', 'evt_2', 'evt_3'], ['we_1', 'we_2'], 100);
      const all = [
        dlv('we_2', 'evt_3'),
        dlv('we_1', 'evt_3'),
        dlv('we_2', 'evt_2'),
        dlv('we_1', 'evt_2'),
        dlv('we_2', 'evt_1'),
        dlv('we_1', 'evt_1'),
      ];
      expect(await listed(webhooks, 't1')).toEqual(all);
      const page = async (q: Parameters<WebhookStore['listDeliveries']>[1]) =>
        (await webhooks.listDeliveries('t1', q)).map((d) => d.id);
      expect(await page({ limit: 2 })).toEqual(all.slice(0, 2));
      expect(await page({ limit: 2, before: all[1]! })).toEqual(all.slice(2, 4));
      expect(await page({ limit: 10, before: all[5]! })).toEqual([]);
      expect(await page({ limit: 10, before: 'dlv_unknown' })).toEqual([]);
      expect(await page({ limit: 10, endpoint: 'we_1' })).toEqual(
        all.filter((d) => d.includes('we_1')),
      );
      expect(await page({ limit: 10, eventId: 'evt_2' })).toEqual(all.slice(2, 4));
      expect(await page({ limit: 1, endpoint: 'we_2', before: all[0]! })).toEqual([all[2]]);
      await claim(webhooks, 't1', { limit: 1 });
      await webhooks.settle('t1', dlv('we_1', 'evt_1'), 'srv_1', attempt(1), {
        status: 'delivered',
      });
      expect(await page({ limit: 10, status: 'delivered' })).toEqual([dlv('we_1', 'evt_1')]);
      expect(await page({ limit: 10, status: 'pending', eventId: 'evt_1' })).toEqual([
        dlv('we_2', 'evt_1'),
      ]);
      expect(await page({ limit: 10, status: 'failed' })).toEqual([]);
      // A limit that is not a number reads one.
      expect(await page({ limit: NaN })).toHaveLength(1);

      // Attempts in the order made, whatever their numbers and times say.
      const id = dlv('we_2', 'evt_3');
      for (let n = 1; n <= 3; n++) {
        await claim(webhooks, 't1', { now: 10 ** 6, owner: `srv_${n}`, realNow: 10 ** 9 * n });
        await webhooks.settle('t1', id, `srv_${n}`, attempt(n, { at: 10 - n }), {
          status: 'pending',
          nextAttemptAt: 100,
        });
      }
      expect((await webhooks.getDelivery('t1', id))?.attempts).toEqual([
        attempt(1, { at: 9 }),
        attempt(2, { at: 8 }),
        attempt(3, { at: 7 }),
      ]);
      expect(await webhooks.getDelivery('t1', 'dlv_unknown')).toBeUndefined();
    });

    it('abandons the pending deliveries of a deleted endpoint and keeps its log', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1', 'we_2');
      await fan(webhooks, 't1', ['evt_1', 'evt_2', 'evt_3'], ['we_1', 'we_2'], [100, 200, 300]);
      await claim(webhooks, 't1', { now: 100 });
      await webhooks.settle('t1', dlv('we_1', 'evt_1'), 'srv_1', attempt(1), {
        status: 'delivered',
      });
      // evt_2 to we_1 is in flight when the endpoint goes.
      expect(ids(await claim(webhooks, 't1', { now: 200, limit: 1 }))).toEqual([
        dlv('we_1', 'evt_2'),
      ]);
      expect(await webhooks.deleteEndpoint('t1', 'we_1')).toBe(true);
      expect((await webhooks.getDelivery('t1', dlv('we_1', 'evt_1')))?.delivery.status).toBe(
        'delivered',
      );
      for (const e of ['evt_2', 'evt_3']) {
        const got = (await webhooks.getDelivery('t1', dlv('we_1', e)))?.delivery;
        expect(got).toMatchObject({ status: 'abandoned', endpoint: 'we_1' });
        expect(got?.nextAttemptAt).toBeUndefined();
      }
      expect(await webhooks.redeliver('t1', dlv('we_1', 'evt_1'), 1000)).toBe('endpoint-gone');
      expect(await listed(webhooks, 't1')).toHaveLength(6);
      expect(await webhooks.listDeliveries('t1', { limit: 10, status: 'abandoned' })).toHaveLength(
        2,
      );
      // we_2's are untouched.
      expect(ids(await claim(webhooks, 't1', { now: 10 ** 6, owner: 'srv_2' }))).toEqual([
        dlv('we_2', 'evt_2'),
        dlv('we_2', 'evt_3'),
      ]);
    });

    it('records the attempt in flight when its endpoint is deleted: delivered, or abandoned; never again', async () => {
      const { state } = await harness.open();
      const { webhooks } = state;
      await withEndpoints(state, 't1', 'we_1', 'we_2');
      await fan(webhooks, 't1', ['evt_1', 'evt_2'], ['we_1'], 100);
      const [took, failed] = [dlv('we_1', 'evt_1'), dlv('we_1', 'evt_2')];
      expect(ids(await claim(webhooks, 't1', { now: 100 }))).toEqual([took, failed]);
      expect(await webhooks.deleteEndpoint('t1', 'we_1')).toBe(true);
      // Only the owner of the lease records it, once.
      const delivered = attempt(1, { outcome: 'delivered', status: 200 });
      expect(await webhooks.settle('t1', took, 'srv_2', delivered, { status: 'delivered' })).toBe(
        false,
      );
      expect(await webhooks.settle('t1', took, 'srv_1', delivered, { status: 'delivered' })).toBe(
        true,
      );
      expect(await webhooks.settle('t1', took, 'srv_1', delivered, { status: 'delivered' })).toBe(
        false,
      );
      expect(await webhooks.getDelivery('t1', took)).toMatchObject({
        delivery: { status: 'delivered', attempts: 1, endpoint: 'we_1' },
        attempts: [delivered],
      });
      // Asked to retry (and to slow the endpoint down): recorded, abandoned, never scheduled.
      expect(
        await webhooks.settle('t1', failed, 'srv_1', attempt(1), {
          status: 'pending',
          nextAttemptAt: 2000,
          throttledUntil: 50_000,
        }),
      ).toBe(true);
      const got = await webhooks.getDelivery('t1', failed);
      expect(got).toMatchObject({
        delivery: { status: 'abandoned', attempts: 1 },
        attempts: [attempt(1)],
      });
      expect(got?.delivery.nextAttemptAt).toBeUndefined();
      expect(
        await webhooks.claimDue('t1', {
          now: 10 ** 9,
          realNow: 10 ** 9,
          owner: 'srv_3',
          leaseMs: 1,
          limit: 10,
        }),
      ).toEqual([]);
      expect(await webhooks.redeliver('t1', failed, 3000, 10 ** 9)).toBe('endpoint-gone');
      expect(await webhooks.getEndpoint('t1', 'we_2')).not.toHaveProperty('throttledUntil');
      expect(await webhooks.listDeliveries('t1', { limit: 10, status: 'abandoned' })).toHaveLength(
        1,
      );
    });

    it('names the tenants with work: events an enabled endpoint would get, or pending deliveries', async () => {
      const { state } = await harness.open();
      const { webhooks, resources } = state;
      await withTenants(state, 't1', 't2', 't3');
      const emit = (t: string, id: string) =>
        resources.apply(t, { puts: [], deletes: [], events: [event(id)] }, 1);
      await emit('t1', 'evt_1');
      await emit('t3', 'evt_1');
      // Events, but no endpoint: no work (the dispatcher only moves such a tenant's cursor).
      expect(await webhooks.tenantsWithWork(10)).toEqual([]);
      // An endpoint added now gets events from now on: still none.
      await webhooks.addEndpoint(
        't1',
        webhookEndpoint('we_1', { sinceSeq: await state.events.lastSeq('t1') }),
      );
      expect(await webhooks.tenantsWithWork(10)).toEqual([]);
      await emit('t1', 'evt_2');
      // A disabled endpoint wants nothing.
      await webhooks.addEndpoint('t3', webhookEndpoint('we_1', { status: 'disabled' }));
      await emit('t3', 'evt_2');
      expect(await webhooks.tenantsWithWork(10)).toEqual(['t1']);
      await webhooks.updateEndpoint('t3', 'we_1', { status: 'enabled' });
      expect(await webhooks.tenantsWithWork(10)).toEqual(['t1', 't3']);
      expect(await webhooks.tenantsWithWork(1)).toEqual(['t1']);
      // The next page starts after the last one seen.
      expect(await webhooks.tenantsWithWork(1, 't1')).toEqual(['t3']);
      expect(await webhooks.tenantsWithWork(1, 't3')).toEqual([]);
      // Fanned out: the events are behind the cursor, and the delivery is pending.
      const last = await state.events.lastSeq('t1');
      expect(
        await webhooks.fanOut('t1', {
          afterSeq: 0,
          toSeq: last,
          messages: [webhookMessage('evt_2')],
          deliveries: [{ id: 'dlv_1', endpoint: 'we_1', eventId: 'evt_2', dueAt: 10 ** 9 }],
        }),
      ).toBe(true);
      await webhooks.fanOut('t3', {
        afterSeq: 0,
        toSeq: await state.events.lastSeq('t3'),
        messages: [],
        deliveries: [],
      });
      expect(await webhooks.tenantsWithWork(10)).toEqual(['t1']);
      // Pending, to a disabled endpoint: it waits for `enable`, no work till then.
      await webhooks.updateEndpoint('t1', 'we_1', { status: 'disabled' });
      expect(await webhooks.tenantsWithWork(10)).toEqual([]);
      await webhooks.updateEndpoint('t1', 'we_1', { status: 'enabled' });
      await claim(webhooks, 't1', { now: 10 ** 9 });
      await webhooks.settle('t1', 'dlv_1', 'srv_1', attempt(1), { status: 'delivered' });
      expect(await webhooks.tenantsWithWork(10)).toEqual([]);
      expect(await webhooks.tenantsWithWork(NaN)).toEqual([]);
    });

    it("keeps endpoints, cursor and the delivery log through a tenant's reset and restore; deleting the tenant removes them", async () => {
      const { state } = await harness.open();
      const { webhooks, resources } = state;
      await withTenants(state, 't1', 't2');
      for (const t of ['t1', 't2']) {
        await withEndpoints(state, t, 'we_1');
        await fan(webhooks, t, ['evt_1', 'evt_2'], ['we_1'], 100);
        await claim(webhooks, t, { limit: 1 });
        await webhooks.settle(t, dlv('we_1', 'evt_1'), 'srv_1', attempt(1), {
          status: 'delivered',
        });
      }
      const before = {
        endpoints: await webhooks.listEndpoints('t1'),
        cursor: await webhooks.cursor('t1'),
        deliveries: await webhooks.listDeliveries('t1', { limit: 10 }),
        log: await webhooks.getDelivery('t1', dlv('we_1', 'evt_1')),
      };
      // What `TenantAdmin.reset` and `restore` clear.
      await resources.saveSnapshot('t1', 'snap', 1);
      await state.idempotency.clear('t1');
      await resources.clear('t1');
      await state.scenarios.clear('t1');
      expect(await resources.loadSnapshot('t1', 'snap')).toBe(true);
      await resources.restore('t1', []);
      expect({
        endpoints: await webhooks.listEndpoints('t1'),
        cursor: await webhooks.cursor('t1'),
        deliveries: await webhooks.listDeliveries('t1', { limit: 10 }),
        log: await webhooks.getDelivery('t1', dlv('we_1', 'evt_1')),
      }).toEqual(before);
      expect(ids(await claim(webhooks, 't1', { owner: 'srv_2' }))).toEqual([dlv('we_1', 'evt_2')]);

      expect(await state.tenants.delete('t1')).toBe(true);
      expect(await webhooks.listEndpoints('t1')).toEqual([]);
      expect(await webhooks.cursor('t1')).toBe(0);
      expect(await webhooks.listDeliveries('t1', { limit: 10 })).toEqual([]);
      expect(await webhooks.getDelivery('t1', dlv('we_1', 'evt_1'))).toBeUndefined();
      expect(await webhooks.release('srv_2')).toBe(0);
      // The same tenant id again starts with no webhooks; t2 keeps all of its own.
      await withTenants(state, 't1');
      expect(await webhooks.tenantsWithWork(10)).toEqual(['t2']);
      await withEndpoints(state, 't1', 'we_1');
      expect(await fan(webhooks, 't1', ['evt_1'], ['we_1'], 100)).toBe(true);
      expect(await listed(webhooks, 't1')).toEqual([dlv('we_1', 'evt_1')]);
      expect(await webhooks.listEndpoints('t2')).toHaveLength(1);
      expect(await listed(webhooks, 't2')).toHaveLength(2);
      expect((await webhooks.getDelivery('t2', dlv('we_1', 'evt_1')))?.attempts).toHaveLength(1);
    });

    it('names no secret in a failure', async () => {
      const { state } = await harness.open();
      await state.close();
      const failed = await state.webhooks.addEndpoint('t1', webhookEndpoint('we_1')).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failed).toBeInstanceOf(Error);
      expect(
        JSON.stringify({ message: failed?.message, cause: String(failed?.cause) }),
      ).not.toContain('whsec_');
    });

    if (harness.persistent) {
      it('keeps endpoints, the cursor, pending work and the log across close and reopen', async () => {
        const opened = await harness.open();
        const { webhooks } = opened.state;
        await webhooks.addEndpoint('t1', webhookEndpoint('we_1'));
        await fan(webhooks, 't1', ['evt_1', 'evt_2'], ['we_1'], 100);
        await claim(webhooks, 't1', { limit: 1 });
        await webhooks.settle('t1', dlv('we_1', 'evt_1'), 'srv_1', attempt(1), {
          status: 'pending',
          nextAttemptAt: 200,
        });
        // A lease held when the process went: it runs out as it would have.
        await claim(webhooks, 't1', { now: 100, realNow: 1000, leaseMs: 100 });
        await opened.state.close();
        const again = (await opened.reopen()).webhooks;
        expect(await again.getEndpoint('t1', 'we_1')).toEqual(webhookEndpoint('we_1'));
        expect(await again.cursor('t1')).toBe(2);
        expect(await again.tenantsWithWork(10)).toEqual(['t1']);
        expect(ids(await claim(again, 't1', { now: 200, realNow: 1099, owner: 'srv_2' }))).toEqual([
          dlv('we_1', 'evt_1'),
        ]);
        expect(ids(await claim(again, 't1', { now: 200, realNow: 1100, owner: 'srv_2' }))).toEqual([
          dlv('we_1', 'evt_2'),
        ]);
        expect((await again.getDelivery('t1', dlv('we_1', 'evt_1')))?.attempts).toEqual([
          attempt(1),
        ]);
      });
    }
  });
}
