import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { TapedeckError } from '../../core/errors.js';
import type { AnswerLayer, JournalEntry, StateStore } from '../../core/ports/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  session TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  layer TEXT NOT NULL,
  status INTEGER NOT NULL,
  cassette TEXT,
  position INTEGER,
  duration_ms REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS drift_findings (
  fingerprint TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  times_seen INTEGER NOT NULL
);
`;

interface JournalRow {
  at: number;
  session: string;
  method: string;
  path: string;
  layer: AnswerLayer;
  status: number;
  cassette: string | null;
  position: number | null;
  duration_ms: number;
}

const COLUMNS = 'at, session, method, path, layer, status, cassette, position, duration_ms';
/** Rows per INSERT statement (9 parameters each, well under SQLite's limit). */
const BATCH = 100;
/** Entries buffered before a flush is scheduled without waiting for the timer. */
const FLUSH_AT = 512;

function insertRows(rows: number): string {
  const one = `(${Array.from({ length: 9 }, () => '?').join(',')})`;
  return `INSERT INTO journal(${COLUMNS}) VALUES ${Array.from({ length: rows }, () => one).join(',')}`;
}

function pushRow(params: unknown[], e: JournalEntry): void {
  params.push(
    e.at,
    e.session,
    e.method,
    e.path,
    e.layer,
    e.status,
    e.cassette ?? null,
    e.position ?? null,
    e.durationMs,
  );
}

/**
 * The runtime state in one SQLite file (WAL mode) under the state directory, which git ignores.
 * Journal entries are buffered and written in one transaction per flush, so the request path
 * never waits on the disk.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly insertOne: Database.Statement;
  private readonly insertBatch: Database.Statement;
  private buffer: JournalEntry[] = [];
  private readonly recent = new JournalWindow();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly file: string,
    flushEveryMs = 100,
  ) {
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
      this.db.prepare(`INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1')`).run();
    } catch (error) {
      throw new TapedeckError(
        'TD_STATE_STORE_FAILED',
        `Cannot open the state store ${file}: ${(error as Error).message}.`,
        {
          cause: error,
          hint: 'Check that the state directory (stateDir in tapedeck.config.json) is writable, or delete the file to start fresh: it holds no recordings.',
        },
      );
    }
    this.insertOne = this.db.prepare(insertRows(1));
    this.insertBatch = this.db.prepare(insertRows(BATCH));
    this.timer = setInterval(() => this.flush(), flushEveryMs);
    this.timer.unref();
  }

  /**
   * Every entry goes to the in-memory window; only answers that did not come straight from a
   * cassette (misses, upstream, admin, errors) go to SQLite. Writing every replay hit cost about
   * a sixth of replay's CPU time, and a hit says nothing a cassette does not.
   */
  journal(entry: JournalEntry): void {
    this.recent.push(entry);
    if (entry.layer === 'cassette') return;
    // Small, frequent batches: entries that wait long survive a young-generation GC and get
    // promoted to the old generation, which is expensive to collect.
    if (this.buffer.push(entry) === FLUSH_AT) setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.buffer.length === 0 || !this.db.open) return;
    const batch = this.buffer;
    this.buffer = [];
    this.writeAll(batch);
  }

  /**
   * One transaction per flush, BATCH rows per statement with positional parameters: a named
   * parameter object and a statement call per row cost about 3 µs a row, a tenth of a replay
   * answer.
   */
  private readonly writeAll = (entries: JournalEntry[]) => {
    this.db.transaction(() => {
      const params: unknown[] = [];
      let i = 0;
      for (; i + BATCH <= entries.length; i += BATCH) {
        params.length = 0;
        for (let j = i; j < i + BATCH; j++) pushRow(params, entries[j]!);
        this.insertBatch.run(params);
      }
      for (; i < entries.length; i++) {
        params.length = 0;
        pushRow(params, entries[i]!);
        this.insertOne.run(params);
      }
    })();
  };

  recentJournal(limit: number): JournalEntry[] {
    return this.recent.latest(limit);
  }

  persistedJournal(limit: number): JournalEntry[] {
    this.flush();
    const rows = this.db
      .prepare(
        `SELECT at, session, method, path, layer, status, cassette, position, duration_ms FROM journal ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as JournalRow[];
    return rows.map((r) => ({
      at: r.at,
      session: r.session,
      method: r.method,
      path: r.path,
      layer: r.layer,
      status: r.status,
      durationMs: r.duration_ms,
      ...(r.cassette === null ? {} : { cassette: r.cassette }),
      ...(r.position === null ? {} : { position: r.position }),
    }));
  }

  recordDriftFindings(fingerprints: readonly string[], at: number): Map<string, number> {
    const upsert = this.db.prepare(
      `INSERT INTO drift_findings(fingerprint, first_seen, last_seen, times_seen) VALUES (?, ?, ?, 1)
       ON CONFLICT(fingerprint) DO UPDATE SET
         first_seen = MIN(first_seen, excluded.first_seen),
         last_seen = MAX(last_seen, excluded.last_seen),
         times_seen = times_seen + 1
       RETURNING first_seen`,
    );
    const out = new Map<string, number>();
    try {
      this.db.transaction(() => {
        for (const fp of new Set(fingerprints)) {
          const row = upsert.get(fp, at, at) as { first_seen: number };
          out.set(fp, row.first_seen);
        }
      })();
    } catch (error) {
      throw new TapedeckError(
        'TD_STATE_STORE_FAILED',
        `Cannot write drift history to ${this.file}: ${(error as Error).message}.`,
        {
          cause: error,
          hint: 'Check that the state directory is writable; the history only dates findings, so deleting the file loses nothing else.',
        },
      );
    }
    return out;
  }

  close(): void {
    clearInterval(this.timer);
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }
}

/**
 * The latest journal entries, in columns: copying each entry's fields into preallocated arrays
 * keeps no per-request object alive, so the window costs the garbage collector nothing.
 */
export class JournalWindow {
  private readonly at: Float64Array;
  private readonly durationMs: Float64Array;
  private readonly status: Int32Array;
  private readonly position: Int32Array;
  private readonly session: string[];
  private readonly method: string[];
  private readonly path: string[];
  private readonly layer: AnswerLayer[];
  private readonly cassette: (string | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 1024) {
    this.at = new Float64Array(capacity);
    this.durationMs = new Float64Array(capacity);
    this.status = new Int32Array(capacity);
    this.position = new Int32Array(capacity);
    this.session = new Array<string>(capacity).fill('');
    this.method = new Array<string>(capacity).fill('');
    this.path = new Array<string>(capacity).fill('');
    this.layer = new Array<AnswerLayer>(capacity).fill('miss');
    this.cassette = new Array<string | undefined>(capacity).fill(undefined);
  }

  push(e: JournalEntry): void {
    const i = this.next;
    this.at[i] = e.at;
    this.durationMs[i] = e.durationMs;
    this.status[i] = e.status;
    this.position[i] = e.position ?? -1;
    this.session[i] = e.session;
    this.method[i] = e.method;
    this.path[i] = e.path;
    this.layer[i] = e.layer;
    this.cassette[i] = e.cassette;
    this.next = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  latest(limit: number): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let k = 1; k <= Math.min(limit, this.count); k++) {
      const i = (this.next - k + this.capacity) % this.capacity;
      const cassette = this.cassette[i];
      const position = this.position[i]!;
      out.push({
        at: this.at[i]!,
        session: this.session[i]!,
        method: this.method[i]!,
        path: this.path[i]!,
        layer: this.layer[i]!,
        status: this.status[i]!,
        durationMs: this.durationMs[i]!,
        ...(cassette === undefined ? {} : { cassette }),
        ...(position === -1 ? {} : { position }),
      });
    }
    return out;
  }
}

/** The same port in memory, for tests and embedding. */
export class MemoryStateStore implements StateStore {
  private readonly recent = new JournalWindow();
  private readonly kept: JournalEntry[] = [];
  journal(entry: JournalEntry): void {
    this.recent.push(entry);
    if (entry.layer !== 'cassette') this.kept.push(entry);
  }
  flush(): void {}
  recentJournal(limit: number): JournalEntry[] {
    return this.recent.latest(limit);
  }
  persistedJournal(limit: number): JournalEntry[] {
    return this.kept.slice(-limit).reverse();
  }
  private readonly firstSeen = new Map<string, number>();
  recordDriftFindings(fingerprints: readonly string[], at: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const fp of fingerprints) {
      const first = Math.min(this.firstSeen.get(fp) ?? at, at);
      this.firstSeen.set(fp, first);
      out.set(fp, first);
    }
    return out;
  }
  close(): void {}
}
