/**
 * One partner's (or CI job's) isolated sandbox. The key itself is never stored: only its hash,
 * which is what a request's credential is looked up by.
 */
export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly keyHash: string;
  /** Ms since the epoch. */
  readonly createdAt: number;
}

/**
 * The tenants of a sandbox. A sketch the sandbox issue fills out (keys rotate, tenants expire);
 * what is here is real and passes test/contract/tenant-store.contract.ts.
 */
export interface TenantStore {
  /** Adds a tenant; false, and nothing changes, when its id or key hash is already taken. */
  create(tenant: TenantRecord): Promise<boolean>;
  get(id: string): Promise<TenantRecord | undefined>;
  getByKeyHash(keyHash: string): Promise<TenantRecord | undefined>;
  /** Every tenant, oldest first (ties by id). */
  list(): Promise<TenantRecord[]>;
  /**
   * Removes the tenant and, at once, everything stored for it in the same state (resources,
   * idempotency records, webhook deliveries), so no orphan outlives it. False when unknown.
   */
  delete(id: string): Promise<boolean>;
}
