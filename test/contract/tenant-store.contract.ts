import { describe, expect, it } from 'vitest';
import type { TenantKeyRecord, TenantRecord } from '../../src/core/ports/index.js';
import { journalEntry } from './journal-store.contract.js';
import type { StateHarness } from './state-harness.js';
import { dlv, fan, webhookEndpoint } from './webhook-store.contract.js';

export type NewTenant = Omit<TenantRecord, 'usage'>;

/** A tenant as `create` takes it (every optional member absent). */
export function newTenant(id: string, createdAt = 1000, extra: Partial<NewTenant> = {}): NewTenant {
  return {
    id,
    name: `Tenant ${id}`,
    createdAt,
    lastUsedAt: createdAt,
    seedSet: 'recordings',
    idSeed: `seed-${id}`,
    clock: { offsetMs: 0 },
    ...extra,
  };
}

/** The first key of a tenant. */
export function firstKey(
  tenant: string,
  createdAt = 1000,
  hash = `hash-of-${tenant}`,
): TenantKeyRecord {
  return { hash, tenant, hint: 'td_test_…abcd', createdAt };
}

/** The record `get` answers for a new tenant: what was created, and no usage yet. */
export function stored(t: NewTenant, usage = { resources: 0, bytes: 0 }): TenantRecord {
  return { ...t, usage };
}

/** The behaviour every TenantStore must have. Run it against each implementation. */
export function tenantStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (TenantStore contract)`, () => {
    it('creates a tenant with its first key; reads it by id, by name and by key hash', async () => {
      const { tenants } = (await harness.open()).state;
      expect(await tenants.create(newTenant('t1'), firstKey('t1'))).toBe(true);
      expect(await tenants.get('t1')).toEqual(stored(newTenant('t1')));
      expect(await tenants.getByName('Tenant t1')).toEqual(stored(newTenant('t1')));
      expect(await tenants.resolveKey('hash-of-t1', 2000)).toEqual(stored(newTenant('t1')));
      expect(await tenants.listKeys('t1')).toEqual([firstKey('t1')]);
      expect(await tenants.get('t2')).toBeUndefined();
      expect(await tenants.getByName('Tenant t2')).toBeUndefined();
      expect(await tenants.resolveKey('hash-of-t2', 2000)).toBeUndefined();
    });

    it('keeps every member: seed set and time, id seed, a frozen clock, quotas', async () => {
      const { tenants } = (await harness.open()).state;
      const full = newTenant('t1', 1000, {
        seedSet: 'empty',
        seededAt: 1500,
        idSeed: 'abc',
        clock: { offsetMs: -5, frozenAt: 1_700_000_000_000 },
        quotas: { resources: 10, bytes: 2048 },
      });
      await tenants.create(full, firstKey('t1'));
      expect(await tenants.get('t1')).toEqual(stored(full));
    });

    it('refuses a taken id, name or key hash, changing nothing', async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(newTenant('t1'), firstKey('t1'));
      expect(
        await tenants.create({ ...newTenant('t1'), name: 'other' }, firstKey('t1', 1, 'h2')),
      ).toBe(false);
      expect(await tenants.create({ ...newTenant('t2'), name: 'Tenant t1' }, firstKey('t2'))).toBe(
        false,
      );
      expect(await tenants.create(newTenant('t3'), firstKey('t3', 1000, 'hash-of-t1'))).toBe(false);
      expect((await tenants.list()).map((t) => t.id)).toEqual(['t1']);
      expect(await tenants.resolveKey('h2', 2000)).toBeUndefined();
      expect(await tenants.resolveKey('hash-of-t2', 2000)).toBeUndefined();
      expect(await tenants.listKeys('t1')).toEqual([firstKey('t1')]);
      expect(await tenants.listKeys('t3')).toEqual([]);
    });

    it('lists oldest first, ties by id', async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(newTenant('b', 2000), firstKey('b'));
      await tenants.create(newTenant('c', 1000), firstKey('c'));
      await tenants.create(newTenant('a', 2000), firstKey('a'));
      expect((await tenants.list()).map((t) => t.id)).toEqual(['c', 'a', 'b']);
    });

    it('resolves a key only before it expires and before it is revoked', async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(newTenant('t1'), firstKey('t1'));
      expect(await tenants.addKey({ ...firstKey('t1', 2000, 'second'), expiresAt: 5000 })).toBe(
        true,
      );
      expect((await tenants.resolveKey('second', 4999))?.id).toBe('t1');
      expect(await tenants.resolveKey('second', 5000)).toBeUndefined();
      expect(await tenants.updateKeys('t1', { hashes: ['hash-of-t1'], revokedAt: 3000 })).toBe(1);
      expect((await tenants.resolveKey('hash-of-t1', 2999))?.id).toBe('t1');
      expect(await tenants.resolveKey('hash-of-t1', 3000)).toBeUndefined();
      expect(await tenants.listKeys('t1')).toEqual([
        { ...firstKey('t1'), revokedAt: 3000 },
        { ...firstKey('t1', 2000, 'second'), expiresAt: 5000 },
      ]);
    });

    it('adds keys only to a known tenant and only under a free hash', async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(newTenant('t1'), firstKey('t1'));
      await tenants.create(newTenant('t2'), firstKey('t2'));
      expect(await tenants.addKey(firstKey('nobody', 1, 'h-x'))).toBe(false);
      expect(await tenants.addKey(firstKey('t1', 1, 'hash-of-t2'))).toBe(false);
      expect((await tenants.resolveKey('hash-of-t2', 2000))?.id).toBe('t2');
      expect(await tenants.resolveKey('h-x', 2000)).toBeUndefined();
    });

    it("updates keys: every key of the tenant, or the hashes given, and no other tenant's", async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(newTenant('t1'), firstKey('t1'));
      await tenants.addKey(firstKey('t1', 1001, 'k2'));
      await tenants.addKey(firstKey('t1', 1002, 'k3'));
      await tenants.create(newTenant('t2'), firstKey('t2'));
      // Hashes of another tenant are not this tenant's to change.
      expect(
        await tenants.updateKeys('t1', { hashes: ['k2', 'hash-of-t2'], expiresAt: 9000 }),
      ).toBe(1);
      expect(await tenants.updateKeys('t1', { revokedAt: 8000 })).toBe(3);
      expect(await tenants.updateKeys('t1', { hashes: [], revokedAt: 1 })).toBe(0);
      expect(await tenants.listKeys('t1')).toEqual([
        { ...firstKey('t1'), revokedAt: 8000 },
        { ...firstKey('t1', 1001, 'k2'), expiresAt: 9000, revokedAt: 8000 },
        { ...firstKey('t1', 1002, 'k3'), revokedAt: 8000 },
      ]);
      expect(await tenants.listKeys('t2')).toEqual([firstKey('t2')]);
    });

    it('updates the clock, last use, seeding time and quotas, each alone', async () => {
      const { tenants } = (await harness.open()).state;
      const t = newTenant('t1');
      await tenants.create(t, firstKey('t1'));
      expect(await tenants.update('t1', { clock: { offsetMs: 60_000, frozenAt: 7 } })).toBe(true);
      expect(await tenants.update('t1', { lastUsedAt: 5000 })).toBe(true);
      expect(await tenants.update('t1', { seededAt: 4000 })).toBe(true);
      expect(await tenants.update('t1', { quotas: { requestsPerDay: 3 } })).toBe(true);
      const changed = {
        ...t,
        clock: { offsetMs: 60_000, frozenAt: 7 },
        lastUsedAt: 5000,
        seededAt: 4000,
        quotas: { requestsPerDay: 3 },
      };
      expect(await tenants.get('t1')).toEqual(stored(changed));
      // A thawed clock loses frozenAt; seededAt null means "not seeded yet" (reset).
      expect(await tenants.update('t1', { clock: { offsetMs: 1 }, seededAt: null })).toBe(true);
      const { seededAt: _s, ...unseeded } = changed;
      expect(await tenants.get('t1')).toEqual(stored({ ...unseeded, clock: { offsetMs: 1 } }));
      expect(await tenants.get('t1')).not.toHaveProperty('seededAt');
      expect(await tenants.update('nobody', { lastUsedAt: 1 })).toBe(false);
    });

    it('deletes a tenant with everything stored for it, and nothing of another tenant', async () => {
      const { state } = await harness.open();
      for (const id of ['gone', 'kept']) {
        await state.tenants.create(newTenant(id), firstKey(id));
        await state.resources.put(id, { type: 'customers', id: 'cus_1', value: { id } });
        await state.resources.saveSnapshot(id, 'snap', 1000);
        await state.resources.apply(
          id,
          {
            puts: [],
            deletes: [],
            sequences: [{ name: 'n', value: 3 }],
            events: [evt('evt_1')],
          },
          1000,
        );
        await state.idempotency.begin(id, 'key-1', 'fp', 'POST /x', 1000, 0);
        await state.webhooks.addEndpoint(id, webhookEndpoint('we_1'));
        await fan(state.webhooks, id, ['evt_1'], ['we_1']);
        await state.usage.add(id, 20, 4);
        await state.journal.append([{ ...journalEntry(1), tenant: id }]);
      }
      expect(await state.tenants.delete('gone')).toBe(true);
      expect(await state.tenants.delete('gone')).toBe(false);
      expect(await state.tenants.get('gone')).toBeUndefined();
      expect(await state.tenants.resolveKey('hash-of-gone', 2000)).toBeUndefined();
      expect(await state.tenants.listKeys('gone')).toEqual([]);
      expect(await state.resources.snapshot('gone')).toEqual([]);
      expect(await state.resources.listSnapshots('gone')).toEqual([]);
      expect(await state.resources.sequence('gone', 'n')).toBe(0);
      expect(await state.events.list('gone', 0, 10)).toEqual([]);
      expect(await state.usage.get('gone', 20)).toBe(0);
      expect(await state.idempotency.begin('gone', 'key-1', 'other', 'POST /x', 2000, 0)).toEqual({
        kind: 'new',
      });
      expect(await state.webhooks.getEndpoint('gone', 'we_1')).toBeUndefined();
      expect(await state.webhooks.cursor('gone')).toBe(0);
      expect(await state.webhooks.getDelivery('gone', dlv('we_1', 'evt_1'))).toBeUndefined();
      // Its journal rows too (the plan: "everything of the tenant … journal rows").
      expect(await state.journal.query({ limit: 10, tenant: 'gone' })).toEqual([]);
      expect(await state.journal.query({ limit: 10, tenant: 'kept' })).toHaveLength(1);

      expect((await state.tenants.list()).map((t) => t.id)).toEqual(['kept']);
      expect((await state.tenants.resolveKey('hash-of-kept', 2000))?.id).toBe('kept');
      expect(await state.resources.get('kept', 'customers', 'cus_1')).toEqual({
        type: 'customers',
        id: 'cus_1',
        value: { id: 'kept' },
        version: 1,
      });
      expect(await state.resources.listSnapshots('kept')).toHaveLength(1);
      expect(await state.resources.sequence('kept', 'n')).toBe(3);
      expect(await state.events.list('kept', 0, 10)).toHaveLength(1);
      expect(await state.usage.get('kept', 20)).toBe(4);
      expect(await state.idempotency.begin('kept', 'key-1', 'other', 'POST /x', 2000, 0)).toEqual({
        kind: 'mismatch',
        endpoint: 'POST /x',
      });
      expect(await state.webhooks.getEndpoint('kept', 'we_1')).toEqual(webhookEndpoint('we_1'));
      expect(await state.webhooks.cursor('kept')).toBe(1);
      expect(
        (await state.webhooks.getDelivery('kept', dlv('we_1', 'evt_1')))?.delivery.status,
      ).toBe('pending');
    });

    it('hands out copies: changing a returned record changes nothing stored', async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(newTenant('t1', 1000, { quotas: { bytes: 5 } }), firstKey('t1'));
      const got = (await tenants.get('t1'))!;
      (got.clock as { offsetMs: number }).offsetMs = 99;
      (got.quotas as { bytes: number }).bytes = 99;
      expect(await tenants.get('t1')).toEqual(
        stored(newTenant('t1', 1000, { quotas: { bytes: 5 } })),
      );
    });

    if (harness.persistent) {
      it('keeps tenants and keys across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.tenants.create(newTenant('t1'), firstKey('t1'));
        await opened.state.close();
        const again = await opened.reopen();
        expect(await again.tenants.resolveKey('hash-of-t1', 2000)).toEqual(stored(newTenant('t1')));
      });
    }
  });
}

function evt(id: string) {
  return {
    id,
    type: 'customer.created',
    at: 1000,
    resourceType: 'customers',
    resourceId: 'cus_1',
    data: { id: 'cus_1' },
  };
}
