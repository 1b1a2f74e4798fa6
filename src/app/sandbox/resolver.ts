import { TapedeckError } from '../../core/errors.js';
import type { Clock, TenantQuotas, TenantStore } from '../../core/ports/index.js';
import type { TenantResolver } from '../../core/sandbox/tenant.js';

export type { ResolvedTenant, TenantResolver } from '../../core/sandbox/tenant.js';

export interface CachedResolverOptions {
  readonly tenants: TenantStore;
  readonly clock: Clock;
  readonly hashKey: (key: string) => string;
  /** The configured quotas, under each tenant's own. */
  readonly defaults: TenantQuotas;
  /** How long a found key is trusted without a lookup; 1 s. Misses are never cached. */
  readonly ttlMs?: number;
}

/**
 * The server's key lookup: a Map keyed by the key itself (process memory only) for 1 s, then
 * `hashKey` + `tenants.resolveKey`. A key created, rotated or revoked from the CLI takes effect
 * within a second; `forget` makes it immediate for changes made in this process.
 */
export function cachedResolver(_o: CachedResolverOptions): TenantResolver & {
  /** Writes the in-memory last-used times (the scheduler calls it every 60 s). */
  flushLastUsed(): Promise<void>;
} {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
