import type Database from 'better-sqlite3';
import { TapedeckError } from '../../../core/errors.js';

/**
 * How long a statement waits for another process holding the state file (SQLite's busy
 * handler), and how long `retryBusy` keeps trying what still answers SQLITE_BUSY.
 */
export const BUSY_TIMEOUT_MS = 5_000;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** At most this many prepared statements are kept per connection. */
const MAX_CACHED_STATEMENTS = 1_000;

/**
 * Runs `work` again while it fails with SQLITE_BUSY (or SQLITE_LOCKED), for up to
 * BUSY_TIMEOUT_MS, pausing a little longer each time. SQLite answers BUSY without waiting where
 * waiting could deadlock (switching to WAL, recovering the WAL another process left); the
 * connection is synchronous, so the pause is too (as the busy handler's own sleep is).
 */
export function retryBusy<T>(work: () => T, timeoutMs = BUSY_TIMEOUT_MS): T {
  const started = Date.now();
  let wait = 2;
  for (;;) {
    try {
      return work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const busy =
        typeof code === 'string' &&
        (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
      if (!busy || Date.now() - started > timeoutMs) throw error;
      Atomics.wait(pause, 0, 0, wait);
      wait = Math.min(wait * 2, 50);
    }
  }
}

/**
 * One better-sqlite3 connection shared by every port of a state file. better-sqlite3 is
 * synchronous: each port method runs its statements at once and hands back a settled promise,
 * so callers on the async ports pay no thread hop, and a PostgreSQL store can implement the same
 * ports with real waits.
 */
export class SqliteConnection {
  /** Statements prepared once per connection, by their SQL text (a fixed string in the code). */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    readonly db: Database.Database,
    readonly file: string,
  ) {}

  /**
   * The prepared statement of `sql`, prepared on first use: preparing costs about as much as
   * running a small statement, so the ports never prepare per call. `sql` is always text written
   * in this code (never request data), so the cache is bounded by the code's statements.
   */
  statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) {
      prepared = this.db.prepare(sql);
      // A page's text varies with the shape of its filters (never their values): bounded by the
      // model, and capped all the same, past which a statement is prepared per call.
      if (this.statements.size < MAX_CACHED_STATEMENTS) this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /**
   * Runs `work` and settles with its result. A failure rejects (never throws) as
   * TD_STATE_STORE_FAILED naming the file and what was being done; a TapedeckError passes as is.
   */
  run<T>(what: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(this.failure(what, error));
    }
  }

  failure(what: string, error: unknown): TapedeckError {
    if (error instanceof TapedeckError) return error;
    return new TapedeckError(
      'TD_STATE_STORE_FAILED',
      `Cannot ${what} in the state store ${this.file}: ${(error as Error).message}.`,
      {
        cause: error,
        hint: 'Check that the state directory (stateDir in tapedeck.config.json) is writable and not full.',
      },
    );
  }
}

/** A port's own open/closed flag, over a connection that outlives it until the state closes. */
export class PortState {
  private closed = false;
  constructor(
    private readonly connection: SqliteConnection,
    private readonly port: string,
  ) {}

  /** The connection's cached statement of `sql` (call inside `run`/`atomically`). */
  sql(sql: string): Database.Statement {
    return this.connection.statement(sql);
  }

  /** `SqliteConnection.run`, refused once the port or the connection is closed. */
  run<T>(what: string, work: (db: Database.Database) => T): Promise<T> {
    return this.connection.run(what, () => {
      this.checkOpen();
      return work(this.connection.db);
    });
  }

  /**
   * `run` inside one immediate transaction: all of `work` or none of it. BEGIN IMMEDIATE waits
   * (busy timeout) for another process's write; what still answers SQLITE_BUSY is tried again
   * (`retryBusy`): the transaction rolled back, so running it again adds nothing twice.
   */
  atomically<T>(what: string, work: (db: Database.Database) => T): Promise<T> {
    return this.connection.run(what, () => {
      this.checkOpen();
      const transaction = this.connection.db.transaction(() => work(this.connection.db));
      return retryBusy(() => transaction.immediate());
    });
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed || !this.connection.db.open) throw new Error(`the ${this.port} port is closed`);
  }
}
