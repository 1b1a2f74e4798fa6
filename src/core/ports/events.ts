import type { SandboxEvent } from './resources.js';

/** An event as stored: `seq` orders a tenant's events (gaps are fine). */
export interface StoredEvent extends SandboxEvent {
  readonly seq: number;
}

/**
 * The sandbox's per-tenant event log (issue 15's outbox reads it). Written only by
 * `ResourceStore.apply`, in the same transaction as the change the events describe.
 */
export interface EventStore {
  /** The tenant's events with `seq > afterSeq`, oldest first, at most `limit`. */
  list(tenant: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  /** The seq of the tenant's last event, 0 before any (a new webhook endpoint starts after it). */
  lastSeq(tenant: string): Promise<number>;
}
