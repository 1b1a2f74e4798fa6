import type { JsonValue } from '../json.js';

/** One resource of one tenant (a customer, a payment intent), as the API would show it. */
export interface StoredResource {
  /** The resource type, e.g. `customers`. */
  readonly type: string;
  readonly id: string;
  readonly value: JsonValue;
}

/** A tenant's whole resource state, in list order: what a snapshot captures and restores. */
export type ResourceSnapshot = readonly StoredResource[];

/**
 * The sandbox's per-tenant resources. Every method is scoped to a tenant: one tenant never sees,
 * changes or counts another's resources, even with the same type and id. A sketch the sandbox
 * issue fills out (pagination, versions); passes test/contract/resource-store.contract.ts.
 */
export interface ResourceStore {
  /** Creates or replaces; a replaced resource keeps its place in the list order. */
  put(tenant: string, resource: StoredResource): Promise<void>;
  get(tenant: string, type: string, id: string): Promise<StoredResource | undefined>;
  /** The tenant's resources of one type, in the order they were first put. */
  list(tenant: string, type: string): Promise<StoredResource[]>;
  /** False when there was no such resource. */
  delete(tenant: string, type: string, id: string): Promise<boolean>;
  /** Every resource of the tenant, every type, in the order they were first put. */
  snapshot(tenant: string): Promise<ResourceSnapshot>;
  /** Replaces the tenant's resources with the snapshot's, all at once. */
  restore(tenant: string, snapshot: ResourceSnapshot): Promise<void>;
  /** Removes every resource of the tenant. */
  clear(tenant: string): Promise<void>;
}
