import { describe, expect, it } from 'vitest';
import type {
  IdempotentResponse,
  RuntimeState,
  StoredResource,
} from '../../src/core/ports/index.js';
import { journalEntry } from './journal-store.contract.js';
import { event } from './resource-store.contract.js';
import type { StateHarness } from './state-harness.js';
import { firstKey, newTenant } from './tenant-store.contract.js';
import { attempt, webhookEndpoint } from './webhook-store.contract.js';

/**
 * Two tenants holding the same names everywhere (resource types and ids, parents, sequence,
 * snapshot and event names, idempotency keys, usage days, webhook endpoint, event and delivery ids), with values that tell
 * them apart (`owner`, counts): whatever one tenant does, the other's whole state stays as it
 * was, and what one reads is its own. Removing the tenant condition of any statement of a
 * tenant-scoped port fails this suite.
 */

const KEYS = ['k-done', 'k-flight', 'k-applied', 'k-new'];
const SEQUENCES = ['octo/hello#issues', 'other'];
const DAYS = [20_000, 20_001];
const CLAIM = { now: 100, realNow: 1000, owner: 'srv', leaseMs: 10 ** 9, limit: 100 };

const response = (owner: string, status = 201): IdempotentResponse => ({
  status,
  headers: [['x-owner', owner]],
  body: new TextEncoder().encode(`{"owner":"${owner}"}`),
});

const customer = (
  owner: string,
  id: string,
  extra: Record<string, unknown> = {},
): StoredResource => ({
  type: 'customers',
  id,
  value: { id, owner, ...extra },
});

const issue = (owner: string, n: number): StoredResource => ({
  type: 'issues',
  id: String(n),
  parent: 'octo/hello',
  value: { number: n, owner },
});

/** The same-named state of one tenant; `n` (1 or 2) makes counts differ between tenants. */
async function populate(state: RuntimeState, t: string, n: number): Promise<void> {
  expect(
    await state.tenants.create(
      newTenant(t, 1000, { name: `name-${t}` }),
      firstKey(t, 1000, `hash-${t}`),
    ),
  ).toBe(true);
  await state.tenants.addKey(firstKey(t, 1001, `hash2-${t}`));
  const { resources, idempotency } = state;
  for (const key of KEYS.slice(0, 3)) await idempotency.begin(t, key, 'fp', `POST /${t}`, 1000, 0);
  await idempotency.complete(t, 'k-done', response(t));
  expect(
    await resources.apply(
      t,
      {
        puts: [
          customer(t, 'cus_0', { deleted: true }),
          customer(t, 'cus_1', { plan: 'gold' }),
          customer(t, 'cus_2'),
          ...Array.from({ length: n }, (_, i) => issue(t, i + 1)),
        ],
        deletes: [],
        sequences: [{ name: 'octo/hello#issues', value: n }],
        events: [{ ...event('evt_1'), data: { owner: t } }],
        idempotency: { keyHash: 'k-applied', response: response(t, 200) },
      },
      1000,
    ),
  ).toEqual({ ok: true });
  await resources.put(t, { ...customer(t, 'cus_0'), deleted: true });
  await resources.saveSnapshot(t, 'snap', 1000 + n);
  await state.usage.add(t, DAYS[0]!, n);
  // Two endpoints, one event fanned out to both: one delivery settled and due again, one leased.
  for (const id of ['we_1', 'we_2'])
    await state.webhooks.addEndpoint(t, { ...webhookEndpoint(id), url: `http://${t}/${id}` });
  expect(
    await state.webhooks.fanOut(t, {
      afterSeq: 0,
      toSeq: n,
      messages: [{ eventId: 'evt_1', type: 'customer.created', payload: `{"owner":"${t}"}` }],
      deliveries: ['we_1', 'we_2'].map((endpoint) => ({
        id: `dlv_${endpoint}`,
        endpoint,
        eventId: 'evt_1',
        dueAt: 10,
      })),
    }),
  ).toBe(true);
  await state.webhooks.claimDue(t, { ...CLAIM, owner: `srv_${t}` });
  await state.webhooks.settle(t, 'dlv_we_1', `srv_${t}`, attempt(1, { excerpt: `owner ${t}` }), {
    status: 'pending',
    nextAttemptAt: 20,
  });
  await state.journal.append([{ ...journalEntry(n), tenant: t }]);
}

/** Everything the ports show of one tenant, through reads that change nothing. */
async function dump(state: RuntimeState, harness: StateHarness, t: string): Promise<unknown> {
  const { resources, idempotency } = state;
  const idempotencyKeys: Record<string, unknown> = {};
  for (const key of KEYS) {
    // A probe: a completed or in-flight key answers without change; a new one is released.
    const found = await idempotency.begin(t, key, 'fp', 'GET /probe', 10 ** 12, -(10 ** 12));
    if (found.kind === 'new') await idempotency.release(t, key);
    idempotencyKeys[key] = found;
  }
  const pages = [];
  for (const query of [
    { type: 'customers', order: 'desc', limit: 100, withTotal: true },
    { type: 'customers', order: 'asc', limit: 1, after: 'cus_1', where: { owner: t } },
    { type: 'issues', parent: 'octo/hello', order: 'asc', limit: 100, withTotal: true },
  ] as const)
    pages.push(await resources.page(t, query));
  return {
    tenant: await state.tenants.get(t),
    byName: await state.tenants.getByName(`name-${t}`),
    keys: await state.tenants.listKeys(t),
    resolved: (await state.tenants.resolveKey(`hash-${t}`, 2000))?.id,
    snapshot: await resources.snapshot(t),
    lists: [await resources.list(t, 'customers'), await resources.list(t, 'issues')],
    got: await resources.get(t, 'customers', 'cus_1'),
    pages,
    sequences: await Promise.all(SEQUENCES.map((s) => resources.sequence(t, s))),
    snapshots: await resources.listSnapshots(t),
    events: await state.events.list(t, 0, 100),
    usage: await Promise.all(DAYS.map((d) => state.usage.get(t, d))),
    idempotencyKeys,
    webhooks: {
      endpoints: await state.webhooks.listEndpoints(t),
      endpoint: await state.webhooks.getEndpoint(t, 'we_1'),
      cursor: await state.webhooks.cursor(t),
      deliveries: await state.webhooks.listDeliveries(t, { limit: 100 }),
      page: await state.webhooks.listDeliveries(t, {
        limit: 100,
        endpoint: 'we_1',
        eventId: 'evt_1',
        status: 'pending',
        before: 'dlv_we_2',
      }),
      delivery: await state.webhooks.getDelivery(t, 'dlv_we_1'),
    },
    journal: await state.journal.query({ limit: 100, tenant: t }),
    raw: harness.raw?.(state, t),
  };
}

/** Whether `value` (deeply) carries the tenant's mark: an `owner` or `x-owner` of `t`. */
function ownersIn(value: unknown, into = new Set<string>()): Set<string> {
  const text = JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Uint8Array ? new TextDecoder().decode(v) : v,
  );
  for (const m of text.matchAll(/owner\\?"?\s*[:,]\s*\\?"([AB])\\?"/g)) into.add(m[1]!);
  for (const m of text.matchAll(/hash2?-([AB])|name-([AB])|POST \/([AB])|http:\/\/([AB])/g))
    into.add(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  return into;
}

export function isolationContract(name: string, harness: StateHarness): void {
  describe(`${name} (isolation: one tenant never reaches another with the same names)`, () => {
    it('every read, page, count, write, apply, snapshot, expiry and clear of A leaves B whole, and A reads only its own', async () => {
      const { state } = await harness.open();
      await populate(state, 'A', 1);
      await populate(state, 'B', 2);
      const b = await dump(state, harness, 'B');
      // What A sees carries A's marks only (B's dump, B's only: the dump itself is scoped).
      const a = await dump(state, harness, 'A');
      expect(ownersIn(a)).toEqual(new Set(['A']));
      expect(ownersIn(b)).toEqual(new Set(['B']));
      expect((a as { pages: { total?: number }[] }).pages[2]!.total).toBe(1);
      expect((a as { sequences: number[] }).sequences).toEqual([1, 0]);
      expect((a as { usage: number[] }).usage).toEqual([1, 0]);

      const { resources, idempotency, tenants } = state;
      const version = async (type: string, id: string) =>
        (await resources.get('A', type, id))?.version;
      const ops: [string, () => Promise<unknown>][] = [
        ['reads', () => dump(state, harness, 'A')],
        ['put', () => resources.put('A', customer('A', 'cus_1', { changed: true }))],
        ['put new', () => resources.put('A', customer('A', 'cus_3'))],
        ['delete', () => resources.delete('A', 'customers', 'cus_2')],
        [
          'apply',
          async () =>
            expect(
              await resources.apply(
                'A',
                {
                  puts: [
                    {
                      ...customer('A', 'cus_1', { v: 3 }),
                      expectVersion: (await version('customers', 'cus_1'))!,
                    },
                    customer('A', 'cus_2'),
                    { ...customer('A', 'cus_3'), deleted: true, expectVersion: 1 },
                  ],
                  deletes: [{ type: 'issues', id: '1', expectVersion: 1 }],
                  sequences: SEQUENCES.map((s) => ({ name: s, value: 40 })),
                  events: [event('evt_2')],
                  idempotency: { keyHash: 'k-flight', response: response('A') },
                  quotas: { resources: 100, bytes: 1e6 },
                },
                2000,
              ),
            ).toEqual({ ok: true }),
        ],
        [
          'apply refused (conflict)',
          async () =>
            expect(
              (await resources.apply('A', { puts: [customer('A', 'cus_1')], deletes: [] }, 2000))
                .ok,
            ).toBe(false),
        ],
        [
          'apply refused (quota)',
          async () =>
            expect(
              await resources.apply(
                'A',
                {
                  puts: [customer('A', 'cus_9')],
                  deletes: [],
                  quotas: { resources: 1, bytes: 1e6 },
                },
                2000,
              ),
            ).toMatchObject({ reason: 'quota' }),
        ],
        [
          'seed claim',
          async () =>
            expect(
              await resources.apply('A', { puts: [], deletes: [], seed: { at: 3000 } }, 3000),
            ).toEqual({
              ok: true,
            }),
        ],
        ['reserve ids', () => resources.reserveIds('A', 10)],
        ['save snapshot', () => resources.saveSnapshot('A', 'snap', 4000)],
        ['load snapshot', () => resources.loadSnapshot('A', 'snap')],
        ['snapshot + restore', async () => resources.restore('A', await resources.snapshot('A'))],
        ['clear', () => resources.clear('A')],
        ['restore old', () => resources.restore('A', [customer('A', 'cus_1')])],
        ['idempotency begin', () => idempotency.begin('A', 'k-new', 'fp', 'POST /A', 5000, 0)],
        [
          'idempotency mismatch',
          () => idempotency.begin('A', 'k-done', 'other', 'POST /A', 5000, 0),
        ],
        [
          'idempotency overwrite',
          () => idempotency.begin('A', 'k-done', 'fp', 'POST /A', 5000, 4000),
        ],
        ['idempotency complete', () => idempotency.complete('A', 'k-new', response('A'))],
        ['idempotency release', () => idempotency.release('A', 'k-done')],
        // Keys A has completed and B still has in flight: neither call may reach B's.
        [
          'idempotency complete (B in flight)',
          () => idempotency.complete('A', 'k-flight', response('A')),
        ],
        ['idempotency release (B in flight)', () => idempotency.release('A', 'k-flight')],
        ['idempotency expire', () => idempotency.expire('A', 10 ** 13)],
        ['idempotency clear', () => idempotency.clear('A')],
        ['usage', () => state.usage.add('A', DAYS[0]!, 5)],
        ['events', () => state.events.list('A', 0, 100)],
        ['journal', () => state.journal.query({ limit: 10, tenant: 'A' })],
        [
          'webhook claim + settle',
          async () => {
            const claimed = await state.webhooks.claimDue('A', { ...CLAIM, owner: 'srv_x' });
            for (const c of claimed)
              await state.webhooks.settle('A', c.delivery.id, 'srv_x', attempt(2), {
                status: 'failed',
                disable: 'gone',
                throttledUntil: 10 ** 9,
              });
          },
        ],
        // B's lease owner's name: A's calls must not reach B's delivery under it.
        [
          'webhook settle (B owner)',
          () =>
            state.webhooks.settle('A', 'dlv_we_2', 'srv_B', attempt(2), {
              status: 'delivered',
            }),
        ],
        ['webhook redeliver', () => state.webhooks.redeliver('A', 'dlv_we_1', 5)],
        ['webhook redeliver (leased)', () => state.webhooks.redeliver('A', 'dlv_we_2', 5)],
        [
          'webhook fan-out',
          () =>
            state.webhooks.fanOut('A', {
              afterSeq: 1,
              toSeq: 5,
              messages: [{ eventId: 'evt_2', type: 'customer.created', payload: '{"owner":"A"}' }],
              deliveries: [{ id: 'dlv_we_1', endpoint: 'we_1', eventId: 'evt_2', dueAt: 1 }],
            }),
        ],
        [
          'webhook fan-out (stale)',
          () => state.webhooks.fanOut('A', { afterSeq: 0, toSeq: 9, messages: [], deliveries: [] }),
        ],
        [
          'webhook endpoint update',
          () =>
            state.webhooks.updateEndpoint('A', 'we_1', {
              url: 'http://A/changed',
              events: ['a.b'],
              status: 'disabled',
              secrets: [],
              disabledReason: 'manual',
              throttledUntil: null,
            }),
        ],
        ['webhook endpoint add', () => state.webhooks.addEndpoint('A', webhookEndpoint('we_3'))],
        ['webhook endpoint delete', () => state.webhooks.deleteEndpoint('A', 'we_2')],
        ['webhook release (A owner)', () => state.webhooks.release('srv_A')],
        [
          'tenant update',
          () =>
            tenants.update('A', {
              clock: { offsetMs: 5, frozenAt: 5 },
              lastUsedAt: 9,
              seededAt: null,
              quotas: { bytes: 1 },
            }),
        ],
        ['key add', () => tenants.addKey(firstKey('A', 6000, 'hash3-A'))],
        ['keys update', () => tenants.updateKeys('A', { expiresAt: 1, revokedAt: 1 })],
        [
          'keys update by hash',
          () => tenants.updateKeys('A', { hashes: ['hash-B', 'hash2-B'], revokedAt: 1 }),
        ],
        ['tenant delete', () => tenants.delete('A')],
      ];
      for (const [label, op] of ops) {
        await op();
        expect(await dump(state, harness, 'B'), `B after A's ${label}`).toEqual(b);
      }
      expect(await tenants.get('A')).toBeUndefined();
      expect(await tenants.resolveKey('hash-B', 2000)).toMatchObject({ id: 'B' });
    });

    it('reads its own seeding, counters, snapshot and sequences, whichever tenant came first', async () => {
      // B is created after A, so a statement that forgot its tenant would find A's row first.
      const { state } = await harness.open();
      const { resources, tenants } = state;
      for (const t of ['A', 'B'])
        expect(await tenants.create(newTenant(t), firstKey(t, 1000, `hash-${t}`))).toBe(true);
      const seed = { puts: [], deletes: [], seed: { at: 5 } };
      expect(await resources.apply('A', seed, 5)).toEqual({ ok: true });
      expect(await resources.apply('B', seed, 5)).toEqual({ ok: true });
      expect(await resources.apply('B', seed, 5)).toEqual({ ok: false, reason: 'already-seeded' });

      // A is at its quota of 3; B, with 1, may still grow to 3.
      const quotas = { resources: 3, bytes: 1e6 };
      const puts = (t: string, ids: string[]) => ids.map((id) => customer(t, id));
      expect(
        await resources.apply('A', { puts: puts('A', ['a1', 'a2', 'a3']), deletes: [], quotas }, 6),
      ).toEqual({ ok: true });
      expect(
        await resources.apply('B', { puts: puts('B', ['b1']), deletes: [], quotas }, 6),
      ).toEqual({ ok: true });
      expect(
        await resources.apply('B', { puts: puts('B', ['b2', 'b3']), deletes: [], quotas }, 6),
      ).toEqual({ ok: true });
      expect(
        await resources.apply('B', { puts: puts('B', ['b4']), deletes: [], quotas }, 6),
      ).toMatchObject({ ok: false, reason: 'quota', quota: 'resources' });

      // Counters recounted by clear and restore are the tenant's own.
      await resources.clear('B');
      expect((await tenants.get('B'))?.usage).toEqual({ resources: 0, bytes: 0 });
      await resources.restore('B', [customer('B', 'b1')]);
      expect((await tenants.get('B'))?.usage.resources).toBe(1);
      expect((await tenants.get('A'))?.usage.resources).toBe(3);

      // The same snapshot name, each tenant's own resources and sequences.
      await resources.apply(
        'A',
        { puts: [], deletes: [], sequences: [{ name: 'only-A', value: 7 }] },
        7,
      );
      await resources.apply(
        'B',
        { puts: [], deletes: [], sequences: [{ name: 'only-B', value: 8 }] },
        7,
      );
      await resources.saveSnapshot('A', 'snap', 8);
      await resources.saveSnapshot('B', 'snap', 8);
      await resources.clear('B');
      expect(await resources.loadSnapshot('B', 'snap')).toBe(true);
      expect((await resources.snapshot('B')).map((r) => r.id)).toEqual(['b1']);
      expect(await resources.sequence('B', 'only-B')).toBe(8);
      expect(await resources.sequence('B', 'only-A')).toBe(0);
      expect((await tenants.get('B'))?.usage.resources).toBe(1);
    });
  });
}
