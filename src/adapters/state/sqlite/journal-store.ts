import type {
  AnswerLayer,
  JournalEntry,
  JournalQuery,
  JournalStore,
} from '../../../core/ports/journal.js';
import { PortState, type SqliteConnection } from './database.js';

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
  tenant: string | null;
  scenario: string | null;
  fired_by: string | null;
}

const COLUMNS =
  'at, session, method, path, layer, status, cassette, position, duration_ms, tenant, scenario, fired_by';
const PARAMS = 12;
/** Rows per INSERT statement (PARAMS parameters each, well under SQLite's limit). */
const BATCH = 100;

function insertRows(rows: number): string {
  const one = `(${Array.from({ length: PARAMS }, () => '?').join(',')})`;
  return `INSERT INTO journal(${COLUMNS}) VALUES ${Array.from({ length: rows }, () => one).join(',')}`;
}

const ONE_ROW = insertRows(1);
const BATCH_ROWS = insertRows(BATCH);

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
    e.tenant ?? null,
    e.scenario ?? null,
    e.firedBy ?? null,
  );
}

function entryOf(r: JournalRow): JournalEntry {
  return {
    at: r.at,
    session: r.session,
    method: r.method,
    path: r.path,
    layer: r.layer,
    status: r.status,
    durationMs: r.duration_ms,
    ...(r.cassette === null ? {} : { cassette: r.cassette }),
    ...(r.position === null ? {} : { position: r.position }),
    ...(r.tenant === null ? {} : { tenant: r.tenant }),
    ...(r.scenario === null ? {} : { scenario: r.scenario }),
    ...(r.fired_by === null ? {} : { firedBy: r.fired_by }),
  };
}

/** The journal table of the state file. Newest first means highest id first. */
export class SqliteJournalStore implements JournalStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'journal');
  }

  /**
   * One transaction per batch, BATCH rows per statement with positional parameters: a named
   * parameter object and a statement call per row cost about 3 µs a row, a tenth of a replay
   * answer.
   */
  append(entries: readonly JournalEntry[]): Promise<void> {
    return this.port.atomically('write journal entries', () => {
      // Prepared once per connection (cached), on first use: a file opened with older
      // migrations (tests) has no tenant or scenario columns, and never writes.
      const insertOne = this.port.sql(ONE_ROW);
      const insertBatch = this.port.sql(BATCH_ROWS);
      const params: unknown[] = [];
      let i = 0;
      for (; i + BATCH <= entries.length; i += BATCH) {
        params.length = 0;
        for (let j = i; j < i + BATCH; j++) pushRow(params, entries[j]!);
        insertBatch.run(params);
      }
      for (; i < entries.length; i++) {
        params.length = 0;
        pushRow(params, entries[i]!);
        insertOne.run(params);
      }
    });
  }

  query(query: JournalQuery): Promise<JournalEntry[]> {
    return this.port.run('read the journal', () => {
      const where: string[] = [];
      const params: unknown[] = [];
      // The tenant first, as in every tenant-scoped statement (the journal_tenant index).
      if (query.tenant !== undefined) {
        where.push('tenant = ?');
        params.push(query.tenant);
      }
      if (query.layers !== undefined) {
        if (query.layers.length === 0) return [];
        where.push(`layer IN (${query.layers.map(() => '?').join(',')})`);
        params.push(...query.layers);
      }
      if (query.since !== undefined) {
        where.push('at >= ?');
        params.push(query.since);
      }
      params.push(Math.max(1, Math.floor(query.limit)));
      // Cached: the statement's text depends only on which filters are given (and how many
      // layers), never on their values.
      const rows = this.port
        .sql(
          `SELECT ${COLUMNS} FROM journal ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY id DESC LIMIT ?`,
        )
        .all(params) as JournalRow[];
      return rows.map(entryOf);
    });
  }

  close(): Promise<void> {
    this.port.close();
    return Promise.resolve();
  }
}
