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
import type { MemoryEventStore } from './events.js';
import type { MemoryIdempotencyStore } from './idempotency.js';
import { Open, PerTenant, type TenantScoped } from './shared.js';
import type { MemoryTenantStore } from './tenants.js';

/** Map key of one resource within a tenant; `\u0000` cannot occur in a type written in a path. */
const resourceKey = (type: string, id: string) => `${type}\u0000${id}`;

/** A stored resource: what the SQLite row holds (`parent` '' = top level; `seq` = list order). */
interface Row {
  readonly type: string;
  readonly id: string;
  readonly value: JsonValue;
  readonly parent: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly bytes: number;
  readonly seq: number;
}

function resourceOf(r: Row): StoredResource {
  return {
    type: r.type,
    id: r.id,
    value: structuredClone(r.value),
    ...(r.parent === '' ? {} : { parent: r.parent }),
    version: r.version,
    ...(r.deleted ? { deleted: true } : {}),
  };
}

/** Whether a value's top-level field equals a filter's, as the SQLite json_type test has it. */
function fieldEquals(
  value: JsonValue,
  field: string,
  want: string | number | boolean | null,
): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (!Object.hasOwn(value, field)) return false;
  return value[field] === want;
}

/**
 * Resources, sequences and snapshots in memory, as SqliteResourceStore keeps them. `apply`
 * checks everything first and only then changes anything (nothing can throw after the checks),
 * so a refused change leaves no trace. It reaches the memory tenant, idempotency and event
 * stores given to the constructor, as the SQLite transaction reaches their tables.
 */
export class MemoryResourceStore implements ResourceStore, TenantScoped {
  /** Per tenant, in list order (a Map keeps insertion order; `set` on a key keeps its place). */
  private readonly tenants = new PerTenant<Row>();
  private readonly sequences = new PerTenant<number>();
  private readonly snapshots = new PerTenant<{ createdAt: number; body: string; live: number }>();
  private seq = 0;
  readonly open = new Open('resources');

  constructor(
    private readonly tenantStore?: MemoryTenantStore,
    private readonly idempotency?: MemoryIdempotencyStore,
    private readonly events?: MemoryEventStore,
  ) {}

  put(tenant: string, resource: StoredResource): Promise<void> {
    return this.open.run(() => {
      const current = this.tenants.peek(tenant).get(resourceKey(resource.type, resource.id));
      this.write(tenant, resource, (current?.version ?? 0) + 1);
    });
  }

  get(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return this.open.run(() => {
      const r = this.tenants.peek(tenant).get(resourceKey(type, id));
      return r === undefined ? undefined : resourceOf(r);
    });
  }

  list(tenant: string, type: string): Promise<StoredResource[]> {
    return this.open.run(() =>
      [...this.tenants.peek(tenant).values()]
        .filter((r) => r.type === type && !r.deleted)
        .map(resourceOf),
    );
  }

  delete(tenant: string, type: string, id: string): Promise<boolean> {
    return this.open.run(() => this.remove(tenant, type, id));
  }

  snapshot(tenant: string): Promise<ResourceSnapshot> {
    return this.open.run(() => [...this.tenants.peek(tenant).values()].map(resourceOf));
  }

  restore(tenant: string, snapshot: ResourceSnapshot): Promise<void> {
    return this.open.run(() => {
      this.replace(tenant, snapshot);
    });
  }

  clear(tenant: string): Promise<void> {
    return this.open.run(() => {
      this.tenants.drop(tenant);
      this.sequences.drop(tenant);
      this.idempotency?.dropTenant(tenant);
      const owner = this.tenantStore?.tenant(tenant);
      if (owner !== undefined) {
        const { seededAt: _seeded, ...unseeded } = owner.record;
        owner.record = unseeded;
      }
      this.recount(tenant);
    });
  }

  page(tenant: string, query: ListQuery): Promise<ListPage> {
    return this.open.run(() => {
      const of = this.tenants.peek(tenant);
      const parent = query.parent ?? '';
      const where = whereEntries(query.where);
      for (const [field] of where) jsonPath(field); // the same refusal as SQLite's
      const matching = [...of.values()].filter(
        (r) =>
          r.type === query.type &&
          r.parent === parent &&
          !r.deleted &&
          where.every(([field, want]) => fieldEquals(r.value, field, want)),
      );
      const desc = query.order === 'desc';
      const cursorSeq = (id: string) => of.get(resourceKey(query.type, id))?.seq;
      let items = matching;
      // An unknown cursor matches nothing, as SQLite's comparison with NULL does.
      if (query.after !== undefined) {
        const at = cursorSeq(query.after);
        items = items.filter((r) => at !== undefined && (desc ? r.seq < at : r.seq > at));
      }
      if (query.before !== undefined) {
        const at = cursorSeq(query.before);
        items = items.filter((r) => at !== undefined && (desc ? r.seq > at : r.seq < at));
      }
      const backwards = query.before !== undefined && query.after === undefined;
      items.sort((a, b) => (desc !== backwards ? b.seq - a.seq : a.seq - b.seq));
      const limit = pageLimit(query.limit);
      const offset = pageOffset(query.offset);
      const window = items.slice(offset, offset + limit + 1);
      const page = window.slice(0, limit).map(resourceOf);
      if (backwards) page.reverse();
      return {
        items: page,
        hasMore: window.length > limit,
        ...(query.withTotal === true ? { total: matching.length } : {}),
      };
    });
  }

  apply(tenant: string, change: StateChange, _at: number): Promise<ChangeResult> {
    return this.open.run((): ChangeResult => {
      // Validate all...
      for (const s of change.sequences ?? []) finite('a sequence value', s.value);
      const owner = this.tenantStore?.tenant(tenant);
      if (change.seed !== undefined && (owner === undefined || owner.record.seededAt !== undefined))
        return { ok: false, reason: 'already-seeded' };
      const of = this.tenants.peek(tenant);
      const seen = new Map<
        string,
        { version: number; deleted: boolean; bytes: number } | undefined
      >();
      const now = (type: string, id: string) => {
        const key = resourceKey(type, id);
        return seen.has(key) ? seen.get(key) : of.get(key);
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
        live += (put.deleted === true ? 0 : 1) - (current === undefined || current.deleted ? 0 : 1);
        bytes += size - (current?.bytes ?? 0);
        const version = (current?.version ?? 0) + 1;
        writes.push({ resource: put, version, json });
        seen.set(resourceKey(put.type, put.id), {
          version,
          deleted: put.deleted === true,
          bytes: size,
        });
      }
      for (const del of change.deletes) {
        const current = now(del.type, del.id);
        if (current === undefined || current.version !== del.expectVersion)
          return { ok: false, reason: 'conflict', type: del.type, id: del.id };
        live -= current.deleted ? 0 : 1;
        bytes -= current.bytes;
        seen.set(resourceKey(del.type, del.id), undefined);
      }
      if (change.quotas !== undefined && owner !== undefined) {
        if (live > 0 && owner.resources + live > change.quotas.resources)
          return { ok: false, reason: 'quota', quota: 'resources', limit: change.quotas.resources };
        if (bytes > 0 && owner.bytes + bytes > change.quotas.bytes)
          return { ok: false, reason: 'quota', quota: 'bytes', limit: change.quotas.bytes };
      }
      // Event data as JSON, as SQLite stores it: data that is not JSON refuses the change here.
      const events = (change.events ?? []).map((e) => {
        const data = JSON.stringify(e.data) as string | undefined;
        if (data === undefined) throw new TypeError("An event's data is not JSON.");
        const { previous, idempotencyKey, ...rest } = e;
        const was =
          previous === undefined ? undefined : (JSON.stringify(previous) as string | undefined);
        return {
          ...rest,
          data: JSON.parse(data) as JsonValue,
          ...(was === undefined ? {} : { previous: JSON.parse(was) as JsonValue }),
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        };
      });
      const ids = new Set<string>();
      for (const e of events) {
        // SQLite's UNIQUE (tenant, id) fails the whole transaction: so does this, before any change.
        if (ids.has(e.id) || this.events?.has(tenant, e.id) === true)
          throw new Error('UNIQUE constraint failed: events.tenant, events.id');
        ids.add(e.id);
      }
      // ...then mutate: nothing below can fail.
      if (change.seed !== undefined && owner !== undefined)
        owner.record = { ...owner.record, seededAt: change.seed.at };
      for (const w of writes) this.write(tenant, w.resource, w.version, w.json);
      for (const del of change.deletes) this.remove(tenant, del.type, del.id);
      for (const s of change.sequences ?? []) this.sequences.of(tenant).set(s.name, s.value);
      this.events?.appendNow(tenant, events);
      if (change.idempotency !== undefined)
        this.idempotency?.completeNow(
          tenant,
          change.idempotency.keyHash,
          change.idempotency.response,
        );
      return { ok: true };
    });
  }

  sequence(tenant: string, name: string): Promise<number> {
    return this.open.run(() => this.sequences.peek(tenant).get(name) ?? 0);
  }

  reserveIds(tenant: string, n: number): Promise<number> {
    return this.open.run(() => {
      const owner = this.tenantStore?.tenant(tenant);
      if (owner === undefined)
        throw new TapedeckError(
          'TD_INTERNAL',
          `No tenant ${JSON.stringify(tenant)} to reserve ids for.`,
        );
      const count = Math.max(1, Math.floor(finite('a count of ids', n)));
      owner.idCounter += count;
      return owner.idCounter - count + 1;
    });
  }

  saveSnapshot(tenant: string, name: string, at: number): Promise<void> {
    return this.open.run(() => {
      const body: TenantSnapshot = {
        resources: [...this.tenants.peek(tenant).values()].map(resourceOf),
        sequences: [...this.sequences.peek(tenant)]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([n, value]) => ({ name: n, value })),
      };
      // Kept as text, as in SQLite: what is saved can never change with what it came from.
      const of = this.snapshots.of(tenant);
      of.delete(name);
      const live = body.resources.filter((r) => r.deleted !== true).length;
      of.set(name, { createdAt: at, body: JSON.stringify(body), live });
    });
  }

  loadSnapshot(tenant: string, name: string): Promise<boolean> {
    return this.open.run(() => {
      const saved = this.snapshots.peek(tenant).get(name);
      if (saved === undefined) return false;
      const body = JSON.parse(saved.body) as TenantSnapshot;
      this.replace(tenant, body.resources);
      this.sequences.replace(tenant, new Map(body.sequences.map((s) => [s.name, s.value])));
      this.idempotency?.dropTenant(tenant);
      return true;
    });
  }

  listSnapshots(tenant: string): Promise<{ name: string; createdAt: number; resources: number }[]> {
    return this.open.run(() =>
      [...this.snapshots.peek(tenant)]
        .map(([name, s]) => ({
          name,
          createdAt: s.createdAt,
          resources: s.live,
        }))
        .sort(
          (a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
        ),
    );
  }

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
    this.sequences.drop(tenant);
    this.snapshots.drop(tenant);
  }

  /** Inserts or replaces (keeping its place), keeping the tenant's counters. */
  private write(
    tenant: string,
    r: StoredResource,
    version: number,
    json = JSON.stringify(r.value),
  ): void {
    const of = this.tenants.of(tenant);
    const key = resourceKey(r.type, r.id);
    const current = of.get(key);
    const row: Row = {
      type: r.type,
      id: r.id,
      value: JSON.parse(json) as JsonValue,
      parent: r.parent ?? '',
      version,
      deleted: r.deleted === true,
      bytes: byteLength(json),
      seq: current?.seq ?? ++this.seq,
    };
    of.set(key, row);
    this.count(tenant, current, -1);
    this.count(tenant, row, 1);
  }

  private remove(tenant: string, type: string, id: string): boolean {
    const of = this.tenants.peek(tenant);
    const key = resourceKey(type, id);
    const current = of.get(key);
    if (current === undefined) return false;
    of.delete(key);
    this.count(tenant, current, -1);
    return true;
  }

  private replace(tenant: string, snapshot: ResourceSnapshot): void {
    // Every value as JSON first: one that is not JSON refuses the restore before any change.
    const rows = snapshot.map((r) => {
      const json = JSON.stringify(r.value) as string | undefined;
      if (json === undefined) throw new TypeError('A snapshot value to restore is not JSON.');
      return { r, json };
    });
    this.tenants.drop(tenant);
    this.recount(tenant);
    for (const { r, json } of rows) this.write(tenant, r, r.version ?? 1, json);
  }

  private count(tenant: string, row: Row | undefined, sign: 1 | -1): void {
    const owner = this.tenantStore?.tenant(tenant);
    if (owner === undefined || row === undefined) return;
    owner.resources += row.deleted ? 0 : sign;
    owner.bytes += sign * row.bytes;
  }

  private recount(tenant: string): void {
    const owner = this.tenantStore?.tenant(tenant);
    if (owner === undefined) return;
    owner.resources = 0;
    owner.bytes = 0;
    for (const r of this.tenants.peek(tenant).values()) this.count(tenant, r, 1);
  }
}
