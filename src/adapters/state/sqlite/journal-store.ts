import { setImmediate as nextTurn } from 'node:timers/promises';
import { checkJournalQuery, DETAIL_KEYS } from '../../../core/journal-query.js';
import type {
  AnswerLayer,
  JournalEntry,
  JournalPrune,
  JournalQuery,
  JournalStore,
  StoredJournalEntry,
} from '../../../core/ports/journal.js';
import { PortState, type SqliteConnection } from './database.js';

interface JournalRow {
  id: number;
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
  request_id: string | null;
  tenant_at: number | null;
  operation: string | null;
  detail: string | null;
}

const COLUMNS =
  'at, session, method, path, layer, status, cassette, position, duration_ms, tenant, scenario, fired_by, request_id, tenant_at, operation, detail';
const PARAMS = 16;
/** Rows a retention sweep deletes per transaction: a few ms of the event loop at a time. */
const PRUNE_CHUNK = 2_000;
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
    e.requestId ?? null,
    e.tenantAt ?? null,
    e.operation ?? null,
    detailOf(e),
  );
}

/** The entry's issue-16 facts no query filters by, as one JSON object; null when it has none (replay). */
function detailOf(e: JournalEntry): string | null {
  let detail: Record<string, unknown> | undefined;
  for (const key of DETAIL_KEYS) {
    const value = e[key];
    if (value !== undefined) (detail ??= {})[key] = value;
  }
  return detail === undefined ? null : JSON.stringify(detail);
}

function entryOf(r: JournalRow): StoredJournalEntry {
  return {
    seq: r.id,
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
    ...(r.request_id === null ? {} : { requestId: r.request_id }),
    ...(r.tenant_at === null ? {} : { tenantAt: r.tenant_at }),
    ...(r.operation === null ? {} : { operation: r.operation }),
    ...(r.detail === null ? {} : (JSON.parse(r.detail) as Partial<JournalEntry>)),
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

  query(query: JournalQuery): Promise<StoredJournalEntry[]> {
    return this.port.run('read the journal', () => {
      checkJournalQuery(query);
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
      if (query.operation !== undefined) {
        where.push('operation = ?');
        params.push(query.operation);
      }
      if (query.requestId !== undefined) {
        where.push('request_id = ?');
        params.push(query.requestId);
      }
      if (typeof query.status === 'number') {
        where.push('status = ?');
        params.push(query.status);
      } else if (query.status !== undefined) {
        const hundreds = Number(query.status[0]) * 100;
        where.push('status >= ? AND status < ?');
        params.push(hundreds, hundreds + 100);
      }
      if (query.before !== undefined) {
        where.push('id < ?');
        params.push(query.before);
      }
      if (query.after !== undefined) {
        where.push('id > ?');
        params.push(query.after);
      }
      params.push(Math.max(1, Math.floor(query.limit)));
      // Cached: the statement's text depends only on which filters are given (and how many
      // layers), never on their values.
      const rows = this.port
        .sql(
          `SELECT id, ${COLUMNS} FROM journal ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY id ${query.after === undefined ? 'DESC' : 'ASC'} LIMIT ?`,
        )
        .all(params) as JournalRow[];
      return rows.map(entryOf);
    });
  }

  /**
   * Age first (from the oldest ids), then the cap per tenant, one tenant (and the entries of
   * no tenant, as one group) at a time: its cutoff — the id of its `keep`-th newest entry — is
   * read off the `(tenant, id)` index, and what is older is deleted PRUNE_CHUNK rows per
   * transaction, the event loop getting a turn between two of them and between tenants. A window
   * function over the whole table in one transaction instead sorted every row on every hourly
   * sweep, holding the event loop (every request) about 0.8 s at 10 tenants × 100 000 entries
   * even when nothing was over the cap, and seconds when much was.
   */
  async prune(prune: JournalPrune): Promise<number> {
    let removed = 0;
    if (prune.before !== undefined) {
      const before = prune.before;
      // Rows are appended in time order, so what is too old is at the start of the id order:
      // the oldest PRUNE_CHUNK rows are taken off the rowid, those older than `before` deleted,
      // until a chunk holds a newer one. Each step reads at most PRUNE_CHUNK rows, with no index
      // on `at` to keep up on every request.
      for (;;) {
        const changes = await this.port.atomically(
          'prune the journal',
          () =>
            this.port
              .sql(
                'DELETE FROM journal WHERE id IN (SELECT id FROM (SELECT id, at FROM journal ORDER BY id LIMIT ?) WHERE at < ?)',
              )
              .run(PRUNE_CHUNK, before).changes,
        );
        removed += changes;
        if (changes < PRUNE_CHUNK) break;
        await nextTurn();
      }
    }
    if (prune.keepPerTenant === undefined) return removed;
    const keep = Math.max(0, Math.floor(prune.keepPerTenant));
    const pruneGroup = async (tenant: string | null) => {
      const cutoff = await this.port.run(
        'prune the journal',
        () =>
          this.port
            .sql(
              'SELECT id FROM journal WHERE tenant IS ? ORDER BY tenant DESC, id DESC LIMIT 1 OFFSET ?',
            )
            .get(tenant, keep) as { id: number } | undefined,
      );
      if (cutoff === undefined) return 0;
      // Oldest first, PRUNE_CHUNK rows per transaction: what is left is always the newest.
      let deleted = 0;
      for (;;) {
        const changes = await this.port.atomically(
          'prune the journal',
          () =>
            this.port
              .sql(
                'DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE tenant IS ? AND id <= ? ORDER BY tenant, id LIMIT ?)',
              )
              .run(tenant, cutoff.id, PRUNE_CHUNK).changes,
        );
        deleted += changes;
        if (changes < PRUNE_CHUNK) return deleted;
        await nextTurn();
      }
    };
    removed += await pruneGroup(null);
    // The tenants in order, each found by one index seek from the last.
    for (let last = ''; ;) {
      const next = await this.port.run('prune the journal', () => {
        const row = this.port
          .sql('SELECT tenant FROM journal WHERE tenant > ? ORDER BY tenant LIMIT 1')
          .get(last) as { tenant: string } | undefined;
        return row?.tenant;
      });
      if (next === undefined) break;
      removed += await pruneGroup(next);
      last = next;
      await nextTurn();
    }
    return removed;
  }

  close(): Promise<void> {
    this.port.close();
    return Promise.resolve();
  }
}
