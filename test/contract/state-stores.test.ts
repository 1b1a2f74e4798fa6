import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  JournalWindow,
  MemoryStateStore,
  SqliteStateStore,
} from '../../src/adapters/state/sqlite-state-store.js';
import type { JournalEntry, StateStore } from '../../src/core/ports/index.js';
import { tempDir } from '../helpers/tmp.js';

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

function stateStoreContract(name: string, make: () => StateStore): void {
  describe(`${name} (StateStore contract)`, () => {
    it('returns the latest journal entries first, as written', () => {
      const store = make();
      for (let i = 0; i < 10; i++) store.journal(entry(i));
      expect(store.recentJournal(3)).toEqual([entry(9), entry(8), entry(7)]);
      store.close();
    });

    it('keeps every entry of a large batch, in order', () => {
      const store = make();
      const entries = Array.from({ length: 257 }, (_, i) => entry(i));
      for (const e of entries) store.journal(e);
      store.flush();
      expect(store.recentJournal(300)).toEqual([...entries].reverse());
      store.close();
    });

    it('keeps every answer that did not come from a cassette, and only those, newest first', () => {
      const store = make();
      const entries = Array.from({ length: 30 }, (_, i) => entry(i));
      for (const e of entries) store.journal(e);
      expect(store.persistedJournal(100)).toEqual(
        entries.filter((e) => e.layer !== 'cassette').reverse(),
      );
      store.close();
    });

    it('dates drift findings by when they were first seen', () => {
      const store = make();
      const day = 86_400_000;
      const t0 = 1_700_000_000_000;
      expect([...store.recordDriftFindings(['a', 'b'], t0)]).toEqual([
        ['a', t0],
        ['b', t0],
      ]);
      const later = store.recordDriftFindings(['b', 'c', 'c'], t0 + 3 * day);
      expect(later.get('b')).toBe(t0);
      expect(later.get('c')).toBe(t0 + 3 * day);
      expect(later.has('a')).toBe(false);
      expect(store.recordDriftFindings([], t0).size).toBe(0);
      store.close();
    });

    it('keeps optional fields absent when they were absent', () => {
      const store = make();
      store.journal(entry(0));
      expect(store.recentJournal(1)[0]).not.toHaveProperty('cassette');
      store.close();
    });
  });
}

stateStoreContract(
  'SqliteStateStore',
  () => new SqliteStateStore(join(tempDir(), 'state', 'state.db')),
);
stateStoreContract('MemoryStateStore', () => new MemoryStateStore());

describe('SqliteStateStore', () => {
  it('persists the journal across reopening the file', () => {
    const file = join(tempDir(), 'state.db');
    const first = new SqliteStateStore(file);
    first.journal(entry(0));
    first.journal(entry(1));
    first.close();
    const second = new SqliteStateStore(file);
    expect(second.persistedJournal(5)).toEqual([entry(0)]);
    expect(second.recentJournal(5)).toEqual([]);
    second.close();
  });

  it('keeps drift history across reopening the file', () => {
    const file = join(tempDir(), 'state.db');
    const first = new SqliteStateStore(file);
    first.recordDriftFindings(['fp'], 1000);
    first.close();
    const second = new SqliteStateStore(file);
    expect(second.recordDriftFindings(['fp'], 5000).get('fp')).toBe(1000);
    second.close();
  });

  it('keeps a bounded window of recent entries', () => {
    const window = new JournalWindow(4);
    for (let i = 0; i < 10; i++) window.push(entry(i));
    expect(window.latest(10)).toEqual([entry(9), entry(8), entry(7), entry(6)]);
  });

  it('fails with TD_STATE_STORE_FAILED and a next step when the file cannot be opened', () => {
    const dir = tempDir();
    expect(() => new SqliteStateStore(join(dir, 'state.db', 'x', '\u0000bad'))).toThrowError(
      expect.objectContaining({ code: 'TD_STATE_STORE_FAILED' }) as Error,
    );
  });
});
