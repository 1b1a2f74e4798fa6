import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryJournalStore } from '../../src/adapters/state/memory/index.js';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { Journal } from '../../src/app/journal/journal.js';
import { systemScheduler } from '../../src/adapters/system/scheduler.js';
import { JournalWindow } from '../../src/app/journal/window.js';
import type { JournalEntry } from '../../src/core/ports/index.js';
import { tempDir } from '../helpers/tmp.js';
import { withoutSeq } from '../contract/journal-store.contract.js';

function entry(i: number): JournalEntry {
  return {
    at: 1_700_000_000_000 + i,
    session: i % 2 ? 'a' : '',
    method: 'GET',
    path: `/p/${i}`,
    layer: i % 3 ? 'cassette' : 'miss',
    status: 200,
    durationMs: 0.5,
    ...(i % 3 ? { cassette: 'c', position: i } : {}),
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => entry(i));

/** A memory store that counts appends and can be told to fail or to take its time. */
class WatchedStore extends MemoryJournalStore {
  batches: number[] = [];
  failNext = false;
  delayMs = 0;
  override async append(entries: readonly JournalEntry[]): Promise<void> {
    this.batches.push(entries.length);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    return super.append(entries);
  }
}

const noErrors = (error: unknown) => {
  throw error;
};

describe('Journal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows every answer in the recent window, newest first, bounded', async () => {
    const journal = new Journal(new MemoryJournalStore(), {
      scheduler: systemScheduler,
      windowSize: 4,
      onWriteError: noErrors,
    });
    for (const e of range(10)) journal.record(e);
    expect(journal.recent(3)).toEqual([entry(9), entry(8), entry(7)]);
    expect(journal.recent(100)).toEqual([entry(9), entry(8), entry(7), entry(6)]);
    await journal.close();
  });

  it('keeps every answer that did not come from a cassette, and only those, newest first', async () => {
    const store = new WatchedStore();
    const journal = new Journal(store, { scheduler: systemScheduler, onWriteError: noErrors });
    const entries = range(30);
    for (const e of entries) journal.record(e);
    expect(store.batches).toEqual([]);
    expect(withoutSeq(await journal.kept(100))).toEqual(
      entries.filter((e) => e.layer !== 'cassette').reverse(),
    );
    expect(store.batches).toEqual([10]);
    await journal.close();
  });

  it('writes in batches on a timer, never per request', async () => {
    const store = new WatchedStore();
    const journal = new Journal(store, {
      scheduler: systemScheduler,
      flushEveryMs: 100,
      onWriteError: noErrors,
    });
    for (let i = 0; i < 9; i += 3) journal.record(entry(i));
    await vi.advanceTimersByTimeAsync(99);
    expect(store.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.batches).toEqual([3]);
    await vi.advanceTimersByTimeAsync(500);
    expect(store.batches).toEqual([3]);
    await journal.close();
  });

  it('writes a full batch at once, without waiting for the timer', async () => {
    const store = new WatchedStore();
    const journal = new Journal(store, {
      scheduler: systemScheduler,
      flushAt: 4,
      flushEveryMs: 60_000,
      onWriteError: noErrors,
    });
    for (let i = 0; i < 12; i += 3) journal.record(entry(i));
    expect(store.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.batches).toEqual([4]);
    await journal.close();
  });

  it('keeps batches in order when a write takes longer than the next flush', async () => {
    const store = new WatchedStore();
    store.delayMs = 250;
    const journal = new Journal(store, {
      scheduler: systemScheduler,
      flushEveryMs: 100,
      onWriteError: noErrors,
    });
    journal.record(entry(0));
    await vi.advanceTimersByTimeAsync(100);
    journal.record(entry(3));
    await vi.advanceTimersByTimeAsync(100);
    journal.record(entry(6));
    const kept = journal.kept(10);
    await vi.advanceTimersByTimeAsync(1000);
    expect(withoutSeq(await kept)).toEqual([entry(6), entry(3), entry(0)]);
    await journal.close();
  });

  it('reports a failed background write, drops that batch and goes on', async () => {
    const store = new WatchedStore();
    const errors: unknown[] = [];
    const journal = new Journal(store, {
      scheduler: systemScheduler,
      onWriteError: (e) => errors.push(e),
    });
    store.failNext = true;
    journal.record(entry(0));
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toEqual([new Error('disk full')]);
    journal.record(entry(3));
    expect(withoutSeq(await journal.kept(10))).toEqual([entry(3)]);
    await journal.close();
  });

  it('rejects a flush the caller waits for when its write fails', async () => {
    const store = new WatchedStore();
    const journal = new Journal(store, { scheduler: systemScheduler, onWriteError: noErrors });
    journal.record(entry(0));
    store.failNext = true;
    await expect(journal.flush()).rejects.toThrow('disk full');
    await journal.close();
  });

  it('writes what is buffered on close, then closes the store; close is idempotent', async () => {
    const store = new WatchedStore();
    const journal = new Journal(store, { scheduler: systemScheduler, onWriteError: noErrors });
    journal.record(entry(0));
    journal.record(entry(3));
    await Promise.all([journal.close(), journal.close()]);
    expect(store.batches).toEqual([2]);
    await expect(store.query({ limit: 1 })).rejects.toThrow(/closed/);
    // Answers that finish while the server stops still show as recent, and are not queued.
    journal.record(entry(6));
    expect(journal.recent(1)).toEqual([entry(6)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.batches).toEqual([2]);
  });
});

describe('Journal over the SQLite state', () => {
  it('keeps what it wrote across a restart; the recent window starts empty', async () => {
    const dir = tempDir();
    const first = openSqliteState(dir);
    const journal = new Journal(first.journal, {
      scheduler: systemScheduler,
      onWriteError: noErrors,
    });
    journal.record(entry(0));
    journal.record(entry(1));
    await journal.close();
    await first.close();
    const second = openSqliteState(dir);
    const again = new Journal(second.journal, {
      scheduler: systemScheduler,
      onWriteError: noErrors,
    });
    expect(withoutSeq(await again.kept(5))).toEqual([entry(0)]);
    expect(again.recent(5)).toEqual([]);
    await again.close();
    await second.close();
  });
});

describe('JournalWindow', () => {
  it('keeps the latest entries up to its capacity, optional fields absent when absent', () => {
    const window = new JournalWindow(4);
    expect(window.latest(10)).toEqual([]);
    for (const e of range(10)) window.push(e);
    expect(window.latest(10)).toEqual([entry(9), entry(8), entry(7), entry(6)]);
    expect(window.latest(4)[0]).not.toHaveProperty('cassette');
  });

  it('keeps the scenario that fired and why (issue 14), absent when none fired', () => {
    const window = new JournalWindow(2);
    const fired = { ...entry(0), tenant: 't1', scenario: 'card_declined', firedBy: 'armed arm_1' };
    window.push(fired);
    window.push(entry(1));
    const [plain, scenario] = window.latest(2);
    expect(scenario).toEqual(fired);
    expect(plain).not.toHaveProperty('scenario');
    expect(plain).not.toHaveProperty('firedBy');
  });
});
