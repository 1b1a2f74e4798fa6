import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { TapedeckError } from '../core/errors.js';
import type { AnswerLayer, JournalEntry, StateStore } from '../core/ports.js';

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
CREATE INDEX IF NOT EXISTS journal_at ON journal(at);
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

/**
 * The runtime state in one SQLite file (WAL mode) under the state directory, which git ignores.
 * Journal entries are buffered and written in one transaction per flush, so the request path
 * never waits on the disk.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private buffer: JournalEntry[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly file: string,
    flushEveryMs = 250,
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
    this.insert = this.db.prepare(
      `INSERT INTO journal(at, session, method, path, layer, status, cassette, position, duration_ms)
       VALUES (@at, @session, @method, @path, @layer, @status, @cassette, @position, @durationMs)`,
    );
    this.timer = setInterval(() => this.flush(), flushEveryMs);
    this.timer.unref();
  }

  journal(entry: JournalEntry): void {
    this.buffer.push(entry);
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const write = this.db.transaction((entries: JournalEntry[]) => {
      for (const e of entries) {
        this.insert.run({ ...e, cassette: e.cassette ?? null, position: e.position ?? null });
      }
    });
    write(batch);
  }

  recentJournal(limit: number): JournalEntry[] {
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

  close(): void {
    clearInterval(this.timer);
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }
}

/** The same port in memory, for tests and for `--state memory`. */
export class MemoryStateStore implements StateStore {
  private readonly entries: JournalEntry[] = [];
  journal(entry: JournalEntry): void {
    this.entries.push(entry);
  }
  flush(): void {}
  recentJournal(limit: number): JournalEntry[] {
    return this.entries.slice(-limit).reverse();
  }
  close(): void {}
}
