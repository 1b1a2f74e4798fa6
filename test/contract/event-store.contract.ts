import { describe, expect, it } from 'vitest';
import { event, withTenants } from './resource-store.contract.js';
import type { StateHarness } from './state-harness.js';

/** The behaviour every EventStore must have (its events are written by ResourceStore.apply). */
export function eventStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (EventStore contract)`, () => {
    it("lists a tenant's events oldest first, after a seq, up to a limit", async () => {
      const { state } = await harness.open();
      await withTenants(state, 't1', 't2');
      for (let i = 0; i < 5; i++)
        await state.resources.apply(
          't1',
          { puts: [], deletes: [], events: [event(`evt_${i}`)] },
          i,
        );
      await state.resources.apply(
        't2',
        { puts: [], deletes: [], events: [event('evt_0', 'cus_t2')] },
        9,
      );
      const all = await state.events.list('t1', 0, 100);
      expect(all.map((e) => e.id)).toEqual(['evt_0', 'evt_1', 'evt_2', 'evt_3', 'evt_4']);
      const seqs = all.map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect((await state.events.list('t1', seqs[1]!, 2)).map((e) => e.id)).toEqual([
        'evt_2',
        'evt_3',
      ]);
      expect(await state.events.list('t1', seqs[4]!, 10)).toEqual([]);
      expect((await state.events.list('t2', 0, 10)).map((e) => e.resourceId)).toEqual(['cus_t2']);
      expect(await state.events.list('t3', 0, 10)).toEqual([]);
      // A limit that is not a number reads one; Infinity reads them all.
      expect(await state.events.list('t1', 0, NaN)).toHaveLength(1);
      expect((await state.events.list('t1', 0, Infinity)).length).toBeGreaterThan(1);
    });

    it('refuses a change whose event id the tenant already has, whole; another tenant may reuse it', async () => {
      const { state } = await harness.open();
      await withTenants(state, 't1', 't2');
      await state.resources.apply('t1', { puts: [], deletes: [], events: [event('evt_1')] }, 1);
      await expect(
        state.resources.apply(
          't1',
          {
            puts: [{ type: 'customers', id: 'cus_1', value: {} }],
            deletes: [],
            events: [event('evt_1')],
          },
          2,
        ),
      ).rejects.toThrow();
      expect(await state.resources.get('t1', 'customers', 'cus_1')).toBeUndefined();
      expect(await state.events.list('t1', 0, 10)).toHaveLength(1);
      expect(
        await state.resources.apply('t2', { puts: [], deletes: [], events: [event('evt_1')] }, 1),
      ).toEqual({
        ok: true,
      });
    });

    it('stores event data as JSON: data that is not JSON refuses the change whole', async () => {
      const { state } = await harness.open();
      await withTenants(state, 't1');
      await expect(
        state.resources.apply(
          't1',
          {
            puts: [{ type: 'customers', id: 'cus_1', value: {} }],
            deletes: [],
            events: [{ ...event('evt_1'), data: { n: 1n } as never }],
          },
          1,
        ),
      ).rejects.toThrow();
      expect(await state.resources.get('t1', 'customers', 'cus_1')).toBeUndefined();
      expect(await state.events.list('t1', 0, 10)).toEqual([]);
      // What JSON leaves out (undefined members) is left out, as a database would.
      await state.resources.apply(
        't1',
        {
          puts: [],
          deletes: [],
          events: [{ ...event('evt_2'), data: { a: 1, gone: undefined } as never }],
        },
        2,
      );
      const [stored] = await state.events.list('t1', 0, 10);
      expect(Object.keys(stored!.data as object)).toEqual(['a']);
    });

    it('keeps what an update changed and the idempotency key as sent; absent when not given', async () => {
      const { state } = await harness.open();
      await withTenants(state, 't1');
      const updated = {
        ...event('evt_2'),
        type: 'customer.updated',
        previous: { email: null, metadata: { a: '1' } },
        idempotencyKey: 'order-42',
        idempotencyKeyHash: 'hash-of-order-42',
      };
      await state.resources.apply(
        't1',
        { puts: [], deletes: [], events: [event('evt_1'), updated] },
        1,
      );
      const [plain, changed] = await state.events.list('t1', 0, 10);
      expect(plain).toEqual({ ...event('evt_1'), seq: plain!.seq });
      expect(Object.keys(plain!)).not.toContain('previous');
      expect(Object.keys(plain!)).not.toContain('idempotencyKey');
      expect(changed).toEqual({ ...updated, seq: changed!.seq });
      // Changing what was read changes nothing stored.
      (changed!.previous as { email: unknown }).email = 'x';
      expect((await state.events.list('t1', 0, 10))[1]!.previous).toEqual(updated.previous);
      // `previous` is JSON as `data` is: what is not refuses the change whole.
      await expect(
        state.resources.apply(
          't1',
          {
            puts: [{ type: 'customers', id: 'cus_9', value: {} }],
            deletes: [],
            events: [{ ...event('evt_3'), previous: { n: 1n } as never }],
          },
          2,
        ),
      ).rejects.toThrow();
      expect(await state.resources.get('t1', 'customers', 'cus_9')).toBeUndefined();
      expect(await state.events.list('t1', 0, 10)).toHaveLength(2);
    });

    it('keeps the request id and the trace of the request that caused an event (issue 16)', async () => {
      const opened = await harness.open();
      const { state } = opened;
      await withTenants(state, 't1');
      const traced = {
        ...event('evt_1'),
        requestId: 'req_abc',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        traceFlags: '01',
      };
      // A trace id without its flags is no trace to continue: neither is kept.
      const half = { ...event('evt_2'), requestId: 'req_def', traceId: traced.traceId };
      await state.resources.apply('t1', { puts: [], deletes: [], events: [traced, half] }, 1);
      await state.resources.apply('t1', { puts: [], deletes: [], events: [event('evt_3')] }, 2);
      const check = async (events: typeof state.events) => {
        const [first, second, plain] = await events.list('t1', 0, 10);
        expect(first).toEqual({ ...traced, seq: first!.seq });
        expect(second).toEqual({ ...event('evt_2'), requestId: 'req_def', seq: second!.seq });
        expect(Object.keys(plain!)).not.toContain('requestId');
        expect(Object.keys(plain!)).not.toContain('traceId');
        expect(Object.keys(plain!)).not.toContain('traceFlags');
      };
      await check(state.events);
      if (harness.persistent) {
        await state.close();
        await check((await opened.reopen()).events);
      }
    });

    it("answers the seq of a tenant's last event, 0 before any", async () => {
      const { state } = await harness.open();
      await withTenants(state, 't1', 't2');
      expect(await state.events.lastSeq('t1')).toBe(0);
      await state.resources.apply(
        't1',
        { puts: [], deletes: [], events: [event('evt_1'), event('evt_2')] },
        1,
      );
      const [, second] = await state.events.list('t1', 0, 10);
      expect(await state.events.lastSeq('t1')).toBe(second!.seq);
      expect(await state.events.lastSeq('t2')).toBe(0);
      await state.resources.apply('t2', { puts: [], deletes: [], events: [event('evt_1')] }, 1);
      expect(await state.events.lastSeq('t1')).toBe(second!.seq);
      const [only] = await state.events.list('t2', 0, 10);
      expect(await state.events.lastSeq('t2')).toBe(only!.seq);
      expect(await state.events.list('t2', await state.events.lastSeq('t2'), 10)).toEqual([]);
      // A refused change adds no event: the last seq stays.
      await expect(
        state.resources.apply('t1', { puts: [], deletes: [], events: [event('evt_1')] }, 2),
      ).rejects.toThrow();
      expect(await state.events.lastSeq('t1')).toBe(second!.seq);
    });

    it('hands out copies of event data', async () => {
      const { state } = await harness.open();
      await withTenants(state, 't1');
      await state.resources.apply('t1', { puts: [], deletes: [], events: [event('evt_1')] }, 1);
      const [got] = await state.events.list('t1', 0, 1);
      (got!.data as { object: unknown }).object = 'changed';
      expect((await state.events.list('t1', 0, 1))[0]!.data).toEqual(event('evt_1').data);
    });
  });
}
