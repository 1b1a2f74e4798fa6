import type { JournalEntry, JournalStore, StoredJournalEntry } from '../../core/ports/journal.js';
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
   * A timed or size-triggered write failed. The batch is dropped: the journal holds no
   * recording, and a full disk must not stop the server answering. `flush`, `kept` and `close`
   * reject instead, so a caller who waits sees the error.
   */
  readonly onWriteError: (error: unknown) => void;
}

/** Entries buffered before a flush is scheduled without waiting for the timer. */
const FLUSH_AT = 512;

/**
 * The request journal of one server: every answer goes to an in-memory window; answers that did
 * not come straight from a cassette (misses, upstream, spec, admin, errors) are also queued and
 * appended to the JournalStore in batches. Writing every replay hit cost about a sixth of
 * replay's CPU time, and a hit says nothing a cassette does not.
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

  constructor(
    private readonly store: JournalStore,
    private readonly options: JournalOptions,
  ) {
    this.window = new JournalWindow(options.windowSize);
    this.flushAt = options.flushAt ?? FLUSH_AT;
    this.flushEveryMs = options.flushEveryMs ?? 100;
  }

  record(entry: JournalEntry): void {
    this.window.push(entry);
    if (entry.layer === 'cassette' || this.closed !== undefined) return;
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
    this.closed ??= this.flush().finally(() => this.store.close());
    return this.closed;
  }

  private flushInBackground(): void {
    this.flush().catch(this.options.onWriteError);
  }
}
