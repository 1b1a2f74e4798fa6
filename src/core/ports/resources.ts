import type { JsonValue } from '../json.js';
import type { IdempotentResponse } from './idempotency.js';

/** One resource of one tenant (a customer, a payment intent), as the API would show it. */
export interface StoredResource {
  /** The resource type, e.g. `customers`. */
  readonly type: string;
  readonly id: string;
  readonly value: JsonValue;
  /** The scope it lives under (`customers/cus_…`, `octo/hello`); undefined = top level. */
  readonly parent?: string;
  /** Bumped by every write (optimistic concurrency); 1 after the first. */
  readonly version?: number;
  /** A tombstone: still readable (`deleted: true` answers), gone from lists. */
  readonly deleted?: boolean;
}

/** A tenant's whole resource state, in list order: what a snapshot captures and restores. */
export type ResourceSnapshot = readonly StoredResource[];

/**
 * One page of a list, in list order (`seq`: first put first; a replaced resource keeps its
 * place). Only live resources (no tombstones) of `type` under `parent` (undefined = the top
 * level) whose top-level fields equal every `where` value (same JSON type: `1` ≠ `'1'`).
 * `after`: the items past that id in `order` (Stripe's `starting_after`); `before`: the page just
 * before that id, still in `order` (`ending_before`); an id the tenant does not have (of this
 * type) matches nothing. `hasMore`: more items beyond the page in the direction walked. `total`
 * counts every match, cursors and offset aside.
 */
export interface ListQuery {
  readonly type: string;
  readonly parent?: string;
  readonly where?: Readonly<Record<string, string | number | boolean | null>>; // top-level fields
  readonly order: 'asc' | 'desc';
  readonly limit: number; // 1..10000
  readonly after?: string;
  readonly before?: string;
  readonly offset?: number; // ids / page offset; NaN = 0, Infinity = past the end
  readonly withTotal?: boolean;
}

export interface ListPage {
  readonly items: StoredResource[];
  readonly hasMore: boolean;
  readonly total?: number;
}

export interface SandboxEvent {
  readonly id: string;
  readonly type: string;
  readonly at: number;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly data: JsonValue;
  readonly idempotencyKeyHash?: string;
  /** On `*.updated`: the top-level fields the change set, as they were (Stripe's previous_attributes). */
  readonly previous?: JsonValue;
  /** The Idempotency-Key of the request that caused it, as sent when it is a plain token (Stripe's request.idempotency_key). */
  readonly idempotencyKey?: string;
  /** The request id of the request that caused it (issue 16): Stripe's `request.id`. */
  readonly requestId?: string;
  /** The W3C trace id of that request's `traceparent`, carried into the deliveries (issue 16). */
  readonly traceId?: string;
  /** That request's trace flags (two hex digits), with `traceId`. */
  readonly traceFlags?: string;
}

/**
 * One state change, applied whole or not at all. Checked first, in this order: the seed claim
 * (`already-seeded`), every version (`conflict`, naming the first stale resource; puts and
 * deletes see the earlier entries of the same change, puts coming before deletes), the quotas (`quota`: only growth is
 * refused, resources before bytes; bytes = UTF-8 length of each stored value's JSON, tombstones
 * included). Then written: resources (each put gets version + 1, 1 when new), sequences,
 * events, the tenant's usage counters, the seed time, and the idempotency key's response
 * (when the key is still in flight). An event id the tenant already has, event data or a value
 * that is not JSON, or a sequence value that is not a finite number rejects the change whole.
 */
export interface StateChange {
  /** `expectVersion`: undefined = must not exist yet; n = must still be at version n. */
  readonly puts: readonly (StoredResource & { readonly expectVersion?: number })[];
  readonly deletes: readonly {
    readonly type: string;
    readonly id: string;
    readonly expectVersion: number;
  }[];
  readonly sequences?: readonly { readonly name: string; readonly value: number }[]; // absolute values
  readonly events?: readonly SandboxEvent[];
  readonly idempotency?: { readonly keyHash: string; readonly response: IdempotentResponse };
  readonly quotas?: { readonly resources: number; readonly bytes: number };
  readonly seed?: { readonly at: number }; // also claims seeding: refused once seeded_at is set
}

export type ChangeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'conflict'; readonly type: string; readonly id: string }
  | {
      readonly ok: false;
      readonly reason: 'quota';
      readonly quota: 'resources' | 'bytes';
      readonly limit: number;
    }
  | { readonly ok: false; readonly reason: 'already-seeded' };

export interface TenantSnapshot {
  readonly resources: ResourceSnapshot;
  readonly sequences: readonly { name: string; value: number }[];
}

/**
 * The sandbox's per-tenant resources. Every method is scoped to a tenant: one tenant never sees,
 * changes or counts another's resources, even with the same type and id. Every implementation
 * passes test/contract/resource-store.contract.ts.
 */
export interface ResourceStore {
  /** Creates or replaces; a replaced resource keeps its place in the list order. */
  put(tenant: string, resource: StoredResource): Promise<void>;
  get(tenant: string, type: string, id: string): Promise<StoredResource | undefined>;
  /** The tenant's live resources of one type (every parent, no tombstones), in first-put order. */
  list(tenant: string, type: string): Promise<StoredResource[]>;
  /** False when there was no such resource. */
  delete(tenant: string, type: string, id: string): Promise<boolean>;
  /** Every resource of the tenant, every type, in the order they were first put. */
  snapshot(tenant: string): Promise<ResourceSnapshot>;
  /** Replaces the tenant's resources with the snapshot's, all at once. */
  restore(tenant: string, snapshot: ResourceSnapshot): Promise<void>;
  /**
   * Resets the tenant in one step: removes every resource, sequence and idempotency key of it and
   * marks it not yet seeded (it is reseeded on its next request); named snapshots, keys, clock
   * and journal stay.
   */
  clear(tenant: string): Promise<void>;
  page(tenant: string, query: ListQuery): Promise<ListPage>;
  /** All of it or none, in one transaction: resources, sequences, usage, events, idempotency. */
  apply(tenant: string, change: StateChange, at: number): Promise<ChangeResult>;
  sequence(tenant: string, name: string): Promise<number>; // 0 when unset
  /**
   * Increments the tenant's id counter by n and resolves the first value (gaps are fine): the
   * values first … first + n − 1 are the caller's (the first ever is 1; n below 1 counts as 1).
   * Unknown tenant, or an n that is not a finite number: rejects, the counter unchanged.
   */
  reserveIds(tenant: string, n: number): Promise<number>;
  saveSnapshot(tenant: string, name: string, at: number): Promise<void>;
  /**
   * Restores a saved snapshot (resources, sequences) and forgets the tenant's idempotency keys,
   * in one step (remembered answers would replay objects the restore took away); false if unknown.
   */
  loadSnapshot(tenant: string, name: string): Promise<boolean>;
  listSnapshots(tenant: string): Promise<{ name: string; createdAt: number; resources: number }[]>;
}
