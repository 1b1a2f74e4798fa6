import type { Clock } from '../../core/ports/clock.js';
import type {
  JournalEntry,
  JournalPrune,
  JournalQuery,
  JournalStore,
  StoredJournalEntry,
} from '../../core/ports/journal.js';
import type { ScheduledTask, Scheduler } from '../../core/ports/scheduler.js';
import type { JournalReader, JournalSink } from '../pipeline/context.js';
import { JournalWindow } from './window.js';

export interface JournalOptions {
  /** Timers of the batched writes (tests drive a manual one). */
  readonly scheduler: Scheduler;
  /** A batch is written at least this often (ms). */
  readonly flushEveryMs?: number;
  /** A batch this large is written at once, without waiting for the timer. */
  readonly flushAt?: number;
  /** Entries in the in-memory window of `recent`. */
  readonly windowSize?: number;
  /**
   * Keep cassette hits too (the sandbox: a tenant's readiness is built from every answer it
   * got). Replay leaves it off: its hits stay in the memory window only.
   */
  readonly keepCassetteHits?: boolean;
  /**
   * A timed or size-triggered write failed. The batch is dropped: the journal holds no
   * recording, and a full disk must not stop the server answering. `flush`, `kept` and `close`
   * reject instead, so a caller who waits sees the error.
   */
  readonly onWriteError: (error: unknown) => void;
}

/** Entries buffered before a flush is scheduled without waiting for the timer. */
const FLUSH_AT = 512;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** What the journal keeps (config `journal`, docs/observability.md). */
export interface JournalRetention {
  readonly retentionDays: number;
  readonly maxEntriesPerTenant: number;
}

/** The prune of a retention sweep at `now` (real time, as entries' `at`). */
export function retentionPrune(retention: JournalRetention, now: number): JournalPrune {
  return {
    before: now - retention.retentionDays * DAY_MS,
    keepPerTenant: retention.maxEntriesPerTenant,
  };
}

/**
 * The request journal of one server: every answer goes to an in-memory window; answers that did
 * not come straight from a cassette (misses, upstream, spec, admin, errors) are also queued and
 * appended to the JournalStore in batches. Writing every replay hit cost about a sixth of
 * replay's CPU time, and a hit says nothing a cassette does not. The sandbox keeps its hits too
 * (`keepCassetteHits`): there a hit is a tenant's evidence.
 */
export class Journal implements JournalSink, JournalReader {
  private buffer: JournalEntry[] = [];
  private readonly window: JournalWindow;
  private readonly flushAt: number;
  private readonly flushEveryMs: number;
  /** The timed flush of what is buffered: scheduled by the first entry of a batch. */
  private timer: ScheduledTask | undefined;
  /** The last write, settled either way: the next one starts after it, so batches stay in order. */
  private writing: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;
  private readonly skipHits: boolean;
  /** The next retention sweep, when `keepFor` started them. */
  private sweep: ScheduledTask | undefined;
  /** The sweep running now, settled either way: the store closes after it. */
  private sweeping: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: JournalStore,
    private readonly options: JournalOptions,
  ) {
    this.window = new JournalWindow(options.windowSize);
    this.flushAt = options.flushAt ?? FLUSH_AT;
    this.flushEveryMs = options.flushEveryMs ?? 100;
    this.skipHits = options.keepCassetteHits !== true;
  }

  record(entry: JournalEntry): void {
    this.window.push(entry);
    if ((this.skipHits && entry.layer === 'cassette') || this.closed !== undefined) return;
    // Small, frequent batches: entries that wait long survive a young-generation GC and get
    // promoted to the old generation, which is expensive to collect.
    const buffered = this.buffer.push(entry);
    // No idle timer: the first entry of a batch schedules its write, so a quiet server has none.
    if (buffered === 1) {
      this.timer = this.options.scheduler.setTimeout(() => {
        this.timer = undefined;
        this.flushInBackground();
      }, this.flushEveryMs);
    } else if (buffered === this.flushAt) {
      this.options.scheduler.setImmediate(() => this.flushInBackground());
    }
  }

  recent(limit: number): JournalEntry[] {
    return this.window.latest(limit);
  }

  async kept(limit: number): Promise<StoredJournalEntry[]> {
    await this.flush();
    return this.store.query({ limit });
  }

  /** Stored entries matching the query (JournalStore.query), after what is buffered is written. */
  async query(query: JournalQuery): Promise<StoredJournalEntry[]> {
    await this.flush();
    return this.store.query(query);
  }

  /**
   * Starts the retention sweeps: one now (resolves how many entries it removed, or rejects), then
   * one every `everyMs` (an hour) through the scheduler until `close`. A failed later sweep goes
   * to `onWriteError` and the next one still runs.
   */
  async keepFor(
    retention: JournalRetention,
    clock: Pick<Clock, 'now'>,
    everyMs = HOUR_MS,
  ): Promise<number> {
    const sweepOnce = () => {
      const run = this.store.prune(retentionPrune(retention, clock.now()));
      this.sweeping = run.catch(() => undefined);
      return run;
    };
    const next = () => {
      if (this.closed !== undefined) return;
      this.sweep = this.options.scheduler.setTimeout(() => {
        this.sweep = undefined;
        if (this.closed !== undefined) return;
        sweepOnce().catch(this.options.onWriteError).finally(next);
      }, everyMs);
    };
    const removed = await sweepOnce();
    next();
    return removed;
  }

  /** Appends what is buffered; resolves when it (and every earlier batch) is stored. */
  flush(): Promise<void> {
    if (this.buffer.length === 0) return this.writing;
    this.timer?.cancel();
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    const write = this.writing.then(() => this.store.append(batch));
    this.writing = write.catch(() => undefined);
    return write;
  }

  /** Writes what is buffered, then closes the store. Idempotent. */
  close(): Promise<void> {
    this.sweep?.cancel();
    this.sweep = undefined;
    this.closed ??= this.flush().finally(() => this.sweeping.then(() => this.store.close()));
    return this.closed;
  }

  private flushInBackground(): void {
    this.flush().catch(this.options.onWriteError);
  }
}
