import { describe, expect, it } from 'vitest';
import type {
  IdempotentResponse,
  ListQuery,
  RuntimeState,
  SandboxEvent,
  StoredResource,
} from '../../src/core/ports/index.js';
import type { StateHarness } from './state-harness.js';
import { firstKey, newTenant } from './tenant-store.contract.js';

export const customer = (id: string, extra: Record<string, string> = {}): StoredResource => ({
  type: 'customers',
  id,
  value: { id, object: 'customer', metadata: { ...extra }, tags: [1, 'two', null, true] },
});

/** A resource as `get` answers it after `version` writes. */
export const at = (r: StoredResource, version = 1): StoredResource => ({ ...r, version });

export const event = (id: string, resourceId = 'cus_1'): SandboxEvent => ({
  id,
  type: 'customer.created',
  at: 1000,
  resourceType: 'customers',
  resourceId,
  data: { object: { id: resourceId } },
});

const reply: IdempotentResponse = {
  status: 200,
  headers: [['content-type', 'application/json']],
  body: new TextEncoder().encode('{"id":"cus_1"}'),
};

/** Creates tenants (the counters, seeding and id counter live on the tenant). */
export async function withTenants(state: RuntimeState, ...ids: string[]): Promise<void> {
  for (const id of ids) expect(await state.tenants.create(newTenant(id), firstKey(id))).toBe(true);
}

const byteLength = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

/** The behaviour every ResourceStore must have. Run it against each implementation. */
export function resourceStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (ResourceStore contract)`, () => {
    it('puts, gets and deletes resources by type and id; every put bumps the version', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_1'));
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(at(customer('cus_1')));
      await resources.put('t1', customer('cus_1', { a: 'b' }));
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(
        at(customer('cus_1', { a: 'b' }), 2),
      );
      expect(await resources.get('t1', 'invoices', 'cus_1')).toBeUndefined();
      expect(await resources.delete('t1', 'customers', 'cus_1')).toBe(true);
      expect(await resources.delete('t1', 'customers', 'cus_1')).toBe(false);
      expect(await resources.get('t1', 'customers', 'cus_1')).toBeUndefined();
    });

    it('keeps a parent and a tombstone; tombstones are read back but left out of lists', async () => {
      const { resources } = (await harness.open()).state;
      const comment = {
        type: 'issues/comments',
        id: '7',
        value: { body: 'hi' },
        parent: 'octo/hello/1',
      };
      await resources.put('t1', comment);
      await resources.put('t1', { ...customer('cus_1'), deleted: true });
      expect(await resources.get('t1', 'issues/comments', '7')).toEqual(at(comment));
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual({
        ...at(customer('cus_1')),
        deleted: true,
      });
      expect(await resources.list('t1', 'customers')).toEqual([]);
      expect(
        (await resources.page('t1', { type: 'customers', order: 'asc', limit: 10 })).items,
      ).toEqual([]);
    });

    it('lists one type in first-put order; a replaced resource keeps its place', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_b'));
      await resources.put('t1', { type: 'invoices', id: 'in_1', value: 1 });
      await resources.put('t1', customer('cus_a'));
      await resources.put('t1', customer('cus_b', { plan: 'gold' }));
      expect(await resources.list('t1', 'customers')).toEqual([
        at(customer('cus_b', { plan: 'gold' }), 2),
        at(customer('cus_a')),
      ]);
      expect(await resources.list('t1', 'charges')).toEqual([]);
    });

    it('never shows one tenant the resources of another, even with the same type and id', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_1', { owner: 't1' }));
      await resources.put('t2', customer('cus_1', { owner: 't2' }));
      await resources.put('t2', customer('cus_2'));
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(
        at(customer('cus_1', { owner: 't1' })),
      );
      expect(await resources.get('t1', 'customers', 'cus_2')).toBeUndefined();
      expect(await resources.list('t1', 'customers')).toEqual([
        at(customer('cus_1', { owner: 't1' })),
      ]);
      expect(await resources.delete('t1', 'customers', 'cus_2')).toBe(false);
      await resources.clear('t1');
      expect(await resources.snapshot('t1')).toEqual([]);
      expect(await resources.list('t2', 'customers')).toEqual([
        at(customer('cus_1', { owner: 't2' })),
        at(customer('cus_2')),
      ]);
    });

    it('restores a snapshot whole, versions, parents and tombstones included, for that tenant only', async () => {
      const { resources } = (await harness.open()).state;
      await resources.put('t1', customer('cus_1'));
      await resources.put('t1', customer('cus_1', { twice: 'yes' }));
      await resources.put('t1', { type: 'invoices', id: 'in_1', value: { total: 3 }, parent: 'p' });
      await resources.put('t1', { ...customer('cus_0'), deleted: true });
      await resources.put('t2', customer('cus_9'));
      const snapshot = await resources.snapshot('t1');
      expect(snapshot).toEqual([
        at(customer('cus_1', { twice: 'yes' }), 2),
        { type: 'invoices', id: 'in_1', value: { total: 3 }, parent: 'p', version: 1 },
        { ...at(customer('cus_0')), deleted: true },
      ]);
      await resources.put('t1', customer('cus_1', { changed: 'yes' }));
      await resources.put('t1', customer('cus_2'));
      await resources.delete('t1', 'invoices', 'in_1');
      await resources.restore('t1', snapshot);
      expect(await resources.snapshot('t1')).toEqual(snapshot);
      expect(await resources.snapshot('t2')).toEqual([at(customer('cus_9'))]);
    });

    it('restores all or nothing: a snapshot with a value that is not JSON changes nothing', async () => {
      const { state } = await harness.open();
      await withTenants(state, 't1');
      const { resources } = state;
      await resources.put('t1', customer('cus_1'));
      await resources.apply(
        't1',
        { puts: [], deletes: [], sequences: [{ name: 's', value: 2 }] },
        1,
      );
      const before = await resources.snapshot('t1');
      const usage = (await state.tenants.get('t1'))?.usage;
      const bad = [customer('cus_2'), { type: 'customers', id: 'cus_3', value: 10n as never }];
      await expect(resources.restore('t1', bad)).rejects.toThrow();
      expect(await resources.snapshot('t1')).toEqual(before);
      expect((await state.tenants.get('t1'))?.usage).toEqual(usage);
    });

    it('stores values, not references: changing what was put or got changes nothing stored', async () => {
      const { resources } = (await harness.open()).state;
      const put = customer('cus_1');
      await resources.put('t1', put);
      (put.value as { object: string }).object = 'mutated';
      const got = await resources.get('t1', 'customers', 'cus_1');
      (got!.value as { object: string }).object = 'mutated too';
      expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(at(customer('cus_1')));
    });

    describe('page', () => {
      /** 26 customers cus_00 … cus_25 (first put first), plus noise of other types and parents. */
      async function many(state: RuntimeState) {
        const { resources } = state;
        for (let i = 0; i < 26; i++) {
          const id = `cus_${String(i).padStart(2, '0')}`;
          await resources.put('t1', {
            type: 'customers',
            id,
            value: { id, n: i, even: i % 2 === 0, plan: i % 3 === 0 ? 'gold' : 'free', note: null },
          });
        }
        await resources.put('t1', { type: 'invoices', id: 'in_1', value: { id: 'in_1' } });
        await resources.put('t1', {
          type: 'customers',
          id: 'cus_x',
          value: {},
          parent: 'elsewhere',
        });
        await resources.put('t2', {
          type: 'customers',
          id: 'cus_t2',
          value: { n: 1, plan: 'gold' },
        });
      }
      const ids = (page: { items: StoredResource[] }) => page.items.map((r) => r.id);
      const q = (extra: Partial<ListQuery> = {}): ListQuery => ({
        type: 'customers',
        order: 'desc',
        limit: 10,
        ...extra,
      });
      const range = (from: number, to: number) =>
        Array.from(
          { length: Math.abs(to - from) + 1 },
          (_, i) => `cus_${String(from < to ? from + i : from - i).padStart(2, '0')}`,
        );

      it('pages newest first or oldest first, with hasMore, of one type, top level, one tenant', async () => {
        const { state } = await harness.open();
        await many(state);
        const first = await state.resources.page('t1', q());
        expect(ids(first)).toEqual(range(25, 16));
        expect(first.hasMore).toBe(true);
        expect(first).not.toHaveProperty('total');
        expect(ids(await state.resources.page('t1', q({ order: 'asc', limit: 3 })))).toEqual(
          range(0, 2),
        );
        const all = await state.resources.page('t1', q({ limit: 26 }));
        expect(all.hasMore).toBe(false);
        expect(all.items).toHaveLength(26);
        expect(all.items[0]).toEqual({
          type: 'customers',
          id: 'cus_25',
          value: { id: 'cus_25', n: 25, even: false, plan: 'free', note: null },
          version: 1,
        });
      });

      it('walks every item once with `after` (Stripe starting_after): newest first, no gaps', async () => {
        const { state } = await harness.open();
        await many(state);
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await state.resources.page('t1', q(after === undefined ? {} : { after }));
          seen.push(...ids(page));
          if (!page.hasMore) break;
          after = page.items.at(-1)!.id;
        }
        expect(seen).toEqual(range(25, 0));
        expect(ids(await state.resources.page('t1', q({ order: 'asc', after: 'cus_23' })))).toEqual(
          range(24, 25),
        );
      });

      it('answers the page just before a cursor with `before`, in list order', async () => {
        const { state } = await harness.open();
        await many(state);
        // Newest first: before cus_10 are the newer ones, the nearest 3 being 13, 12, 11.
        const page = await state.resources.page('t1', q({ before: 'cus_10', limit: 3 }));
        expect(ids(page)).toEqual(range(13, 11));
        expect(page.hasMore).toBe(true);
        const last = await state.resources.page('t1', q({ before: 'cus_23', limit: 5 }));
        expect(ids(last)).toEqual(range(25, 24));
        expect(last.hasMore).toBe(false);
        expect(
          ids(await state.resources.page('t1', q({ order: 'asc', before: 'cus_03' }))),
        ).toEqual(range(0, 2));
        expect(
          ids(await state.resources.page('t1', q({ after: 'cus_20', before: 'cus_16' }))),
        ).toEqual(range(19, 17));
      });

      it('skips `offset` items and counts the total of every match (GitHub page=N, last links)', async () => {
        const { state } = await harness.open();
        await many(state);
        const third = await state.resources.page('t1', q({ offset: 20, withTotal: true }));
        expect(ids(third)).toEqual(range(5, 0));
        expect(third).toMatchObject({ hasMore: false, total: 26 });
        expect(
          (
            await state.resources.page(
              't1',
              q({ offset: 30, withTotal: true, where: { plan: 'gold' } }),
            )
          ).total,
        ).toBe(9);
      });

      it('filters on top-level fields by exact value and JSON type', async () => {
        const { state } = await harness.open();
        await many(state);
        const where = (w: NonNullable<ListQuery['where']>) =>
          state.resources.page('t1', q({ order: 'asc', limit: 100, where: w })).then(ids);
        expect(await where({ plan: 'gold' })).toEqual(range(0, 25).filter((_, i) => i % 3 === 0));
        expect(await where({ n: 7 })).toEqual(['cus_07']);
        expect(await where({ n: '7' })).toEqual([]);
        expect(await where({ even: true, plan: 'gold' })).toEqual([
          'cus_00',
          'cus_06',
          'cus_12',
          'cus_18',
          'cus_24',
        ]);
        expect(await where({ even: false })).toHaveLength(13);
        expect(await where({ note: null })).toHaveLength(26);
        expect(await where({ missing: null })).toEqual([]);
        expect(await where({ id: "cus_01' OR 1=1 --" })).toEqual([]);
        expect(await where({ "a'b.c": 'x' })).toEqual([]);
        // A field no JSON path can quote is a bug of the caller, refused (never pasted into SQL).
        await expect(where({ 'a"b': 'x' })).rejects.toMatchObject({ code: 'TD_INTERNAL' });
        await expect(where({ 'a\u0000b': 'x' })).rejects.toMatchObject({ code: 'TD_INTERNAL' });
        await expect(where({ '\u0000': 'x' })).rejects.toMatchObject({ code: 'TD_INTERNAL' });
      });

      it('lists one parent at a time; no parent means the top level', async () => {
        const { state } = await harness.open();
        await many(state);
        expect(ids(await state.resources.page('t1', q({ parent: 'elsewhere' })))).toEqual([
          'cus_x',
        ]);
        expect(ids(await state.resources.page('t1', q({ parent: 'nowhere' })))).toEqual([]);
        expect(ids(await state.resources.page('t1', q({ limit: 100 })))).not.toContain('cus_x');
      });

      it('keeps paging past a cursor deleted meanwhile (a tombstone), as a client deleting while it walks', async () => {
        const { state } = await harness.open();
        await many(state);
        const first = await state.resources.page('t1', q({ limit: 3 }));
        const last = first.items.at(-1)!;
        await state.resources.put('t1', { ...last, value: { id: last.id }, deleted: true });
        expect(ids(await state.resources.page('t1', q({ limit: 3, after: last.id })))).toEqual(
          range(22, 20),
        );
        expect(ids(await state.resources.page('t1', q({ limit: 5, before: last.id })))).toEqual(
          range(25, 24),
        );
        // …and the tombstone itself is in no page.
        expect(ids(await state.resources.page('t1', q({ limit: 4, before: 'cus_21' })))).toEqual([
          'cus_25',
          'cus_24',
          'cus_22',
        ]);
      });

      it('answers nothing after an unknown cursor, and clamps the limit to 1..10000', async () => {
        const { state } = await harness.open();
        await many(state);
        expect(ids(await state.resources.page('t1', q({ after: 'cus_nope' })))).toEqual([]);
        expect(ids(await state.resources.page('t1', q({ after: 'cus_t2' })))).toEqual([]);
        expect(ids(await state.resources.page('t1', q({ limit: 0 })))).toEqual(['cus_25']);
        expect(await state.resources.page('t1', q({ limit: 1e9 }))).toMatchObject({
          hasMore: false,
        });
        expect(ids(await state.resources.page('t3', q()))).toEqual([]);
        // An offset that is not a whole number: NaN reads from the start, Infinity past the end.
        expect(ids(await state.resources.page('t1', q({ limit: 2, offset: NaN })))).toEqual(
          range(25, 24),
        );
        expect(ids(await state.resources.page('t1', q({ offset: Infinity })))).toEqual([]);
        expect(ids(await state.resources.page('t1', q({ offset: -5, limit: 1 })))).toEqual([
          'cus_25',
        ]);
      });
    });

    describe('apply', () => {
      it('creates what must not exist, updates at the expected version, deletes at it', async () => {
        const { state } = await harness.open();
        const { resources } = state;
        await withTenants(state, 't1');
        expect(await resources.apply('t1', { puts: [customer('cus_1')], deletes: [] }, 1)).toEqual({
          ok: true,
        });
        expect(
          await resources.apply(
            't1',
            { puts: [{ ...customer('cus_1', { v: '2' }), expectVersion: 1 }], deletes: [] },
            2,
          ),
        ).toEqual({ ok: true });
        expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(
          at(customer('cus_1', { v: '2' }), 2),
        );
        expect(
          await resources.apply(
            't1',
            { puts: [], deletes: [{ type: 'customers', id: 'cus_1', expectVersion: 2 }] },
            3,
          ),
        ).toEqual({ ok: true });
        expect(await resources.get('t1', 'customers', 'cus_1')).toBeUndefined();
      });

      it('refuses a stale or missing version as a conflict naming the resource, writing nothing', async () => {
        const { state } = await harness.open();
        const { resources } = state;
        await withTenants(state, 't1');
        await resources.apply('t1', { puts: [customer('cus_1')], deletes: [] }, 1);
        const before = await resources.snapshot('t1');
        const attempts = [
          { puts: [customer('cus_2'), customer('cus_1')], deletes: [] },
          { puts: [customer('cus_2'), { ...customer('cus_1'), expectVersion: 2 }], deletes: [] },
          {
            puts: [customer('cus_2')],
            deletes: [{ type: 'customers', id: 'cus_1', expectVersion: 7 }],
          },
          {
            puts: [customer('cus_2')],
            deletes: [{ type: 'customers', id: 'cus_3', expectVersion: 1 }],
          },
        ];
        const conflicts = [];
        for (const change of attempts)
          conflicts.push(
            await resources.apply(
              't1',
              {
                ...change,
                sequences: [{ name: 'issues', value: 9 }],
                events: [event('evt_1')],
                quotas: { resources: 100, bytes: 1e9 },
              },
              2,
            ),
          );
        expect(conflicts).toEqual([
          { ok: false, reason: 'conflict', type: 'customers', id: 'cus_1' },
          { ok: false, reason: 'conflict', type: 'customers', id: 'cus_1' },
          { ok: false, reason: 'conflict', type: 'customers', id: 'cus_1' },
          { ok: false, reason: 'conflict', type: 'customers', id: 'cus_3' },
        ]);
        expect(await resources.snapshot('t1')).toEqual(before);
        expect(await resources.sequence('t1', 'issues')).toBe(0);
        expect(await state.events.list('t1', 0, 10)).toEqual([]);
        expect((await state.tenants.get('t1'))!.usage.resources).toBe(1);
      });

      it('sees its own earlier puts: two writes of one resource in one change', async () => {
        const { state } = await harness.open();
        await withTenants(state, 't1');
        expect(
          await state.resources.apply(
            't1',
            {
              puts: [customer('cus_1'), { ...customer('cus_1', { b: 'c' }), expectVersion: 1 }],
              deletes: [],
            },
            1,
          ),
        ).toEqual({ ok: true });
        expect(await state.resources.get('t1', 'customers', 'cus_1')).toEqual(
          at(customer('cus_1', { b: 'c' }), 2),
        );
      });

      it('sets sequences, appends events and completes the idempotency key, with the change', async () => {
        const { state } = await harness.open();
        await withTenants(state, 't1');
        await state.idempotency.begin('t1', 'kh', 'fp', 'POST /v1/customers', 1, 0);
        const result = await state.resources.apply(
          't1',
          {
            puts: [customer('cus_1')],
            deletes: [],
            sequences: [
              { name: 'octo/hello#issues', value: 4 },
              { name: 'other', value: 1 },
            ],
            events: [event('evt_1'), { ...event('evt_2'), idempotencyKeyHash: 'kh' }],
            idempotency: { keyHash: 'kh', response: reply },
          },
          1,
        );
        expect(result).toEqual({ ok: true });
        expect(await state.resources.sequence('t1', 'octo/hello#issues')).toBe(4);
        expect(await state.resources.sequence('t1', 'unset')).toBe(0);
        const events = await state.events.list('t1', 0, 10);
        expect(events.map(({ seq: _seq, ...e }) => e)).toEqual([
          event('evt_1'),
          { ...event('evt_2'), idempotencyKeyHash: 'kh' },
        ]);
        expect(events[0]!.seq).toBeLessThan(events[1]!.seq);
        expect(await state.idempotency.begin('t1', 'kh', 'fp', 'POST /v1/customers', 2, 0)).toEqual(
          {
            kind: 'completed',
            response: reply,
          },
        );
        // Absolute values: a later change sets, never adds.
        await state.resources.apply(
          't1',
          { puts: [], deletes: [], sequences: [{ name: 'other', value: 1 }] },
          2,
        );
        expect(await state.resources.sequence('t1', 'other')).toBe(1);
      });

      it('keeps the tenant usage equal to what is stored: live resources and their bytes', async () => {
        const { state } = await harness.open();
        const { resources } = state;
        await withTenants(state, 't1');
        const usage = async () => (await state.tenants.get('t1'))!.usage;
        const a = customer('cus_a');
        const b = customer('cus_b', { long: 'x'.repeat(100) });
        await resources.apply('t1', { puts: [a, b], deletes: [] }, 1);
        expect(await usage()).toEqual({
          resources: 2,
          bytes: byteLength(a.value) + byteLength(b.value),
        });
        const stub = {
          ...customer('cus_b'),
          value: { id: 'cus_b', deleted: true },
          deleted: true,
          expectVersion: 1,
        };
        await resources.apply('t1', { puts: [stub], deletes: [] }, 2);
        expect(await usage()).toEqual({
          resources: 1,
          bytes: byteLength(a.value) + byteLength(stub.value),
        });
        await resources.apply(
          't1',
          { puts: [], deletes: [{ type: 'customers', id: 'cus_a', expectVersion: 1 }] },
          3,
        );
        expect(await usage()).toEqual({ resources: 0, bytes: byteLength(stub.value) });
        await resources.put('t1', a);
        expect((await usage()).resources).toBe(1);
        await resources.delete('t1', 'customers', 'cus_a');
        expect((await usage()).resources).toBe(0);
        await resources.put('t1', a);
        await resources.clear('t1');
        expect(await usage()).toEqual({ resources: 0, bytes: 0 });
      });

      it('refuses growth past a quota (resources, then bytes), never a shrinking change', async () => {
        const { state } = await harness.open();
        const { resources } = state;
        await withTenants(state, 't1');
        const quotas = { resources: 2, bytes: 1_000 };
        await resources.apply(
          't1',
          { puts: [customer('cus_1'), customer('cus_2')], deletes: [], quotas },
          1,
        );
        expect(
          await resources.apply('t1', { puts: [customer('cus_3')], deletes: [], quotas }, 2),
        ).toEqual({
          ok: false,
          reason: 'quota',
          quota: 'resources',
          limit: 2,
        });
        const big = { ...customer('cus_1', { big: 'x'.repeat(1_000) }), expectVersion: 1 };
        expect(await resources.apply('t1', { puts: [big], deletes: [], quotas }, 2)).toEqual({
          ok: false,
          reason: 'quota',
          quota: 'bytes',
          limit: 1_000,
        });
        expect(await resources.get('t1', 'customers', 'cus_1')).toEqual(at(customer('cus_1')));
        // Over a lowered quota: deleting and same-size updates still pass.
        const lower = { resources: 1, bytes: 10 };
        expect(
          await resources.apply(
            't1',
            { puts: [{ ...customer('cus_1'), expectVersion: 1 }], deletes: [], quotas: lower },
            3,
          ),
        ).toEqual({ ok: true });
        expect(
          await resources.apply(
            't1',
            {
              puts: [],
              deletes: [{ type: 'customers', id: 'cus_2', expectVersion: 1 }],
              quotas: lower,
            },
            3,
          ),
        ).toEqual({ ok: true });
        // Replacing one resource by another in one change is no growth.
        expect(
          await resources.apply(
            't1',
            {
              puts: [customer('cus_9')],
              deletes: [{ type: 'customers', id: 'cus_1', expectVersion: 2 }],
              quotas: { resources: 1, bytes: 1e9 },
            },
            4,
          ),
        ).toEqual({ ok: true });
      });

      it('claims seeding once: a second seed change is refused whole as already-seeded', async () => {
        const { state } = await harness.open();
        const { resources } = state;
        await withTenants(state, 't1');
        expect(
          await resources.apply(
            't1',
            { puts: [customer('cus_1')], deletes: [], seed: { at: 500 } },
            1,
          ),
        ).toEqual({
          ok: true,
        });
        expect((await state.tenants.get('t1'))!.seededAt).toBe(500);
        expect(
          await resources.apply(
            't1',
            { puts: [customer('cus_2')], deletes: [], seed: { at: 600 } },
            2,
          ),
        ).toEqual({ ok: false, reason: 'already-seeded' });
        expect(await resources.get('t1', 'customers', 'cus_2')).toBeUndefined();
        expect((await state.tenants.get('t1'))!.seededAt).toBe(500);
        // Reset: seededAt back to null, and the tenant can be seeded again.
        await resources.clear('t1');
        await state.tenants.update('t1', { seededAt: null });
        expect(
          await resources.apply(
            't1',
            { puts: [customer('cus_1')], deletes: [], seed: { at: 700 } },
            3,
          ),
        ).toEqual({
          ok: true,
        });
        expect(await resources.apply('t9', { puts: [], deletes: [], seed: { at: 1 } }, 3)).toEqual({
          ok: false,
          reason: 'already-seeded',
        });
      });

      it('reserves ids per tenant: n values from the tenant counter, never the same twice', async () => {
        const { state } = await harness.open();
        await withTenants(state, 't1', 't2');
        expect(await state.resources.reserveIds('t1', 1)).toBe(1);
        expect(await state.resources.reserveIds('t1', 5)).toBe(2);
        expect(await state.resources.reserveIds('t1', 1)).toBe(7);
        expect(await state.resources.reserveIds('t2', 1)).toBe(1);
        await expect(state.resources.reserveIds('nobody', 1)).rejects.toThrow(/nobody/);
        // A count that is not a finite number is refused, and the counter stays usable.
        await expect(state.resources.reserveIds('t1', Infinity)).rejects.toMatchObject({
          code: 'TD_INTERNAL',
        });
        await expect(state.resources.reserveIds('t1', NaN)).rejects.toMatchObject({
          code: 'TD_INTERNAL',
        });
        expect(await state.resources.reserveIds('t1', 1)).toBe(8);
      });

      it('refuses a sequence value that is not a finite number, writing nothing', async () => {
        const { state } = await harness.open();
        await withTenants(state, 't1');
        for (const value of [NaN, Infinity]) {
          await expect(
            state.resources.apply(
              't1',
              {
                puts: [customer('cus_1')],
                deletes: [],
                sequences: [{ name: 'n', value }],
              },
              1,
            ),
          ).rejects.toThrow();
        }
        expect(await state.resources.get('t1', 'customers', 'cus_1')).toBeUndefined();
        expect(await state.resources.sequence('t1', 'n')).toBe(0);
        expect((await state.tenants.get('t1'))?.usage).toEqual({ resources: 0, bytes: 0 });
      });
    });

    describe('named snapshots', () => {
      it('saves and loads resources (parents, versions, tombstones) and sequences', async () => {
        const { state } = await harness.open();
        const { resources } = state;
        await withTenants(state, 't1');
        await resources.apply(
          't1',
          {
            puts: [
              customer('cus_1'),
              { type: 'issues', id: '1', value: { n: 1 }, parent: 'octo/hello' },
            ],
            deletes: [],
            sequences: [{ name: 'octo/hello#issues', value: 1 }],
          },
          1,
        );
        await resources.put('t1', { ...customer('cus_0'), deleted: true });
        const saved = await resources.snapshot('t1');
        await resources.saveSnapshot('t1', 'before', 5000);
        await resources.apply(
          't1',
          {
            puts: [{ ...customer('cus_1', { x: 'y' }), expectVersion: 1 }, customer('cus_2')],
            deletes: [{ type: 'issues', id: '1', expectVersion: 1 }],
            sequences: [
              { name: 'octo/hello#issues', value: 7 },
              { name: 'later', value: 2 },
            ],
          },
          6000,
        );
        expect(await resources.loadSnapshot('t1', 'before')).toBe(true);
        expect(await resources.snapshot('t1')).toEqual(saved);
        expect(await resources.sequence('t1', 'octo/hello#issues')).toBe(1);
        expect(await resources.sequence('t1', 'later')).toBe(0);
        expect((await state.tenants.get('t1'))!.usage.resources).toBe(2);
        expect(await resources.loadSnapshot('t1', 'unknown')).toBe(false);
        expect(await resources.snapshot('t1')).toEqual(saved);
      });

      it('forgets the tenant idempotency keys in the same step as a load (no replay of objects gone)', async () => {
        const { state } = await harness.open();
        const { resources, idempotency } = state;
        await withTenants(state, 't1', 't2');
        await resources.saveSnapshot('t1', 'snap', 1);
        for (const t of ['t1', 't2']) {
          await idempotency.begin(t, 'done', 'fp', 'POST /v1/customers', 2, 0);
          await idempotency.complete(t, 'done', reply);
          await idempotency.begin(t, 'flight', 'fp', 'POST /v1/customers', 2, 0);
        }
        expect(await resources.loadSnapshot('t1', 'unknown')).toBe(false);
        expect(await idempotency.begin('t1', 'done', 'fp', 'POST /v1/customers', 3, 0)).toEqual({
          kind: 'completed',
          response: reply,
        });
        expect(await resources.loadSnapshot('t1', 'snap')).toBe(true);
        for (const key of ['done', 'flight'])
          expect(await idempotency.begin('t1', key, 'fp', 'POST /v1/customers', 3, 0)).toEqual({
            kind: 'new',
          });
        expect(await idempotency.begin('t2', 'done', 'fp', 'POST /v1/customers', 3, 0)).toEqual({
          kind: 'completed',
          response: reply,
        });
        expect(await idempotency.begin('t2', 'flight', 'fp', 'POST /v1/customers', 3, 0)).toEqual({
          kind: 'in-flight',
        });
      });

      it('lists snapshots oldest first with their live resource counts; a name saved again is replaced', async () => {
        const { state } = await harness.open();
        const { resources } = state;
        await withTenants(state, 't1');
        await resources.put('t1', customer('cus_1'));
        await resources.put('t1', { ...customer('cus_0'), deleted: true });
        await resources.saveSnapshot('t1', 'b', 2000);
        await resources.saveSnapshot('t1', 'a', 2000);
        await resources.put('t1', customer('cus_2'));
        await resources.saveSnapshot('t1', 'c', 1000);
        expect(await resources.listSnapshots('t1')).toEqual([
          { name: 'c', createdAt: 1000, resources: 2 },
          { name: 'a', createdAt: 2000, resources: 1 },
          { name: 'b', createdAt: 2000, resources: 1 },
        ]);
        await resources.saveSnapshot('t1', 'a', 3000);
        expect((await resources.listSnapshots('t1')).at(-1)).toEqual({
          name: 'a',
          createdAt: 3000,
          resources: 2,
        });
        // Clearing (reset) keeps the named snapshots.
        await resources.clear('t1');
        expect(await resources.listSnapshots('t1')).toHaveLength(3);
        expect(await resources.loadSnapshot('t1', 'c')).toBe(true);
        expect((await resources.list('t1', 'customers')).map((r) => r.id)).toEqual([
          'cus_1',
          'cus_2',
        ]);
      });

      it('resets one tenant in one step: resources, sequences, idempotency keys, seeding', async () => {
        const { state } = await harness.open();
        const { resources, idempotency } = state;
        await withTenants(state, 't1', 't2');
        for (const t of ['t1', 't2']) {
          await resources.apply(
            t,
            {
              puts: [customer('cus_1')],
              deletes: [],
              sequences: [{ name: 's', value: 3 }],
              seed: { at: 1 },
            },
            1,
          );
          await idempotency.begin(t, 'done', 'fp', 'POST /v1/customers', 2, 0);
          await idempotency.complete(t, 'done', reply);
        }
        await resources.saveSnapshot('t1', 'kept', 3);
        await resources.clear('t1');
        expect(await resources.snapshot('t1')).toEqual([]);
        expect(await resources.sequence('t1', 's')).toBe(0);
        // Not seeded any more (reseeded on its next request), and nothing left to replay.
        expect((await state.tenants.get('t1'))?.seededAt).toBeUndefined();
        expect(await idempotency.begin('t1', 'done', 'fp', 'POST /v1/customers', 3, 0)).toEqual({
          kind: 'new',
        });
        expect(await resources.listSnapshots('t1')).toHaveLength(1);
        expect((await state.tenants.get('t2'))?.seededAt).toBe(1);
        expect(await resources.sequence('t2', 's')).toBe(3);
        expect(await idempotency.begin('t2', 'done', 'fp', 'POST /v1/customers', 3, 0)).toEqual({
          kind: 'completed',
          response: reply,
        });
      });
    });

    if (harness.persistent) {
      it('keeps resources, sequences, snapshots and events across close and reopen', async () => {
        const opened = await harness.open();
        await withTenants(opened.state, 't1');
        await opened.state.resources.apply(
          't1',
          {
            puts: [customer('cus_1')],
            deletes: [],
            sequences: [{ name: 's', value: 2 }],
            events: [event('evt_1')],
          },
          1,
        );
        await opened.state.resources.saveSnapshot('t1', 'snap', 10);
        await opened.state.close();
        const again = await opened.reopen();
        expect(await again.resources.list('t1', 'customers')).toEqual([at(customer('cus_1'))]);
        expect(await again.resources.sequence('t1', 's')).toBe(2);
        expect(await again.resources.listSnapshots('t1')).toEqual([
          { name: 'snap', createdAt: 10, resources: 1 },
        ]);
        expect(await again.events.list('t1', 0, 5)).toHaveLength(1);
        expect((await again.tenants.get('t1'))!.usage.resources).toBe(1);
      });
    }
  });
}
