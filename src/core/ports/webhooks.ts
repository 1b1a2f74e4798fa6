/**
 * Webhook endpoints, deliveries and their attempts, per tenant (issue 15; docs/design/issue-15-plan.md
 * §1.1 and §2). The `events` table is the transactional outbox: an event commits with its state
 * change; `fanOut` turns the events past the tenant's cursor into messages and deliveries in one
 * transaction guarded by that cursor (compare-and-set), so a crash loses nothing and two servers on
 * one file never fan out twice. `claimDue` leases due deliveries to one owner at a time; `settle`
 * records an attempt only while the owner still holds the lease. Times are tenant-clock ms unless
 * named `real…`. Every implementation passes test/contract/webhook-store.contract.ts.
 */

/** An endpoint secret: newest first in `WebhookEndpoint.secrets`; an expired one no longer signs. */
export interface WebhookSecret {
  /** `whsec_…`. Never logged, journaled, listed or put in an error. */
  readonly secret: string;
  readonly createdAt: number;
  /** Set on the older secrets by a rotation: they sign too until then (the overlap). */
  readonly expiresAt?: number;
}

export interface WebhookEndpoint {
  /** `we_…` (the profile's webhook_endpoints id shape when it has one), unique per tenant. */
  readonly id: string;
  readonly url: string;
  /** The event types it gets (`a.b`, or `a.*`); null: every event. */
  readonly events: readonly string[] | null;
  readonly status: 'enabled' | 'disabled';
  /** Why it is disabled: by hand, or the receiver answered 410 Gone. */
  readonly disabledReason?: 'manual' | 'gone';
  /** Newest first. */
  readonly secrets: readonly WebhookSecret[];
  /** It gets the tenant's events with `seq > sinceSeq` (the last seq when it was added). */
  readonly sinceSeq: number;
  readonly createdAt: number;
  /** No attempt to it before this (a 429/502/504 slowed it down). */
  readonly throttledUntil?: number;
  /** The tester's note on what it is for (Stripe's `description`). */
  readonly description?: string;
}

/** What `WebhookStore.redeliver` did, or why it could not. */
export type RedeliverResult = 'queued' | 'in-flight' | 'blocked' | 'endpoint-gone' | 'unknown';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'abandoned';

export type AttemptOutcome =
  | 'delivered' // 2xx in time
  | 'retry' // another status, a timeout, a network error, a refused address: tried again later
  | 'throttled' // 429, 502, 504: later, and nothing else to the endpoint before then
  | 'gone' // 410: the delivery failed and the endpoint is disabled
  | 'aborted' // the receiver answered `webhook-delivery: abort-message`
  | 'exhausted' // failed, with no attempt left on the schedule
  | 'blocked'; // the payload looked secret: never sent

export interface WebhookAttempt {
  /** 1, 2, … for the delivery. */
  readonly n: number;
  /** The tenant instant the attempt stands for (its due time on a frozen clock). */
  readonly at: number;
  /** Real ms when it was sent: the signed timestamp. */
  readonly sentAt: number;
  readonly outcome: AttemptOutcome;
  readonly status?: number;
  readonly latencyMs: number;
  readonly error?: 'timeout' | 'refused' | 'network' | 'redirect' | 'status' | 'secret-detected';
  /** The start of the answer, redacted and scanned, at most `webhooks.excerptBytes`. */
  readonly excerpt?: string;
  readonly nextAttemptAt?: number;
  /** A redelivery asked for by hand (one attempt, never retried). */
  readonly manual: boolean;
}

export interface WebhookDelivery {
  /** `dlv_…`, unique per tenant. */
  readonly id: string;
  readonly endpoint: string;
  /** The endpoint's URL when the delivery was made. */
  readonly url: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt?: number;
  readonly createdAt: number;
  /**
   * Sent on purpose to test the partner (issue 16, readiness): a copy signed with a wrong
   * secret, or a duplicate of a delivered event (same id). Never retried.
   */
  readonly probe?: 'bad-signature' | 'duplicate';
}

/** What one fan-out writes, at once, when the tenant's cursor is still `afterSeq`. */
export interface FanOut {
  /** The cursor as read: compare-and-set. */
  readonly afterSeq: number;
  readonly toSeq: number;
  /** One per event, the exact bytes every attempt sends. */
  readonly messages: readonly {
    readonly eventId: string;
    readonly type: string;
    readonly payload: string;
  }[];
  readonly deliveries: readonly (Pick<WebhookDelivery, 'id' | 'endpoint' | 'eventId'> & {
    readonly dueAt: number;
    /** The scanner refused the payload: the delivery is `failed` with this attempt, never sent. */
    readonly blocked?: WebhookAttempt;
  })[];
}

export interface ClaimedDelivery {
  readonly delivery: WebhookDelivery;
  readonly endpoint: WebhookEndpoint;
  readonly payload: string;
  /** A redelivery asked for by hand (`redeliver`): one attempt, never retried. */
  readonly manual: boolean;
  /**
   * The trace of the request that caused the event (issue 16), read from the event: each
   * attempt sends a child `traceparent` of it. Absent when that request brought none.
   */
  readonly trace?: { readonly traceId: string; readonly flags: string };
}

export interface WebhookStore {
  /** False, and nothing written, when the id is taken. */
  addEndpoint(tenant: string, endpoint: WebhookEndpoint): Promise<boolean>;
  getEndpoint(tenant: string, id: string): Promise<WebhookEndpoint | undefined>;
  /** Oldest first. */
  listEndpoints(tenant: string): Promise<WebhookEndpoint[]>;
  /** False when the tenant has no such endpoint. `null` clears a field. */
  updateEndpoint(
    tenant: string,
    id: string,
    patch: Partial<Pick<WebhookEndpoint, 'url' | 'events' | 'status' | 'secrets'>> & {
      readonly disabledReason?: 'manual' | 'gone' | null;
      readonly throttledUntil?: number | null;
      readonly description?: string | null;
    },
  ): Promise<boolean>;
  /**
   * Its pending deliveries become `abandoned`; the delivery log is kept. A lease on one stays,
   * so the attempt in flight is still recorded by `settle`.
   */
  deleteEndpoint(tenant: string, id: string): Promise<boolean>;
  /** The seq of the last event fanned out (0 before any). */
  cursor(tenant: string): Promise<number>;
  /** False, and nothing written, when the cursor is no longer `change.afterSeq`. */
  fanOut(tenant: string, change: FanOut): Promise<boolean>;
  /**
   * Leases up to `limit` deliveries to `owner` for `leaseMs` of real time, in one transaction:
   * pending, due (`nextAttemptAt <= now`), to an enabled endpoint not throttled at `now`, and not
   * leased or with the lease past `realNow`. Earliest due first, ties in the order made.
   */
  claimDue(
    tenant: string,
    q: {
      readonly now: number;
      readonly realNow: number;
      readonly owner: string;
      readonly leaseMs: number;
      readonly limit: number;
    },
  ): Promise<ClaimedDelivery[]>;
  /**
   * Records the attempt and the delivery's next state, and releases the lease, at once. False,
   * and nothing written, unless `owner` still holds the lease. A delivery abandoned while leased
   * (its endpoint deleted during the attempt) gets the attempt too, and ends: `delivered`, or
   * `failed`, else it stays `abandoned` (no next attempt, no endpoint change).
   */
  settle(
    tenant: string,
    id: string,
    owner: string,
    attempt: WebhookAttempt,
    next: {
      readonly status: DeliveryStatus;
      readonly nextAttemptAt?: number;
      /** Disables the endpoint (a 410). */
      readonly disable?: 'gone';
      readonly throttledUntil?: number;
    },
  ): Promise<boolean>;
  /** Releases every lease `owner` holds (a server stopping); resolves how many. */
  release(owner: string): Promise<number>;
  /**
   * Queues one manual attempt of a delivery at `at` (its status back to pending). `in-flight`
   * while another process holds its lease: with `realNow`, only a lease past it counts (a crashed
   * process's stale lease does not); without, any lease does. `blocked` when its payload was
   * never stored (the secret scanner blocked it), `endpoint-gone` when its endpoint was deleted:
   * nothing to send, or nowhere to send it. `unknown` when the tenant has no such delivery.
   */
  redeliver(tenant: string, id: string, at: number, realNow?: number): Promise<RedeliverResult>;
  /**
   * Adds a probe (issue 16, readiness): a new delivery, `probe` set, of the event of the tenant's
   * newest delivered delivery (not itself a probe) to an enabled endpoint (`endpoint`, when given,
   * that one), due at `at`: one attempt, never retried, settled delivered or failed. Its payload
   * is the stored message, so a duplicate carries the original id. Undefined, and nothing
   * written, when no such delivery exists (nothing delivered yet) or the id is taken.
   */
  addProbe(
    tenant: string,
    probe: {
      readonly id: string;
      readonly kind: NonNullable<WebhookDelivery['probe']>;
      readonly at: number;
      readonly endpoint?: string;
    },
  ): Promise<WebhookDelivery | undefined>;
  getDelivery(
    tenant: string,
    id: string,
  ): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] } | undefined>;
  /** Newest first; `before` is a delivery id (the page cursor). */
  listDeliveries(
    tenant: string,
    q: {
      readonly endpoint?: string;
      readonly eventId?: string;
      readonly status?: DeliveryStatus;
      readonly before?: string;
      readonly limit: number;
    },
  ): Promise<WebhookDelivery[]>;
  /**
   * Tenants with events past their cursor and an enabled endpoint, or pending deliveries, in id
   * order after `after` (a page; the poll walks every page, so no tenant waits behind others).
   */
  tenantsWithWork(limit: number, after?: string): Promise<string[]>;
}
