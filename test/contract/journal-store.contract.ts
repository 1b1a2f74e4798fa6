import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/ports/index.js';
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

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => journalEntry(from + i));

/** The behaviour every JournalStore must have. Run it against each implementation. */
export function journalStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (JournalStore contract)`, () => {
    it('is empty at first', async () => {
      const { state } = await harness.open();
      expect(await state.journal.query({ limit: 10 })).toEqual([]);
    });

    it('returns appended entries newest first, as written, up to the limit', async () => {
      const { journal } = (await harness.open()).state;
      await journal.append(range(0, 4));
      await journal.append(range(4, 10));
      expect(await journal.query({ limit: 3 })).toEqual([
        journalEntry(9),
        journalEntry(8),
        journalEntry(7),
      ]);
      expect(await journal.query({ limit: 100 })).toEqual(range(0, 10).reverse());
    });

    it('keeps every entry of a large batch, in order (more rows than one statement holds)', async () => {
      const { journal } = (await harness.open()).state;
      const entries = range(0, 257);
      await journal.append(entries);
      await journal.append([]);
      expect(await journal.query({ limit: 300 })).toEqual([...entries].reverse());
    });

    it('keeps optional fields absent when they were absent', async () => {
      const { journal } = (await harness.open()).state;
      await journal.append([journalEntry(0), journalEntry(1)]);
      const [second, first] = await journal.query({ limit: 2 });
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
      const [plain, scenario] = await journal.query({ limit: 2 });
      expect(scenario).toEqual(fired);
      expect(plain).not.toHaveProperty('scenario');
      expect(plain).not.toHaveProperty('firedBy');
    });

    it('filters by layer and by time, the limit counting matches only', async () => {
      const { journal } = (await harness.open()).state;
      const entries = range(0, 30);
      await journal.append(entries);
      expect(await journal.query({ limit: 4, layers: ['miss'] })).toEqual(
        entries
          .filter((e) => e.layer === 'miss')
          .reverse()
          .slice(0, 4),
      );
      const since = journalEntry(25).at;
      expect(await journal.query({ limit: 100, since })).toEqual(range(25, 30).reverse());
      expect(await journal.query({ limit: 100, since, layers: ['upstream'] })).toEqual(
        range(25, 30)
          .filter((e) => e.layer === 'upstream')
          .reverse(),
      );
      expect(await journal.query({ limit: 100, layers: [] })).toEqual([]);
      expect(await journal.query({ limit: 100, layers: ['admin'] })).toEqual([]);
    });

    it('keeps the tenant of an entry and filters by it, with the other filters', async () => {
      const { journal } = (await harness.open()).state;
      const entries = range(0, 12).map((e, i) => (i % 4 === 0 ? e : { ...e, tenant: `t${i % 2}` }));
      await journal.append(entries);
      expect(await journal.query({ limit: 100, tenant: 't1' })).toEqual(
        entries.filter((e) => e.tenant === 't1').reverse(),
      );
      expect(await journal.query({ limit: 2, tenant: 't0', layers: ['upstream'] })).toEqual(
        entries
          .filter((e) => e.tenant === 't0' && e.layer === 'upstream')
          .reverse()
          .slice(0, 2),
      );
      expect((await journal.query({ limit: 100 })).filter((e) => !('tenant' in e))).toHaveLength(3);
      expect(await journal.query({ limit: 100, tenant: 'nobody' })).toEqual([]);
    });

    it('hands out copies: changing a returned entry changes nothing stored', async () => {
      const { journal } = (await harness.open()).state;
      await journal.append([journalEntry(3)]);
      const [got] = await journal.query({ limit: 1 });
      (got as { path: string }).path = '/changed';
      expect(await journal.query({ limit: 1 })).toEqual([journalEntry(3)]);
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
        expect(await again.journal.query({ limit: 5 })).toEqual(range(0, 3).reverse());
        await again.journal.append(range(3, 4));
        expect((await again.journal.query({ limit: 1 }))[0]).toEqual(journalEntry(3));
      });
    }
  });
}
