import { describe, expect, it } from 'vitest';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import {
  CassetteRecorder,
  WRITE_COST_FACTOR,
  WRITE_INTERVAL_MS,
} from '../../src/app/record/recorder.js';
import { ServerStats } from '../../src/app/pipeline/stats.js';
import type { Cassette } from '../../src/core/cassette/model.js';
import { CollectingLogger } from '../helpers/logger.js';
import { ManualTime } from '../helpers/manual-time.js';
import { interaction, redactorWith } from '../helpers/redaction.js';

// Time is manual here: the recorder's timers and clock are a ManualTime, and a write to the
// store "takes" `delayMs` of that time. The test moves time and asserts exact instants.

/** A memory store that notes when each update started and ended and how much it added. */
class WatchedStore extends MemoryCassetteStore {
  readonly writes: { start: number; end: number; added: number }[] = [];

  constructor(
    private readonly time: ManualTime,
    private readonly delayMs = 5,
  ) {
    super();
  }

  override async update(
    name: string,
    change: (current: Cassette | undefined) => Cassette,
  ): Promise<void> {
    const start = this.time.monotonic();
    let added = 0;
    await super.update(name, (current) => {
      const next = change(current);
      added = next.interactions.length - (current?.interactions.length ?? 0);
      return next;
    });
    // A write takes a while on disk.
    await this.time.sleep(this.delayMs);
    this.writes.push({ start, end: this.time.monotonic(), added });
  }
}

function setup(writeIntervalMs?: number, delayMs?: number) {
  const time = new ManualTime();
  const store = new WatchedStore(time, delayMs);
  const rec = new CassetteRecorder({
    store,
    mode: 'new',
    meta: { recordedWith: 'tapedeck test' },
    logger: new CollectingLogger(),
    stats: new ServerStats(),
    redaction: { rules: [], files: [], disabled: new Set(), redactor: redactorWith() },
    clock: time,
    scheduler: time,
    ...(writeIntervalMs === undefined ? {} : { writeIntervalMs }),
  });
  return { time, store, rec };
}

const hit = (i: number) => interaction({ path: `/items/${i}` });

describe('CassetteRecorder', () => {
  it('writes a first interaction at once, then waits a pause between writes of a cassette', async () => {
    expect(WRITE_INTERVAL_MS).toBe(100);
    const { time, store, rec } = setup(300);
    rec.record('c', hit(0));
    // "At once": on the next turn, with no time passing.
    await time.advance(0);
    expect(store.writes).toHaveLength(0);
    expect(time.monotonic()).toBe(0);
    await time.advance(5);
    expect(store.writes).toEqual([{ start: 0, end: 5, added: 1 }]);
    // Everything that finishes within the pause goes into one write.
    for (let i = 1; i <= 5; i++) {
      rec.record('c', hit(i));
      await time.advance(3);
    }
    // The pause runs from the end of the first write (5): nothing before 305.
    await time.advance(305 - time.monotonic() - 1);
    expect(store.writes).toHaveLength(1);
    await time.advance(1);
    await time.advance(5);
    expect(store.writes[1]).toEqual({ start: 305, end: 310, added: 5 });
    // After a quiet spell longer than the pause, the next write starts at once again.
    await time.advance(320);
    const later = time.monotonic();
    rec.record('c', hit(6));
    await time.advance(5);
    expect(store.writes[2]).toEqual({ start: later, end: later + 5, added: 1 });
    await time.runUntil(rec.drain());
    expect((await store.load('c'))?.interactions.map((x) => x.request.path)).toEqual(
      Array.from({ length: 7 }, (_, i) => `/items/${i}`),
    );
  });

  it('drain() writes what is queued at once, without waiting for the pause', async () => {
    const { time, store, rec } = setup(60_000);
    rec.record('a', hit(0));
    rec.record('b', hit(1));
    await time.advance(5);
    expect(store.writes).toHaveLength(2);
    rec.record('a', hit(2));
    rec.record('a', hit(3));
    rec.record('b', hit(4));
    const started = time.monotonic();
    await time.runUntil(rec.drain());
    // Only the writes themselves (in parallel, one per cassette): the 60 s pause is skipped.
    expect(time.monotonic() - started).toBe(5);
    expect((await store.load('a'))?.interactions.map((x) => x.request.path)).toEqual([
      '/items/0',
      '/items/2',
      '/items/3',
    ]);
    expect((await store.load('b'))?.interactions).toHaveLength(2);
    // Once drained, recording goes on as before.
    rec.record('a', hit(5));
    await time.runUntil(rec.drain());
    expect((await store.load('a'))?.interactions).toHaveLength(4);
    // Nothing is left scheduled: the hurried timers were cancelled.
    expect(time.pending).toBe(0);
  });

  it('drain() also waits for interactions recorded while it drains', async () => {
    const { time, store, rec } = setup(60_000);
    rec.record('a', hit(0));
    const draining = rec.drain();
    rec.record('a', hit(1));
    await time.advance(1);
    rec.record('a', hit(2));
    await time.runUntil(draining);
    expect((await store.load('a'))?.interactions).toHaveLength(3);
  });

  it('with no pause, writes again as soon as the previous write ends', async () => {
    const { time, store, rec } = setup(0);
    rec.record('c', hit(0));
    await time.advance(5);
    rec.record('c', hit(1));
    // The pause is max(0, 4 × 5 ms) after the first write's end.
    await time.advance(WRITE_COST_FACTOR * 5 + 5);
    expect(store.writes).toEqual([
      { start: 0, end: 5, added: 1 },
      { start: 5 + WRITE_COST_FACTOR * 5, end: 10 + WRITE_COST_FACTOR * 5, added: 1 },
    ]);
    // With writes that take no time, the next starts on the next turn.
    const instant = setup(0, 0);
    instant.rec.record('c', hit(0));
    await instant.time.advance(0);
    instant.rec.record('c', hit(1));
    await instant.time.advance(0);
    expect(instant.store.writes).toEqual([
      { start: 0, end: 0, added: 1 },
      { start: 0, end: 0, added: 1 },
    ]);
  });

  it('waits longer after slow writes: the pause is at least WRITE_COST_FACTOR times the last write', async () => {
    expect(WRITE_COST_FACTOR).toBe(4);
    // Writes of 60 ms (a big cassette) with a 10 ms pause: the next starts 240 ms after the end.
    const { time, store, rec } = setup(10, 60);
    rec.record('c', hit(0));
    await time.advance(60);
    rec.record('c', hit(1));
    rec.record('c', hit(2));
    await time.advance(239);
    expect(store.writes).toHaveLength(1);
    await time.advance(1 + 60);
    expect(store.writes).toEqual([
      { start: 0, end: 60, added: 1 },
      { start: 300, end: 360, added: 2 },
    ]);
    // drain() never waits for it: only the write's own 60 ms.
    rec.record('c', hit(3));
    const started = time.monotonic();
    await time.runUntil(rec.drain());
    expect(time.monotonic() - started).toBe(60);
    expect((await store.load('c'))?.interactions).toHaveLength(4);
  });

  it('recordLater() does the work on a later turn, and drain() does what is still deferred', async () => {
    const { time, store, rec } = setup(60_000);
    let built = 0;
    rec.recordLater(
      'c',
      () => {
        built++;
        return hit(0);
      },
      () => undefined,
    );
    // The caller (a response that just ended) is not kept waiting for the recording work.
    expect(built).toBe(0);
    await time.advance(5);
    expect(built).toBe(1);
    expect(store.writes).toHaveLength(1);
    rec.recordLater(
      'c',
      () => hit(1),
      () => undefined,
    );
    rec.recordLater(
      'c',
      () => hit(2),
      () => undefined,
    );
    await time.runUntil(rec.drain());
    expect((await store.load('c'))?.interactions.map((x) => x.request.path)).toEqual([
      '/items/0',
      '/items/1',
      '/items/2',
    ]);
  });

  it('recordLater() hands errors to its failure callback and goes on with the rest', async () => {
    const { time, store, rec } = setup();
    const errors: unknown[] = [];
    rec.recordLater(
      'c',
      () => {
        throw new Error('broken body');
      },
      (error) => errors.push(error),
    );
    rec.recordLater(
      'c',
      () => hit(1),
      (error) => errors.push(error),
    );
    await time.runUntil(rec.drain());
    expect(errors.map((e) => (e as Error).message)).toEqual(['broken body']);
    expect((await store.load('c'))?.interactions).toHaveLength(1);
  });
});
