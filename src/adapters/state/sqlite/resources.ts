import { TapedeckError } from '../../../core/errors.js';
import type { JsonValue } from '../../../core/json.js';
import type {
  ChangeResult,
  ListPage,
  ListQuery,
  ResourceSnapshot,
  ResourceStore,
  StateChange,
  StoredResource,
  TenantSnapshot,
} from '../../../core/ports/resources.js';
import { byteLength, finite, jsonPath, pageLimit, pageOffset, whereEntries } from '../rules.js';
import { PortState, type SqliteConnection } from './database.js';
import { insertEvent } from './events.js';

interface ResourceRow {
  type: string;
  id: string;
  value: string;
  parent: string;
  version: number;
  deleted: number;
}

/** What a change needs to know of a resource already stored. */
interface Current {
  readonly version: number;
  readonly deleted: boolean;
  readonly bytes: number;
}

const COLUMNS = 'type, id, value, parent, version, deleted';

function resourceOf(r: ResourceRow): StoredResource {
  return {
    type: r.type,
    id: r.id,
    value: JSON.parse(r.value) as JsonValue,
    ...(r.parent === '' ? {} : { parent: r.parent }),
    version: r.version,
    ...(r.deleted === 1 ? { deleted: true } : {}),
  };
}

/** Map key of one resource within a change; `\u0000` cannot occur in a type written in a path. */
const keyOf = (type: string, id: string) => `${type}\u0000${id}`;

/**
 * Resources, sequences and snapshots of the state file. Every statement leads with
 * `tenant = ?`; the tenant's `resource_count` / `bytes_stored` are kept with every write, in the
 * same transaction, so they always equal what is stored (live resources; bytes of every row,
 * tombstones included).
 */
export class SqliteResourceStore implements ResourceStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'resources');
  }

  put(tenant: string, resource: StoredResource): Promise<void> {
    return this.port.atomically('store a resource', () => {
      const current = this.current(tenant, resource.type, resource.id);
      const bytes = this.write(tenant, resource, (current?.version ?? 0) + 1);
      this.addUsage(
        tenant,
        liveDelta(current, resource.deleted === true),
        bytes - (current?.bytes ?? 0),
      );
    });
  }

  get(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return this.port.run('read a resource', () => {
      const row = this.port
        .sql(`SELECT ${COLUMNS} FROM resources WHERE tenant = ? AND type = ? AND id = ?`)
        .get(tenant, type, id) as ResourceRow | undefined;
      return row === undefined ? undefined : resourceOf(row);
    });
  }

  list(tenant: string, type: string): Promise<StoredResource[]> {
    return this.port.run('list resources', () =>
      (
        this.port
          .sql(
            `SELECT ${COLUMNS} FROM resources WHERE tenant = ? AND type = ? AND deleted = 0 ORDER BY seq`,
          )
          .all(tenant, type) as ResourceRow[]
      ).map(resourceOf),
    );
  }

  delete(tenant: string, type: string, id: string): Promise<boolean> {
    return this.port.atomically('delete a resource', () => {
      const current = this.current(tenant, type, id);
      if (current === undefined) return false;
      this.remove(tenant, type, id);
      this.addUsage(tenant, current.deleted ? 0 : -1, -current.bytes);
      return true;
    });
  }

  snapshot(tenant: string): Promise<ResourceSnapshot> {
    return this.port.run('snapshot resources', () => this.rows(tenant));
  }

  restore(tenant: string, snapshot: ResourceSnapshot): Promise<void> {
    return this.port.atomically('restore resources', () => {
      this.replace(tenant, snapshot);
    });
  }

  clear(tenant: string): Promise<void> {
    return this.port.atomically('clear resources', () => {
      this.port.sql('DELETE FROM resources WHERE tenant = ?').run(tenant);
      this.port.sql('DELETE FROM sequences WHERE tenant = ?').run(tenant);
      this.port.sql('DELETE FROM idempotency_keys WHERE tenant = ?').run(tenant);
      this.port.sql('UPDATE tenants SET seeded_at = NULL WHERE id = ?').run(tenant);
      this.recount(tenant);
    });
  }

  page(tenant: string, query: ListQuery): Promise<ListPage> {
    return this.port.run('list resources', () => {
      // A fixed template: only these constant fragments make up the SQL, request values (the
      // field paths included) are bound parameters, and the tenant is the first condition.
      const where = ['r.tenant = ?', 'r.type = ?', 'r.parent = ?', 'r.deleted = 0'];
      const params: unknown[] = [tenant, query.type, query.parent ?? ''];
      for (const [field, value] of whereEntries(query.where)) {
        const path = jsonPath(field);
        if (typeof value === 'string') {
          where.push(`json_type(r.value, ?) = 'text' AND json_extract(r.value, ?) = ?`);
          params.push(path, path, value);
        } else if (typeof value === 'number') {
          where.push(
            `json_type(r.value, ?) IN ('integer', 'real') AND json_extract(r.value, ?) = ?`,
          );
          params.push(path, path, value);
        } else if (value === true) {
          where.push(`json_type(r.value, ?) = 'true'`);
          params.push(path);
        } else if (value === false) {
          where.push(`json_type(r.value, ?) = 'false'`);
          params.push(path);
        } else {
          where.push(`json_type(r.value, ?) = 'null'`);
          params.push(path);
        }
      }
      const filtered = where.join(' AND ');
      const filterParams = [...params];
      const cursor =
        '(SELECT c.seq FROM resources AS c WHERE c.tenant = ? AND c.type = ? AND c.id = ?)';
      const desc = query.order === 'desc';
      if (query.after !== undefined) {
        where.push(desc ? `r.seq < ${cursor}` : `r.seq > ${cursor}`);
        params.push(tenant, query.type, query.after);
      }
      if (query.before !== undefined) {
        where.push(desc ? `r.seq > ${cursor}` : `r.seq < ${cursor}`);
        params.push(tenant, query.type, query.before);
      }
      // Only `before`: walk away from the cursor (the page just before it), then turn the page.
      const backwards = query.before !== undefined && query.after === undefined;
      const limit = pageLimit(query.limit);
      const rows = this.port
        .sql(
          `SELECT r.type, r.id, r.value, r.parent, r.version, r.deleted FROM resources AS r
           WHERE ${where.join(' AND ')} ORDER BY r.seq ${desc !== backwards ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`,
        )
        .all(...params, limit + 1, pageOffset(query.offset)) as ResourceRow[];
      const hasMore = rows.length > limit;
      const items = rows.slice(0, limit).map(resourceOf);
      if (backwards) items.reverse();
      if (query.withTotal !== true) return { items, hasMore };
      const { n } = this.port
        .sql(`SELECT COUNT(*) AS n FROM resources AS r WHERE ${filtered}`)
        .get(...filterParams) as { n: number };
      return { items, hasMore, total: n };
    });
  }

  apply(tenant: string, change: StateChange, _at: number): Promise<ChangeResult> {
    return this.port.atomically('apply a state change', (): ChangeResult => {
      // Everything is checked before anything is written: a refusal writes nothing, and BEGIN
      // IMMEDIATE holds the write lock from the first read, so nothing changes in between.
      if (change.seed !== undefined) {
        const row = this.port.sql('SELECT seeded_at FROM tenants WHERE id = ?').get(tenant) as
          { seeded_at: number | null } | undefined;
        if (row === undefined || row.seeded_at !== null)
          return { ok: false, reason: 'already-seeded' };
      }
      for (const s of change.sequences ?? []) finite('a sequence value', s.value);
      const seen = new Map<string, Current | undefined>();
      const now = (type: string, id: string): Current | undefined => {
        const key = keyOf(type, id);
        if (!seen.has(key)) seen.set(key, this.current(tenant, type, id));
        return seen.get(key);
      };
      let live = 0;
      let bytes = 0;
      const writes: { resource: StoredResource; version: number; json: string }[] = [];
      for (const put of change.puts) {
        const current = now(put.type, put.id);
        if (current?.version !== put.expectVersion)
          return { ok: false, reason: 'conflict', type: put.type, id: put.id };
        const json = JSON.stringify(put.value);
        const size = byteLength(json);
        live += liveDelta(current, put.deleted === true);
        bytes += size - (current?.bytes ?? 0);
        const version = (current?.version ?? 0) + 1;
        writes.push({ resource: put, version, json });
        seen.set(keyOf(put.type, put.id), { version, deleted: put.deleted === true, bytes: size });
      }
      for (const del of change.deletes) {
        const current = now(del.type, del.id);
        if (current === undefined || current.version !== del.expectVersion)
          return { ok: false, reason: 'conflict', type: del.type, id: del.id };
        live -= current.deleted ? 0 : 1;
        bytes -= current.bytes;
        seen.set(keyOf(del.type, del.id), undefined);
      }
      if (change.quotas !== undefined) {
        const usage = this.port
          .sql('SELECT resource_count, bytes_stored FROM tenants WHERE id = ?')
          .get(tenant) as { resource_count: number; bytes_stored: number } | undefined;
        // Only growth is refused: a tenant over its quota can still delete and shrink.
        if (
          usage !== undefined &&
          live > 0 &&
          usage.resource_count + live > change.quotas.resources
        )
          return { ok: false, reason: 'quota', quota: 'resources', limit: change.quotas.resources };
        if (usage !== undefined && bytes > 0 && usage.bytes_stored + bytes > change.quotas.bytes)
          return { ok: false, reason: 'quota', quota: 'bytes', limit: change.quotas.bytes };
      }
      if (change.seed !== undefined)
        this.port.sql('UPDATE tenants SET seeded_at = ? WHERE id = ?').run(change.seed.at, tenant);
      for (const w of writes) this.write(tenant, w.resource, w.version, w.json);
      for (const del of change.deletes) this.remove(tenant, del.type, del.id);
      this.addUsage(tenant, live, bytes);
      for (const s of change.sequences ?? []) this.setSequence(tenant, s.name, s.value);
      for (const e of change.events ?? []) insertEvent(this.port, tenant, e);
      if (change.idempotency !== undefined) {
        // A key no longer in flight (released, expired, cleared meanwhile) is left as it is.
        const { response } = change.idempotency;
        this.port
          .sql(
            `UPDATE idempotency_keys SET status = ?, headers = ?, body = ?
             WHERE tenant = ? AND key = ? AND status IS NULL`,
          )
          .run(
            response.status,
            JSON.stringify(response.headers),
            response.body,
            tenant,
            change.idempotency.keyHash,
          );
      }
      return { ok: true };
    });
  }

  sequence(tenant: string, name: string): Promise<number> {
    return this.port.run('read a sequence', () => {
      const row = this.port
        .sql('SELECT value FROM sequences WHERE tenant = ? AND name = ?')
        .get(tenant, name) as { value: number } | undefined;
      return row?.value ?? 0;
    });
  }

  reserveIds(tenant: string, n: number): Promise<number> {
    return this.port.atomically('reserve ids', () => {
      const count = Math.max(1, Math.floor(finite('a count of ids', n)));
      const row = this.port
        .sql('UPDATE tenants SET id_counter = id_counter + ? WHERE id = ? RETURNING id_counter')
        .get(count, tenant) as { id_counter: number } | undefined;
      if (row === undefined) throw unknownTenant(tenant);
      return row.id_counter - count + 1;
    });
  }

  saveSnapshot(tenant: string, name: string, at: number): Promise<void> {
    return this.port.atomically('save a snapshot', () => {
      const body: TenantSnapshot = {
        resources: this.rows(tenant),
        sequences: this.sequences(tenant),
      };
      // The live count is kept beside the body: listing snapshots never parses their bodies.
      const live = body.resources.filter((r) => r.deleted !== true).length;
      this.port
        .sql(
          `INSERT INTO snapshots(tenant, name, created_at, body, resources) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(tenant, name) DO UPDATE SET created_at = excluded.created_at,
             body = excluded.body, resources = excluded.resources`,
        )
        .run(tenant, name, at, JSON.stringify(body), live);
    });
  }

  loadSnapshot(tenant: string, name: string): Promise<boolean> {
    return this.port.atomically('restore a snapshot', () => {
      const row = this.port
        .sql('SELECT body FROM snapshots WHERE tenant = ? AND name = ?')
        .get(tenant, name) as { body: string } | undefined;
      if (row === undefined) return false;
      const body = JSON.parse(row.body) as TenantSnapshot;
      this.replace(tenant, body.resources);
      this.port.sql('DELETE FROM sequences WHERE tenant = ?').run(tenant);
      for (const s of body.sequences) this.setSequence(tenant, s.name, s.value);
      // Answers remembered since would replay objects the restore took away.
      this.port.sql('DELETE FROM idempotency_keys WHERE tenant = ?').run(tenant);
      return true;
    });
  }

  listSnapshots(tenant: string): Promise<{ name: string; createdAt: number; resources: number }[]> {
    return this.port.run('list snapshots', () =>
      (
        this.port
          .sql(
            `SELECT name, created_at AS createdAt, resources
             FROM snapshots WHERE tenant = ? ORDER BY created_at, name`,
          )
          .all(tenant) as { name: string; createdAt: number; resources: number }[]
      ).map((r) => ({ name: r.name, createdAt: r.createdAt, resources: r.resources })),
    );
  }

  private current(tenant: string, type: string, id: string): Current | undefined {
    const row = this.port
      .sql('SELECT version, deleted, bytes FROM resources WHERE tenant = ? AND type = ? AND id = ?')
      .get(tenant, type, id) as { version: number; deleted: number; bytes: number } | undefined;
    return row === undefined
      ? undefined
      : { version: row.version, deleted: row.deleted === 1, bytes: row.bytes };
  }

  /** Inserts or replaces (keeping its place in the list order); resolves the stored bytes. */
  private write(
    tenant: string,
    r: StoredResource,
    version: number,
    json = JSON.stringify(r.value),
  ): number {
    const bytes = byteLength(json);
    this.port
      .sql(
        `INSERT INTO resources(tenant, type, id, value, parent, version, deleted, bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(tenant, type, id) DO UPDATE SET value = excluded.value, parent = excluded.parent,
           version = excluded.version, deleted = excluded.deleted, bytes = excluded.bytes`,
      )
      .run(tenant, r.type, r.id, json, r.parent ?? '', version, r.deleted === true ? 1 : 0, bytes);
    return bytes;
  }

  private remove(tenant: string, type: string, id: string): void {
    this.port
      .sql('DELETE FROM resources WHERE tenant = ? AND type = ? AND id = ?')
      .run(tenant, type, id);
  }

  private rows(tenant: string): StoredResource[] {
    return (
      this.port
        .sql(`SELECT ${COLUMNS} FROM resources WHERE tenant = ? ORDER BY seq`)
        .all(tenant) as ResourceRow[]
    ).map(resourceOf);
  }

  private sequences(tenant: string): { name: string; value: number }[] {
    return this.port
      .sql('SELECT name, value FROM sequences WHERE tenant = ? ORDER BY name')
      .all(tenant) as { name: string; value: number }[];
  }

  private setSequence(tenant: string, name: string, value: number): void {
    this.port
      .sql(
        `INSERT INTO sequences(tenant, name, value) VALUES (?, ?, ?)
         ON CONFLICT(tenant, name) DO UPDATE SET value = excluded.value`,
      )
      .run(tenant, name, value);
  }

  /** The tenant's resources become the snapshot's, versions and tombstones included. */
  private replace(tenant: string, snapshot: ResourceSnapshot): void {
    this.port.sql('DELETE FROM resources WHERE tenant = ?').run(tenant);
    for (const r of snapshot) this.write(tenant, r, r.version ?? 1);
    this.recount(tenant);
  }

  private addUsage(tenant: string, live: number, bytes: number): void {
    if (live === 0 && bytes === 0) return;
    this.port
      .sql(
        'UPDATE tenants SET resource_count = resource_count + ?, bytes_stored = bytes_stored + ? WHERE id = ?',
      )
      .run(live, bytes, tenant);
  }

  private recount(tenant: string): void {
    this.port
      .sql(
        `UPDATE tenants SET
           resource_count = (SELECT COUNT(*) FROM resources WHERE tenant = @tenant AND deleted = 0),
           bytes_stored = (SELECT COALESCE(SUM(bytes), 0) FROM resources WHERE tenant = @tenant)
         WHERE id = @tenant`,
      )
      .run({ tenant });
  }
}

/** How a write changes the count of live resources. */
function liveDelta(current: Current | undefined, deleted: boolean): number {
  return (deleted ? 0 : 1) - (current === undefined || current.deleted ? 0 : 1);
}

function unknownTenant(tenant: string): TapedeckError {
  return new TapedeckError(
    'TD_INTERNAL',
    `No tenant ${JSON.stringify(tenant)} to reserve ids for.`,
  );
}
