import type { DriftHistoryStore } from '../../../core/ports/drift-history.js';
import type {
  IdempotencyBegin,
  IdempotencyStore,
  IdempotentResponse,
} from '../../../core/ports/idempotency.js';
import type { JournalEntry, JournalQuery, JournalStore } from '../../../core/ports/journal.js';
import type { DeliveryAttempt, OutboxDelivery, WebhookOutbox } from '../../../core/ports/outbox.js';
import type {
  ResourceSnapshot,
  ResourceStore,
  StoredResource,
} from '../../../core/ports/resources.js';
import type { TenantRecord, TenantStore } from '../../../core/ports/tenants.js';

/**
 * The state ports in memory, for tests and embedding. They behave as the SQLite ones do, down
 * to copies: what a caller passes in or gets back is never the stored object, so changing it
 * changes nothing stored (as with a database). Every method settles at once.
 */

/** Settles with `work()`'s result; a throw becomes a rejection, as with a real store. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Guards a port against use after `close`, like the SQLite ports. */
class Open {
  private closed = false;
  constructor(private readonly port: string) {}
  check(): void {
    if (this.closed) throw new Error(`the ${this.port} port is closed`);
  }
  close(): void {
    this.closed = true;
  }
}

export class MemoryJournalStore implements JournalStore {
  private readonly entries: JournalEntry[] = [];
  readonly open = new Open('journal');

  append(entries: readonly JournalEntry[]): Promise<void> {
    return settle(() => {
      this.open.check();
      for (const e of entries) this.entries.push({ ...e });
    });
  }

  query(query: JournalQuery): Promise<JournalEntry[]> {
    return settle(() => {
      this.open.check();
      const limit = Math.max(1, Math.floor(query.limit));
      const out: JournalEntry[] = [];
      for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
        const e = this.entries[i]!;
        if (query.layers !== undefined && !query.layers.includes(e.layer)) continue;
        if (query.since !== undefined && e.at < query.since) continue;
        out.push({ ...e });
      }
      return out;
    });
  }

  close(): Promise<void> {
    this.open.close();
    return Promise.resolve();
  }
}

export class MemoryDriftHistory implements DriftHistoryStore {
  private readonly firstSeen = new Map<string, number>();
  readonly open = new Open('drift history');

  record(fingerprints: readonly string[], at: number): Promise<ReadonlyMap<string, number>> {
    return settle(() => {
      this.open.check();
      const out = new Map<string, number>();
      for (const fp of fingerprints) {
        const first = Math.min(this.firstSeen.get(fp) ?? at, at);
        this.firstSeen.set(fp, first);
        out.set(fp, first);
      }
      return out;
    });
  }
}

/** Records per tenant, each tenant's in a map of its own: one tenant's keys never meet another's. */
class PerTenant<V> {
  private readonly tenants = new Map<string, Map<string, V>>();
  /** The tenant's records, created empty on first use. */
  of(tenant: string): Map<string, V> {
    let records = this.tenants.get(tenant);
    if (records === undefined) this.tenants.set(tenant, (records = new Map<string, V>()));
    return records;
  }
  /** The tenant's records, or (for a tenant with none) an empty map that is not kept. */
  peek(tenant: string): Map<string, V> {
    return this.tenants.get(tenant) ?? new Map<string, V>();
  }
  replace(tenant: string, records: Map<string, V>): void {
    this.tenants.set(tenant, records);
  }
  drop(tenant: string): void {
    this.tenants.delete(tenant);
  }
}

/** Something holding per-tenant records, which a tenant's deletion must drop. */
export interface TenantScoped {
  dropTenant(tenant: string): void;
}

export class MemoryTenantStore implements TenantStore {
  private readonly byId = new Map<string, TenantRecord>();
  readonly open = new Open('tenants');

  constructor(private readonly scoped: readonly TenantScoped[]) {}

  create(tenant: TenantRecord): Promise<boolean> {
    return settle(() => {
      this.open.check();
      if (this.byId.has(tenant.id)) return false;
      for (const t of this.byId.values()) if (t.keyHash === tenant.keyHash) return false;
      this.byId.set(tenant.id, { ...tenant });
      return true;
    });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return settle(() => {
      this.open.check();
      const t = this.byId.get(id);
      return t === undefined ? undefined : { ...t };
    });
  }

  getByKeyHash(keyHash: string): Promise<TenantRecord | undefined> {
    return settle(() => {
      this.open.check();
      for (const t of this.byId.values()) if (t.keyHash === keyHash) return { ...t };
      return undefined;
    });
  }

  list(): Promise<TenantRecord[]> {
    return settle(() => {
      this.open.check();
      return [...this.byId.values()]
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((t) => ({ ...t }));
    });
  }

  delete(id: string): Promise<boolean> {
    return settle(() => {
      this.open.check();
      for (const s of this.scoped) s.dropTenant(id);
      return this.byId.delete(id);
    });
  }
}

/** Map key of one resource within a tenant; `\u0000` cannot occur in a type written in a path. */
const resourceKey = (type: string, id: string) => `${type}\u0000${id}`;

export class MemoryResourceStore implements ResourceStore, TenantScoped {
  /** Per tenant, in first-put order (a Map keeps insertion order; `set` on a key keeps its place). */
  private readonly tenants = new PerTenant<StoredResource>();
  readonly open = new Open('resources');

  put(tenant: string, resource: StoredResource): Promise<void> {
    return settle(() => {
      this.open.check();
      this.tenants
        .of(tenant)
        .set(resourceKey(resource.type, resource.id), structuredClone(resource));
    });
  }

  get(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return settle(() => {
      this.open.check();
      const r = this.tenants.peek(tenant).get(resourceKey(type, id));
      return r === undefined ? undefined : structuredClone(r);
    });
  }

  list(tenant: string, type: string): Promise<StoredResource[]> {
    return settle(() => {
      this.open.check();
      return [...this.tenants.peek(tenant).values()]
        .filter((r) => r.type === type)
        .map((r) => structuredClone(r));
    });
  }

  delete(tenant: string, type: string, id: string): Promise<boolean> {
    return settle(() => {
      this.open.check();
      return this.tenants.peek(tenant).delete(resourceKey(type, id));
    });
  }

  snapshot(tenant: string): Promise<ResourceSnapshot> {
    return settle(() => {
      this.open.check();
      return [...this.tenants.peek(tenant).values()].map((r) => structuredClone(r));
    });
  }

  restore(tenant: string, snapshot: ResourceSnapshot): Promise<void> {
    return settle(() => {
      this.open.check();
      const of = new Map<string, StoredResource>();
      for (const r of snapshot) of.set(resourceKey(r.type, r.id), structuredClone(r));
      this.tenants.replace(tenant, of);
    });
  }

  clear(tenant: string): Promise<void> {
    return settle(() => {
      this.open.check();
      this.tenants.drop(tenant);
    });
  }

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
  }
}

interface KeyRecord {
  readonly fingerprint: string;
  readonly begunAt: number;
  response?: IdempotentResponse;
}

function copyResponse(r: IdempotentResponse): IdempotentResponse {
  return {
    status: r.status,
    headers: r.headers.map(([n, v]) => [n, v] as const),
    body: Uint8Array.from(r.body),
  };
}

export class MemoryIdempotencyStore implements IdempotencyStore, TenantScoped {
  private readonly tenants = new PerTenant<KeyRecord>();
  readonly open = new Open('idempotency');

  begin(tenant: string, key: string, fingerprint: string, at: number): Promise<IdempotencyBegin> {
    return settle((): IdempotencyBegin => {
      this.open.check();
      const of = this.tenants.of(tenant);
      const record = of.get(key);
      if (record === undefined) {
        of.set(key, { fingerprint, begunAt: at });
        return { kind: 'new' };
      }
      if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (record.response === undefined) return { kind: 'in-flight' };
      return { kind: 'completed', response: copyResponse(record.response) };
    });
  }

  complete(tenant: string, key: string, response: IdempotentResponse): Promise<boolean> {
    return settle(() => {
      this.open.check();
      const record = this.tenants.peek(tenant).get(key);
      if (record === undefined || record.response !== undefined) return false;
      record.response = copyResponse(response);
      return true;
    });
  }

  release(tenant: string, key: string): Promise<boolean> {
    return settle(() => {
      this.open.check();
      const of = this.tenants.peek(tenant);
      const record = of.get(key);
      if (record === undefined || record.response !== undefined) return false;
      return of.delete(key);
    });
  }

  expire(tenant: string, before: number): Promise<number> {
    return settle(() => {
      this.open.check();
      const of = this.tenants.peek(tenant);
      let count = 0;
      for (const [key, record] of of) {
        if (record.begunAt < before) {
          of.delete(key);
          count++;
        }
      }
      return count;
    });
  }

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
  }
}

interface Delivery {
  readonly id: string;
  readonly destination: string;
  readonly payload: string;
  readonly seq: number;
  status: OutboxDelivery['status'];
  nextAttemptAt: number | undefined;
  attempts: number;
  lastAttempt?: DeliveryAttempt;
}

function deliveryOf(d: Delivery): OutboxDelivery {
  return {
    id: d.id,
    destination: d.destination,
    payload: d.payload,
    status: d.status,
    nextAttemptAt: d.nextAttemptAt,
    attempts: d.attempts,
    ...(d.lastAttempt === undefined ? {} : { lastAttempt: { ...d.lastAttempt } }),
  };
}

export class MemoryWebhookOutbox implements WebhookOutbox, TenantScoped {
  private readonly tenants = new PerTenant<Delivery>();
  private seq = 0;
  readonly open = new Open('webhook outbox');

  enqueue(
    tenant: string,
    delivery: { readonly id: string; readonly destination: string; readonly payload: string },
    at: number,
  ): Promise<boolean> {
    return settle(() => {
      this.open.check();
      const of = this.tenants.of(tenant);
      if (of.has(delivery.id)) return false;
      of.set(delivery.id, {
        id: delivery.id,
        destination: delivery.destination,
        payload: delivery.payload,
        seq: this.seq++,
        status: 'pending',
        nextAttemptAt: at,
        attempts: 0,
      });
      return true;
    });
  }

  due(tenant: string, now: number, limit: number): Promise<OutboxDelivery[]> {
    return settle(() => {
      this.open.check();
      return [...this.tenants.peek(tenant).values()]
        .filter((d) => d.status === 'pending' && d.nextAttemptAt! <= now)
        .sort((a, b) => a.nextAttemptAt! - b.nextAttemptAt! || a.seq - b.seq)
        .slice(0, Math.max(1, Math.floor(limit)))
        .map(deliveryOf);
    });
  }

  markAttempt(tenant: string, id: string, attempt: DeliveryAttempt): Promise<boolean> {
    return settle(() => {
      this.open.check();
      const d = this.tenants.peek(tenant).get(id);
      if (d === undefined || d.status !== 'pending') return false;
      d.attempts++;
      d.lastAttempt = { ...attempt };
      d.status = attempt.outcome === 'retry' ? 'pending' : attempt.outcome;
      d.nextAttemptAt = attempt.outcome === 'retry' ? attempt.nextAttemptAt : undefined;
      return true;
    });
  }

  get(tenant: string, id: string): Promise<OutboxDelivery | undefined> {
    return settle(() => {
      this.open.check();
      const d = this.tenants.peek(tenant).get(id);
      return d === undefined ? undefined : deliveryOf(d);
    });
  }

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
  }
}
