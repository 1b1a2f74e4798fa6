import { describe, expect, it } from 'vitest';
import type { TenantRecord } from '../../src/core/ports/index.js';
import type { StateHarness } from './state-harness.js';

export function tenant(id: string, createdAt = 1000): TenantRecord {
  return { id, name: `Tenant ${id}`, keyHash: `hash-of-${id}`, createdAt };
}

/** The behaviour every TenantStore must have. Run it against each implementation. */
export function tenantStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (TenantStore contract)`, () => {
    it('creates tenants and finds them by id and by key hash', async () => {
      const { tenants } = (await harness.open()).state;
      expect(await tenants.list()).toEqual([]);
      expect(await tenants.create(tenant('t1'))).toBe(true);
      expect(await tenants.get('t1')).toEqual(tenant('t1'));
      expect(await tenants.getByKeyHash('hash-of-t1')).toEqual(tenant('t1'));
      expect(await tenants.get('t2')).toBeUndefined();
      expect(await tenants.getByKeyHash('hash-of-t2')).toBeUndefined();
    });

    it('refuses a taken id or key hash and changes nothing', async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(tenant('t1'));
      expect(await tenants.create({ ...tenant('t1'), keyHash: 'other' })).toBe(false);
      expect(await tenants.create({ ...tenant('t2'), keyHash: 'hash-of-t1' })).toBe(false);
      expect(await tenants.list()).toEqual([tenant('t1')]);
      expect(await tenants.getByKeyHash('other')).toBeUndefined();
    });

    it('lists oldest first, ties by id', async () => {
      const { tenants } = (await harness.open()).state;
      await tenants.create(tenant('b', 2000));
      await tenants.create(tenant('c', 1000));
      await tenants.create(tenant('a', 2000));
      expect((await tenants.list()).map((t) => t.id)).toEqual(['c', 'a', 'b']);
    });

    it('deletes a tenant with everything stored for it, and nothing of another tenant', async () => {
      const { state } = await harness.open();
      for (const id of ['gone', 'kept']) {
        await state.tenants.create(tenant(id));
        await state.resources.put(id, { type: 'customers', id: 'cus_1', value: { id } });
        await state.idempotency.begin(id, 'key-1', 'fp', 1000);
        await state.outbox.enqueue(id, { id: 'evt_1', destination: 'http://x', payload: '{}' }, 0);
      }
      expect(await state.tenants.delete('gone')).toBe(true);
      expect(await state.tenants.delete('gone')).toBe(false);
      expect(await state.tenants.get('gone')).toBeUndefined();
      expect(await state.tenants.getByKeyHash('hash-of-gone')).toBeUndefined();
      expect(await state.resources.snapshot('gone')).toEqual([]);
      expect(await state.idempotency.begin('gone', 'key-1', 'other', 2000)).toEqual({
        kind: 'new',
      });
      expect(await state.outbox.get('gone', 'evt_1')).toBeUndefined();

      expect(await state.tenants.list()).toEqual([tenant('kept')]);
      expect(await state.resources.get('kept', 'customers', 'cus_1')).toEqual({
        type: 'customers',
        id: 'cus_1',
        value: { id: 'kept' },
      });
      expect(await state.idempotency.begin('kept', 'key-1', 'other', 2000)).toEqual({
        kind: 'mismatch',
      });
      expect((await state.outbox.get('kept', 'evt_1'))?.status).toBe('pending');
    });

    if (harness.persistent) {
      it('keeps tenants across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.tenants.create(tenant('t1'));
        await opened.state.close();
        const again = await opened.reopen();
        expect(await again.tenants.getByKeyHash('hash-of-t1')).toEqual(tenant('t1'));
      });
    }
  });
}
