import type {
  Clock,
  Scheduler,
  ScheduledTask,
  TenantQuotas,
  TenantRecord,
  TenantStore,
} from '../../core/ports/index.js';
import { tenantNow } from '../../core/sandbox/clock.js';
import type { ResolvedTenant, TenantResolver } from '../../core/sandbox/tenant.js';

export type { ResolvedTenant, TenantResolver } from '../../core/sandbox/tenant.js';

export interface CachedResolverOptions {
  readonly tenants: TenantStore;
  readonly clock: Clock;
  readonly hashKey: (key: string) => string;
  /** The configured quotas, under each tenant's own. */
  readonly defaults: TenantQuotas;
  /** How long a found key is trusted without a lookup; 1 s. Misses are never cached. */
  readonly ttlMs?: number;
  /** When given, last-used times are written every `flushEveryMs` (60 s) through it. */
  readonly scheduler?: Scheduler;
  readonly flushEveryMs?: number;
}

export interface CachedResolver extends TenantResolver {
  /** Writes the in-memory last-used times (every 60 s when a scheduler is given, and at close). */
  flushLastUsed(): Promise<void>;
  /** Stops the flush timer and writes what is pending. */
  close(): Promise<void>;
}

/** Entries beyond which expired ones are swept before another is added. */
const SWEEP_AT = 10_000;

/** The tenant as the layers see it: the record's clock and quotas over the defaults. */
export function resolvedTenant(
  record: TenantRecord,
  defaults: TenantQuotas,
  clock: Clock,
): ResolvedTenant {
  const state = record.clock;
  return {
    id: record.id,
    name: record.name,
    idSeed: record.idSeed,
    seedSet: record.seedSet,
    seededAt: record.seededAt,
    clock: state,
    quotas: { ...defaults, ...record.quotas },
    now: () => tenantNow(state, clock.now()),
  };
}

/**
 * The server's key lookup: a Map keyed by the key string itself (process memory only) for 1 s,
 * then `hashKey` + `tenants.resolveKey`. A key created, rotated or revoked from the CLI takes
 * effect within a second; `forget` makes it immediate for changes made in this process.
 * Unknown keys are not cached: a key created a moment ago works on its first request.
 */
export function cachedResolver(o: CachedResolverOptions): CachedResolver {
  const ttl = o.ttlMs ?? 1000;
  const cache = new Map<string, { readonly tenant: ResolvedTenant; readonly until: number }>();
  /** Tenant id → real time of its latest request, not yet written. */
  const lastUsed = new Map<string, number>();
  let timer: ScheduledTask | undefined;

  const arm = () => {
    if (o.scheduler === undefined || timer !== undefined) return;
    timer = o.scheduler.setTimeout(() => {
      timer = undefined;
      void flush().catch(() => {
        // The next request re-arms; a last-used time that is late by a minute is harmless.
      });
    }, o.flushEveryMs ?? 60_000);
  };

  const touch = (tenantId: string) => {
    lastUsed.set(tenantId, o.clock.now());
    arm();
  };

  async function flush(): Promise<void> {
    const due = [...lastUsed];
    lastUsed.clear();
    for (const [tenant, at] of due) await o.tenants.update(tenant, { lastUsedAt: at });
  }

  return {
    async resolve(key) {
      const at = o.clock.monotonic();
      const hit = cache.get(key);
      if (hit !== undefined) {
        if (hit.until > at) {
          touch(hit.tenant.id);
          return hit.tenant;
        }
        cache.delete(key);
      }
      const hash = o.hashKey(key);
      const real = o.clock.now();
      const record = await o.tenants.resolveKey(hash, real);
      if (record === undefined) return undefined;
      const tenant = resolvedTenant(record, o.defaults, o.clock);
      // A key that ends (a rotation's overlap) is trusted until then, not a second past it.
      const ends = (await o.tenants.listKeys(record.id)).find((k) => k.hash === hash)?.expiresAt;
      const until = at + Math.min(ttl, ends === undefined ? ttl : ends - real);
      if (cache.size >= SWEEP_AT) for (const [k, v] of cache) if (v.until <= at) cache.delete(k);
      if (cache.size < SWEEP_AT && until > at) cache.set(key, { tenant, until });
      touch(tenant.id);
      return tenant;
    },
    forget(tenantId) {
      for (const [key, entry] of cache) if (entry.tenant.id === tenantId) cache.delete(key);
    },
    flushLastUsed: flush,
    async close() {
      timer?.cancel();
      timer = undefined;
      await flush();
    },
  };
}
