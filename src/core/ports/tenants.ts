/**
 * The tenants of a sandbox: one partner's (or CI job's) isolated state each. A key itself is
 * never stored, only its hash (`TenantKeyRecord.hash`), which a request's credential is looked
 * up by. Every implementation passes test/contract/tenant-store.contract.ts.
 */

/** A tenant's own clock: an offset from real time, or frozen at an instant (ms). */
export interface TenantClockState {
  readonly offsetMs: number;
  readonly frozenAt?: number;
}

/** Per-tenant limits; a tenant's `quotas` override the configured defaults member by member. */
export interface TenantQuotas {
  readonly resources: number;
  readonly requestsPerDay: number;
  readonly bytes: number;
}

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  /** Ms since the epoch (real time). */
  readonly createdAt: number;
  readonly lastUsedAt: number;
  /** The seed set the tenant starts from (`recordings`, `empty`, a provider's). */
  readonly seedSet: string;
  /** When the tenant was seeded; undefined = not yet (seeded lazily on its first request). */
  readonly seededAt?: number;
  /** The seed of the tenant's ids: deterministic per tenant, unique across tenants. */
  readonly idSeed: string;
  readonly clock: TenantClockState;
  readonly quotas?: Partial<TenantQuotas>;
  /** Live resources and their stored bytes, kept by `ResourceStore.apply`. */
  readonly usage: { readonly resources: number; readonly bytes: number };
}

export interface TenantKeyRecord {
  /** The key's hash (never the key). */
  readonly hash: string;
  readonly tenant: string;
  /** What may be shown of the key (its prefix and last characters). */
  readonly hint: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly revokedAt?: number;
}

export interface TenantStore {
  create(tenant: Omit<TenantRecord, 'usage'>, key: TenantKeyRecord): Promise<boolean>; // false: id/name/hash taken
  get(id: string): Promise<TenantRecord | undefined>;
  getByName(name: string): Promise<TenantRecord | undefined>;
  list(): Promise<TenantRecord[]>; // oldest first, ties by id
  /** The tenant of a key hash that is neither revoked nor expired at `at` (real ms). */
  resolveKey(hash: string, at: number): Promise<TenantRecord | undefined>;
  addKey(key: TenantKeyRecord): Promise<boolean>;
  listKeys(tenant: string): Promise<TenantKeyRecord[]>;
  updateKeys(
    tenant: string,
    patch: {
      readonly hashes?: readonly string[];
      readonly expiresAt?: number;
      readonly revokedAt?: number;
    },
  ): Promise<number>;
  update(
    tenant: string,
    patch: {
      readonly clock?: TenantClockState;
      readonly lastUsedAt?: number;
      readonly seededAt?: number | null;
      readonly quotas?: Partial<TenantQuotas>;
    },
  ): Promise<boolean>;
  delete(id: string): Promise<boolean>; // everything of the tenant, one transaction
}
