import { describe, expect, it } from 'vitest';
import type {
  JournalEntry,
  JournalQuery,
  JournalStore,
  StoredJournalEntry,
} from '../../src/core/ports/index.js';
import type { StateHarness } from './state-harness.js';

export function journalEntry(i: number): JournalEntry {
  return {
    at: 1_700_000_000_000 + i,
    session: i % 2 ? 'a' : '',
    method: 'GET',
    path: `/p/${i}`,
    layer: i % 3 ? 'upstream' : 'miss',
    status: 200 + (i % 5),
    durationMs: 0.5 + i,
    ...(i % 3 ? { cassette: 'c', position: i } : {}),
  };
}

/** Stored entries without their seq, to compare with what was appended. */
export function withoutSeq(entries: readonly StoredJournalEntry[]): JournalEntry[] {
  return entries.map(({ seq: _seq, ...entry }) => entry);
}

async function read(journal: JournalStore, query: JournalQuery): Promise<JournalEntry[]> {
  return withoutSeq(await journal.query(query));
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => journalEntry(from + i));

/** The behaviour every JournalStore must have. Run it against each implementation. */
export function journalStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (JournalStore contract)`, () => {
    it('is empty at first', async () => {
      const { state } = await harness.open();
      expect(await read(state.journal, { limit: 10 })).toEqual([]);
    });

    it('returns appended entries newest first, as written, up to the limit', async () => {
      const { journal } = (await harness.open()).state;
      await journal.append(range(0, 4));
      await journal.append(range(4, 10));
      expect(await read(journal, { limit: 3 })).toEqual([
        journalEntry(9),
        journalEntry(8),
        journalEntry(7),
      ]);
      expect(await read(journal, { limit: 100 })).toEqual(range(0, 10).reverse());
    });

    it('keeps every entry of a large batch, in order (more rows than one statement holds)', async () => {
      const { journal } = (await harness.open()).state;
      const entries = range(0, 257);
      await journal.append(entries);
      await journal.append([]);
      expect(await read(journal, { limit: 300 })).toEqual([...entries].reverse());
    });

    it('keeps optional fields absent when they were absent', async () => {
      const { journal } = (await harness.open()).state;
      await journal.append([journalEntry(0), journalEntry(1)]);
      const [second, first] = await read(journal, { limit: 2 });
      expect(first).not.toHaveProperty('cassette');
      expect(first).not.toHaveProperty('position');
      expect(second).toMatchObject({ cassette: 'c', position: 1 });
    });

    it('keeps the scenario that fired and why (issue 14), absent when none fired', async () => {
      const { journal } = (await harness.open()).state;
      const fired = {
        ...journalEntry(0),
        layer: 'scenario' as const,
        scenario: 'card_declined',
        firedBy: 'value body payment_method oneOf',
      };
      await journal.append([fired, journalEntry(1)]);
      const [plain, scenario] = await read(journal, { limit: 2 });
      expect(scenario).toEqual(fired);
      expect(plain).not.toHaveProperty('scenario');
      expect(plain).not.toHaveProperty('firedBy');
    });

    it('filters by layer and by time, the limit counting matches only', async () => {
      const { journal } = (await harness.open()).state;
      const entries = range(0, 30);
      await journal.append(entries);
      expect(await read(journal, { limit: 4, layers: ['miss'] })).toEqual(
        entries
          .filter((e) => e.layer === 'miss')
          .reverse()
          .slice(0, 4),
      );
      const since = journalEntry(25).at;
      expect(await read(journal, { limit: 100, since })).toEqual(range(25, 30).reverse());
      expect(await read(journal, { limit: 100, since, layers: ['upstream'] })).toEqual(
        range(25, 30)
          .filter((e) => e.layer === 'upstream')
          .reverse(),
      );
      expect(await read(journal, { limit: 100, layers: [] })).toEqual([]);
      expect(await read(journal, { limit: 100, layers: ['admin'] })).toEqual([]);
    });

    it('keeps the tenant of an entry and filters by it, with the other filters', async () => {
      const { journal } = (await harness.open()).state;
      const entries = range(0, 12).map((e, i) => (i % 4 === 0 ? e : { ...e, tenant: `t${i % 2}` }));
      await journal.append(entries);
      expect(await read(journal, { limit: 100, tenant: 't1' })).toEqual(
        entries.filter((e) => e.tenant === 't1').reverse(),
      );
      expect(await read(journal, { limit: 2, tenant: 't0', layers: ['upstream'] })).toEqual(
        entries
          .filter((e) => e.tenant === 't0' && e.layer === 'upstream')
          .reverse()
          .slice(0, 2),
      );
      expect((await read(journal, { limit: 100 })).filter((e) => !('tenant' in e))).toHaveLength(3);
      expect(await read(journal, { limit: 100, tenant: 'nobody' })).toEqual([]);
    });

    it('hands out copies: changing a returned entry changes nothing stored', async () => {
      const { journal } = (await harness.open()).state;
      await journal.append([journalEntry(3)]);
      const [got] = await read(journal, { limit: 1 });
      (got as { path: string }).path = '/changed';
      expect(await read(journal, { limit: 1 })).toEqual([journalEntry(3)]);
    });

    it('keeps the evidence of a run (issue 16) as written, and filters by operation, status and request id', async () => {
      const { journal } = (await harness.open()).state;
      const evidence: JournalEntry = {
        ...journalEntry(1),
        tenant: 't1',
        requestId: 'req_abc',
        tenantAt: 1_600_000_000_000,
        operation: 'PostCustomers',
        route: '/v1/customers',
        outcome: 'timeout',
        idempotencyKeyHash: 'h1',
        idempotency: 'replayed',
        conforms: false,
        violations: ['body /email: must be a string'],
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        events: ['evt_1', 'evt_2'],
        retryAfter: 2,
        page: { more: true, cursor: false },
        status: 429,
      };
      await journal.append([
        journalEntry(0),
        evidence,
        { ...journalEntry(2), operation: 'GetCustomers' },
      ]);
      const [got] = await read(journal, { limit: 1, requestId: 'req_abc' });
      expect(got).toEqual(evidence);
      expect((await read(journal, { limit: 10, operation: 'PostCustomers' })).length).toBe(1);
      expect((await read(journal, { limit: 10, status: 429 })).map((e) => e.requestId)).toEqual([
        'req_abc',
      ]);
      expect((await read(journal, { limit: 10, status: '4xx' })).length).toBe(1);
      expect((await read(journal, { limit: 10, status: '2xx' })).map((e) => e.path)).toEqual([
        '/p/2',
        '/p/0',
      ]);
      const [plainOne] = await read(journal, { limit: 1, operation: 'GetCustomers' });
      for (const key of ['requestId', 'tenantAt', 'route', 'events', 'page', 'conforms']) {
        expect(plainOne).not.toHaveProperty(key);
      }
    });

    it('pages by seq: before walks back from the newest, after walks forward', async () => {
      const { journal } = (await harness.open()).state;
      await journal.append(range(0, 10));
      const first = await journal.query({ limit: 4 });
      expect(first.map((e) => e.path)).toEqual(['/p/9', '/p/8', '/p/7', '/p/6']);
      const seqs = first.map((e) => e.seq);
      expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
      const next = await journal.query({ limit: 4, before: first.at(-1)!.seq });
      expect(next.map((e) => e.path)).toEqual(['/p/5', '/p/4', '/p/3', '/p/2']);
      const forward = await journal.query({ limit: 3, after: next.at(-1)!.seq });
      expect(forward.map((e) => e.path)).toEqual(['/p/3', '/p/4', '/p/5']);
      const tail = await journal.query({ limit: 100, after: first[0]!.seq });
      expect(tail).toEqual([]);
      await journal.append(range(10, 11));
      expect(await read(journal, { limit: 100, after: first[0]!.seq })).toEqual([journalEntry(10)]);
      await expect(journal.query({ limit: 1, before: 3, after: 1 })).rejects.toThrow(/not both/);
    });

    it("prunes by age and by entries per tenant, keeping each tenant's newest", async () => {
      const { journal } = (await harness.open()).state;
      const of = (tenant: string, i: number): JournalEntry => ({ ...journalEntry(i), tenant });
      await journal.append([
        of('a', 0),
        of('b', 1),
        of('a', 2),
        of('a', 3),
        of('b', 4),
        of('a', 5),
      ]);
      expect(await journal.prune({ keepPerTenant: 2 })).toBe(2);
      expect((await read(journal, { limit: 10 })).map((e) => e.path)).toEqual([
        '/p/5',
        '/p/4',
        '/p/3',
        '/p/1',
      ]);
      expect(await journal.prune({ before: journalEntry(4).at })).toBe(2);
      expect((await read(journal, { limit: 10 })).map((e) => e.path)).toEqual(['/p/5', '/p/4']);
      expect(await journal.prune({})).toBe(0);
      const before = await journal.query({ limit: 1 });
      await journal.append(range(6, 7));
      const [newest] = await journal.query({ limit: 1 });
      expect(newest!.seq).toBeGreaterThan(before[0]!.seq);
    });

    it('rejects (never throws) once closed', async () => {
      const { journal } = (await harness.open()).state;
      await journal.close();
      const appended = journal.append([journalEntry(0)]);
      await expect(appended).rejects.toThrow(/closed/);
      await expect(journal.query({ limit: 1 })).rejects.toThrow(/closed/);
    });

    if (harness.persistent) {
      it('keeps entries across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.journal.append(range(0, 3));
        await opened.state.close();
        const again = await opened.reopen();
        expect(await read(again.journal, { limit: 5 })).toEqual(range(0, 3).reverse());
        await again.journal.append(range(3, 4));
        expect((await read(again.journal, { limit: 1 }))[0]).toEqual(journalEntry(3));
      });
    }
  });
}
