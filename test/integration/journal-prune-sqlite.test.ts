/**
 * Regression (issue 16 review): the SQLite journal's retention sweep ran as one window-function
 * DELETE over the whole table in one transaction — every row sorted on every hourly sweep, the
 * event loop (and so every request of the sandbox) held for the whole of it. The sweep now finds
 * each tenant's cutoff on the (tenant, id) index and deletes in chunks, giving the event loop a
 * turn between them. A real state file in a temp directory.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import type { JournalEntry } from '../../src/core/ports/journal.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const entry = (i: number, tenant: string | undefined): JournalEntry => ({
  at: 1_000_000 + i,
  session: '',
  method: 'GET',
  path: `/p/${i}`,
  layer: 'state',
  status: 200,
  durationMs: 1,
  ...(tenant === undefined ? {} : { tenant }),
});

describe('the SQLite journal retention sweep', () => {
  it("keeps each tenant's newest entries (and the newest of no tenant), deleting in turns", async () => {
    const state = openSqliteState(join(tempDir('tapedeck-journal-prune-'), 'state'));
    defer(() => state.close());
    // Interleaved groups, each well past the cap and past more than one delete chunk.
    const groups = ['ten_a', 'ten_b', undefined, 'ten_c'] as const;
    const perGroup = 6_000;
    const all: JournalEntry[] = [];
    for (let i = 0; i < perGroup * groups.length; i++)
      all.push(entry(i, groups[i % groups.length]));
    await state.journal.append(all);

    // How often the event loop ran something else while the sweep was under way.
    let turns = 0;
    let sweeping = true;
    const tick = () => {
      if (!sweeping) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const keep = 1_000;
    const removed = await state.journal.prune({ keepPerTenant: keep });
    sweeping = false;

    expect(removed).toBe((perGroup - keep) * groups.length);
    expect(turns).toBeGreaterThan(groups.length);
    for (const [g, tenant] of groups.entries()) {
      const kept = (await state.journal.query({ limit: 10_000 })).filter(
        (e) => e.tenant === tenant,
      );
      // The newest `keep` of this group, and nothing older.
      const newest = Array.from(
        { length: keep },
        (_, k) => `/p/${(perGroup - 1 - k) * groups.length + g}`,
      );
      expect(kept.map((e) => e.path)).toEqual(newest);
    }
    // Nothing over the cap: nothing removed.
    expect(await state.journal.prune({ keepPerTenant: keep })).toBe(0);
  }, 60_000);
});
