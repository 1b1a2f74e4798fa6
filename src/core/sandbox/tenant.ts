import type { TenantClockState, TenantQuotas } from '../ports/tenants.js';

/**
 * The tenant a request's key resolved to, as the layers after the tenant layer read it from
 * `context.tenant` (never from a header). Built by the resolver (app/sandbox/resolver.ts).
 */
export interface ResolvedTenant {
  readonly id: string;
  readonly name: string;
  readonly idSeed: string;
  readonly seedSet: string;
  readonly seededAt: number | undefined;
  readonly clock: TenantClockState;
  /** The tenant's own quotas over the configured defaults. */
  readonly quotas: TenantQuotas;
  /** The tenant's time now (ms): frozen, or real + offset (core/sandbox/clock.ts). */
  now(): number;
}

/** Finds the tenant of a key: cached for a second, so a revoked key stops working within one. */
export interface TenantResolver {
  /** The tenant of a key that is known, not revoked and not expired; undefined otherwise. */
  resolve(key: string): Promise<ResolvedTenant | undefined>;
  /** Drops every cached entry of the tenant (after a revoke, rotate, reset or delete here). */
  forget(tenantId: string): void;
}

/** The seed sets a tenant may start from, by name (the seeder, D's, reads their files). */
export interface SeedCatalog {
  /** `recordings`, `empty`, then the names of `sandbox.seeds`, in that order. */
  readonly names: readonly string[];
  /** The directory of each provider seed set (`sandbox.seeds`), resolved. */
  readonly dirs: Readonly<Record<string, string>>;
}

/** The built-in seed sets: every resource seen in the recordings, or nothing. */
export const BUILTIN_SEEDS = ['recordings', 'empty'] as const;
