import { describe, expect, it } from 'vitest';
import type { StoredResource } from '../../src/core/ports/index.js';
import type { StateHarness } from './state-harness.js';

const customer = (id: string, extra: Record<string, string> = {}): StoredResource => ({
  type: 'customers',
  id,
  value: { id, object: 'customer', metadata: { ...extra }, tags: [1, 'two', null, true] },
});

/** The behaviour every ResourceStore must have. Run it against each implementation. */
export function resourceStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (ResourceStore contract)`, () => {
    it('puts, gets and deletes resources by type and id', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_1'));
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(customer('cus_1'));
      expect(await resources.get('t1', 'invoices', 'cus_1')).toBeUndefined();
      expect(await resources.delete('t1', 'customers', 'cus_1')).toBe(true);
      expect(await resources.delete('t1', 'customers', 'cus_1')).toBe(false);
      expect(await resources.get('t1', 'customers', 'cus_1')).toBeUndefined();
    });

    it('lists one type in first-put order; a replaced resource keeps its place', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_b'));
      await resources.put('t1', { type: 'invoices', id: 'in_1', value: 1 });
      await resources.put('t1', customer('cus_a'));
      await resources.put('t1', customer('cus_b', { plan: 'gold' }));
      expect(await resources.list('t1', 'customers')).toEqual([
        customer('cus_b', { plan: 'gold' }),
        customer('cus_a'),
      ]);
      expect(await resources.list('t1', 'charges')).toEqual([]);
    });

    it('never shows one tenant the resources of another, even with the same type and id', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_1', { owner: 't1' }));
      await resources.put('t2', customer('cus_1', { owner: 't2' }));
      await resources.put('t2', customer('cus_2'));
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(
        customer('cus_1', { owner: 't1' }),
      );
      expect(await resources.get('t1', 'customers', 'cus_2')).toBeUndefined();
      expect(await resources.list('t1', 'customers')).toEqual([customer('cus_1', { owner: 't1' })]);
      expect(await resources.delete('t1', 'customers', 'cus_2')).toBe(false);
      await resources.clear('t1');
      expect(await resources.snapshot('t1')).toEqual([]);
      expect(await resources.list('t2', 'customers')).toEqual([
        customer('cus_1', { owner: 't2' }),
        customer('cus_2'),
      ]);
    });

    it('restores a snapshot whole, replacing what came after it, for that tenant only', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_1'));
      await resources.put('t1', { type: 'invoices', id: 'in_1', value: { total: 3 } });
      await resources.put('t2', customer('cus_9'));
      const snapshot = await resources.snapshot('t1');
      expect(snapshot).toEqual([
        customer('cus_1'),
        { type: 'invoices', id: 'in_1', value: { total: 3 } },
      ]);
      await resources.put('t1', customer('cus_1', { changed: 'yes' }));
      await resources.put('t1', customer('cus_2'));
      await resources.delete('t1', 'invoices', 'in_1');
      await resources.restore('t1', snapshot);
      expect(await resources.snapshot('t1')).toEqual(snapshot);
      expect(await resources.snapshot('t2')).toEqual([customer('cus_9')]);
    });

    it('stores values, not references: changing what was put or got changes nothing stored', async () => {
      const { resources } = (await harness.open()).state;
      const put = customer('cus_1');
      await resources.put('t1', put);
      (put.value as { object: string }).object = 'mutated';
      const got = await resources.get('t1', 'customers', 'cus_1');
      (got!.value as { object: string }).object = 'mutated too';
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(customer('cus_1'));
    });

    if (harness.persistent) {
      it('keeps resources across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.resources.put('t1', customer('cus_1'));
        await opened.state.close();
        const again = await opened.reopen();
        expect(await again.resources.list('t1', 'customers')).toEqual([customer('cus_1')]);
      });
    }
  });
}
