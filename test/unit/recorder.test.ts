import { setTimeout as sleep } from 'node:timers/promises';
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
import { interaction, redactorWith } from '../helpers/redaction.js';

/** A memory store that notes when each update started and ended and how much it added. */
class WatchedStore extends MemoryCassetteStore {
  readonly writes: { start: number; end: number; added: number }[] = [];

  constructor(private readonly delayMs = 5) {
    super();
  }

  override async update(
    name: string,
    change: (current: Cassette | undefined) => Cassette,
  ): Promise<void> {
    const start = performance.now();
    let added = 0;
    await super.update(name, (current) => {
      const next = change(current);
      added = next.interactions.length - (current?.interactions.length ?? 0);
      return next;
    });
    // A write takes a while on disk; here a few milliseconds.
    await sleep(this.delayMs);
    this.writes.push({ start, end: performance.now(), added });
  }
}

function recorder(store: WatchedStore, writeIntervalMs?: number): CassetteRecorder {
  return new CassetteRecorder({
    store,
    mode: 'new',
    meta: { recordedWith: 'tapedeck test' },
    logger: new CollectingLogger(),
    stats: new ServerStats(),
    redaction: { rules: [], files: [], disabled: new Set(), redactor: redactorWith() },
    ...(writeIntervalMs === undefined ? {} : { writeIntervalMs }),
  });
}

const hit = (i: number) => interaction({ path: `/items/${i}` });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(2);
  expect(check()).toBe(true);
}

describe('CassetteRecorder', () => {
  it('writes a first interaction at once, then waits a pause between writes of a cassette', async () => {
    expect(WRITE_INTERVAL_MS).toBe(100);
    // A long pause, so that slow test machines cannot blur "at once" and "after the pause".
    const store = new WatchedStore();
    const rec = recorder(store, 300);
    const started = performance.now();
    rec.record('c', hit(0));
    await until(() => store.writes.length === 1);
    expect(store.writes[0]!.start - started).toBeLessThan(150);
    // Everything that finishes within the pause goes into one write.
    for (let i = 1; i <= 5; i++) {
      rec.record('c', hit(i));
      await sleep(3);
    }
    await until(() => store.writes.length === 2);
    expect(store.writes[1]!.start - store.writes[0]!.end).toBeGreaterThanOrEqual(290);
    expect(store.writes.map((w) => w.added)).toEqual([1, 5]);
    // After a quiet spell longer than the pause, the next write starts at once again.
    await sleep(320);
    const later = performance.now();
    rec.record('c', hit(6));
    await until(() => store.writes.length === 3);
    expect(store.writes[2]!.start - later).toBeLessThan(150);
    await rec.drain();
    expect((await store.load('c'))?.interactions.map((x) => x.request.path)).toEqual(
      Array.from({ length: 7 }, (_, i) => `/items/${i}`),
    );
  });

  it('drain() writes what is queued at once, without waiting for the pause', async () => {
    const store = new WatchedStore();
    const rec = recorder(store, 60_000);
    rec.record('a', hit(0));
    rec.record('b', hit(1));
    await until(() => store.writes.length === 2);
    rec.record('a', hit(2));
    rec.record('a', hit(3));
    rec.record('b', hit(4));
    const started = performance.now();
    await rec.drain();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((await store.load('a'))?.interactions.map((x) => x.request.path)).toEqual([
      '/items/0',
      '/items/2',
      '/items/3',
    ]);
    expect((await store.load('b'))?.interactions).toHaveLength(2);
    // Once drained, recording goes on as before.
    rec.record('a', hit(5));
    await rec.drain();
    expect((await store.load('a'))?.interactions).toHaveLength(4);
  });

  it('drain() also waits for interactions recorded while it drains', async () => {
    const store = new WatchedStore();
    const rec = recorder(store, 60_000);
    rec.record('a', hit(0));
    const draining = rec.drain();
    rec.record('a', hit(1));
    await sleep(1);
    rec.record('a', hit(2));
    await draining;
    expect((await store.load('a'))?.interactions).toHaveLength(3);
  });

  it('with no pause, writes again as soon as the previous write ends', async () => {
    const store = new WatchedStore();
    const rec = recorder(store, 0);
    rec.record('c', hit(0));
    await until(() => store.writes.length === 1);
    rec.record('c', hit(1));
    await until(() => store.writes.length === 2);
    expect(store.writes[1]!.start - store.writes[0]!.end).toBeLessThan(150);
  });

  it('waits longer after slow writes: the pause is at least WRITE_COST_FACTOR times the last write', async () => {
    expect(WRITE_COST_FACTOR).toBe(4);
    // Writes of 60 ms (a big cassette) with a 10 ms pause: the next starts 240 ms after the end.
    const store = new WatchedStore(60);
    const rec = recorder(store, 10);
    rec.record('c', hit(0));
    await until(() => store.writes.length === 1);
    rec.record('c', hit(1));
    rec.record('c', hit(2));
    await until(() => store.writes.length === 2);
    const [first, second] = store.writes as [(typeof store.writes)[0], (typeof store.writes)[0]];
    expect(second.start - first.end).toBeGreaterThanOrEqual(4 * (first.end - first.start) - 15);
    expect(store.writes.map((w) => w.added)).toEqual([1, 2]);
    // drain() never waits for it.
    rec.record('c', hit(3));
    const started = performance.now();
    await rec.drain();
    expect(performance.now() - started).toBeLessThan(200);
    expect((await store.load('c'))?.interactions).toHaveLength(4);
  });

  it('recordLater() does the work on a later turn, and drain() does what is still deferred', async () => {
    const store = new WatchedStore();
    const rec = recorder(store, 60_000);
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
    await until(() => store.writes.length === 1);
    expect(built).toBe(1);
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
    await rec.drain();
    expect((await store.load('c'))?.interactions.map((x) => x.request.path)).toEqual([
      '/items/0',
      '/items/1',
      '/items/2',
    ]);
  });

  it('recordLater() hands errors to its failure callback and goes on with the rest', async () => {
    const store = new WatchedStore();
    const rec = recorder(store);
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
    await rec.drain();
    expect(errors.map((e) => (e as Error).message)).toEqual(['broken body']);
    expect((await store.load('c'))?.interactions).toHaveLength(1);
  });
});
