import type {
  TenantClockState,
  TenantKeyRecord,
  TenantQuotas,
  TenantRecord,
  TenantStore,
} from '../../../core/ports/tenants.js';
import { Open, type TenantScoped } from './shared.js';

/** A stored tenant: its record without usage, plus what the resource store keeps on it. */
export interface MemoryTenant {
  record: Omit<TenantRecord, 'usage'>;
  idCounter: number;
  resources: number;
  bytes: number;
}

function recordOf(t: MemoryTenant): TenantRecord {
  return structuredClone({ ...t.record, usage: { resources: t.resources, bytes: t.bytes } });
}

function byCreation(a: MemoryTenant, b: MemoryTenant): number {
  const [x, y] = [a.record, b.record];
  return x.createdAt - y.createdAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
}

export class MemoryTenantStore implements TenantStore {
  private readonly byId = new Map<string, MemoryTenant>();
  private readonly keys = new Map<string, TenantKeyRecord>();
  /** The stores holding per-tenant records, which deleting a tenant empties of it. */
  private readonly scoped: TenantScoped[];
  readonly open = new Open('tenants');

  constructor(scoped: readonly TenantScoped[] = []) {
    this.scoped = [...scoped];
  }

  /** Adds a store whose records of a tenant go with the tenant. */
  alsoDrop(store: TenantScoped): void {
    this.scoped.push(store);
  }

  /** The stored tenant itself (not a copy), for the resource store's counters; undefined if unknown. */
  tenant(id: string): MemoryTenant | undefined {
    return this.byId.get(id);
  }

  create(tenant: Omit<TenantRecord, 'usage'>, key: TenantKeyRecord): Promise<boolean> {
    return this.open.run(() => {
      if (this.byId.has(tenant.id) || this.keys.has(key.hash)) return false;
      for (const t of this.byId.values()) if (t.record.name === tenant.name) return false;
      const { usage: _usage, ...record } = tenant as TenantRecord;
      this.byId.set(tenant.id, {
        record: structuredClone(record),
        idCounter: 0,
        resources: 0,
        bytes: 0,
      });
      this.keys.set(key.hash, { ...key, tenant: tenant.id });
      return true;
    });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return this.open.run(() => {
      const t = this.byId.get(id);
      return t === undefined ? undefined : recordOf(t);
    });
  }

  getByName(name: string): Promise<TenantRecord | undefined> {
    return this.open.run(() => {
      for (const t of this.byId.values()) if (t.record.name === name) return recordOf(t);
      return undefined;
    });
  }

  list(): Promise<TenantRecord[]> {
    return this.open.run(() => [...this.byId.values()].sort(byCreation).map(recordOf));
  }

  resolveKey(hash: string, at: number): Promise<TenantRecord | undefined> {
    return this.open.run(() => {
      const key = this.keys.get(hash);
      if (key === undefined) return undefined;
      if (key.revokedAt !== undefined && key.revokedAt <= at) return undefined;
      if (key.expiresAt !== undefined && key.expiresAt <= at) return undefined;
      const t = this.byId.get(key.tenant);
      return t === undefined ? undefined : recordOf(t);
    });
  }

  addKey(key: TenantKeyRecord): Promise<boolean> {
    return this.open.run(() => {
      if (!this.byId.has(key.tenant) || this.keys.has(key.hash)) return false;
      this.keys.set(key.hash, { ...key });
      return true;
    });
  }

  listKeys(tenant: string): Promise<TenantKeyRecord[]> {
    // Map order is insertion order: ties of createdAt keep the order the keys were added.
    return this.open.run(() =>
      [...this.keys.values()]
        .filter((k) => k.tenant === tenant)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((k) => ({ ...k })),
    );
  }

  updateKeys(
    tenant: string,
    patch: {
      readonly hashes?: readonly string[];
      readonly expiresAt?: number;
      readonly revokedAt?: number;
    },
  ): Promise<number> {
    return this.open.run(() => {
      const only = patch.hashes === undefined ? undefined : new Set(patch.hashes);
      let count = 0;
      for (const [hash, key] of this.keys) {
        if (key.tenant !== tenant || (only !== undefined && !only.has(hash))) continue;
        this.keys.set(hash, {
          ...key,
          ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt }),
          ...(patch.revokedAt === undefined ? {} : { revokedAt: patch.revokedAt }),
        });
        count++;
      }
      return count;
    });
  }

  update(
    tenant: string,
    patch: {
      readonly clock?: TenantClockState;
      readonly lastUsedAt?: number;
      readonly seededAt?: number | null;
      readonly quotas?: Partial<TenantQuotas>;
    },
  ): Promise<boolean> {
    return this.open.run(() => {
      const t = this.byId.get(tenant);
      if (t === undefined) return false;
      const { seededAt: _seeded, ...rest } = t.record;
      const seededAt =
        patch.seededAt === undefined ? t.record.seededAt : (patch.seededAt ?? undefined);
      t.record = structuredClone({
        ...rest,
        ...(seededAt === undefined ? {} : { seededAt }),
        ...(patch.clock === undefined
          ? {}
          : {
              clock:
                patch.clock.frozenAt === undefined
                  ? { offsetMs: patch.clock.offsetMs }
                  : { offsetMs: patch.clock.offsetMs, frozenAt: patch.clock.frozenAt },
            }),
        ...(patch.lastUsedAt === undefined ? {} : { lastUsedAt: patch.lastUsedAt }),
        ...(patch.quotas === undefined ? {} : { quotas: patch.quotas }),
      });
      return true;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.open.run(() => {
      for (const s of this.scoped) s.dropTenant(id);
      for (const [hash, key] of this.keys) if (key.tenant === id) this.keys.delete(hash);
      return this.byId.delete(id);
    });
  }
}
