import type { LayerName } from '../pipeline.js';

/**
 * One line of the request journal: which layer answered what. Issue 16 made it the evidence of a
 * test run: the sandbox fills every optional member it knows; replay, record and mock fill the
 * first block only. Nothing here is a secret or a value the client sent, except the redacted
 * path: keys are hashed, violations name the place and the rule, never the value.
 */
export interface JournalEntry {
  readonly at: number;
  readonly session: string;
  readonly method: string;
  readonly path: string;
  readonly layer: AnswerLayer;
  readonly status: number;
  readonly cassette?: string;
  readonly position?: number;
  readonly durationMs: number;
  /** The sandbox tenant the request was answered for (its id). */
  readonly tenant?: string;
  /** The scenario that fired (issue 14), and why: `describeFiredBy` (never the matched value). */
  readonly scenario?: string;
  readonly firedBy?: string;

  // --- issue 16: the evidence of a run (sandbox) -----------------------------------------
  /** The id the answer carried in the profile's request-id header (`req_…`). */
  readonly requestId?: string;
  /** The tenant's clock when the request was answered (ms since the epoch). */
  readonly tenantAt?: number;
  /**
   * The operation: the spec's operationId when the spec names one, else `METHOD /template`
   * (the model route's or the spec path's template). Absent when nothing routed the request.
   */
  readonly operation?: string;
  /** The path template of the operation (`/v1/customers/{id}`): metrics' `http.route`. */
  readonly route?: string;
  /** The scenario outcome's kind when one fired (`error`, `timeout`, `rate-limited`, …). */
  readonly outcome?: string;
  /** The request's Idempotency-Key, hashed as the idempotency store hashes it. */
  readonly idempotencyKeyHash?: string;
  /** What the idempotency layer did: a fresh key, a replay of the stored answer, or a refusal. */
  readonly idempotency?: 'fresh' | 'replayed' | 'conflict' | 'in-flight';
  /**
   * Whether the request conformed to the spec: absent when nothing checked it (no spec, or a layer
   * that does not validate answered before one that does).
   */
  readonly conforms?: boolean;
  /** When `conforms` is false: each violation as `place: rule` (never the value sent). At most 20. */
  readonly violations?: readonly string[];
  /** The W3C trace id of an incoming valid `traceparent` (32 lowercase hex). */
  readonly traceId?: string;
  /** The sandbox events the request caused (their ids): deliveries link to them. */
  readonly events?: readonly string[];
  /** `Retry-After` of the answer, in seconds, when it had one (429, 503). */
  readonly retryAfter?: number;
  /** A list answer: whether more pages followed, and whether the request asked for a later page. */
  readonly page?: { readonly more: boolean; readonly cursor: boolean };
}

/** The layer that answered: one of the pipeline's names (core/pipeline.ts), so a new layer edits no type here. */
export type AnswerLayer = LayerName;

/** Which stored entries a query wants. Every filter given must hold. */
export interface JournalQuery {
  /** At most this many entries (at least 1). */
  readonly limit: number;
  /** Only entries answered by one of these layers. */
  readonly layers?: readonly AnswerLayer[];
  /** Only entries at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Only entries of this tenant (its id). */
  readonly tenant?: string;
  /** Only entries of this operation (`JournalEntry.operation`, exactly). */
  readonly operation?: string;
  /** Only entries with this status, or in this class: `4xx` is 400–499. */
  readonly status?: number | `${1 | 2 | 3 | 4 | 5}xx`;
  /** Only the entry with this request id. */
  readonly requestId?: string;
  /**
   * Paging by the store's sequence (`StoredJournalEntry.seq`): `before` walks back from newest
   * (the default order); `after` walks forward, oldest first (`--follow`, readiness). Not both.
   */
  readonly before?: number;
  readonly after?: number;
}

/** An entry as stored: with its place in the store, the cursor of the next page. */
export interface StoredJournalEntry extends JournalEntry {
  /** Increasing in append order, unique per store, never reused after a prune. */
  readonly seq: number;
}

/**
 * What a retention sweep removes: entries older than `before`, and beyond the newest
 * `keepPerTenant` of each tenant. Entries are appended in time order; a store may sweep age from
 * its oldest entries and stop at the first newer one, so an entry appended after a newer one can
 * outlive `before` by a sweep.
 */
export interface JournalPrune {
  readonly before?: number;
  readonly keepPerTenant?: number;
}

/**
 * Where journal entries are kept across restarts. The hot path never calls it per request:
 * app/journal buffers entries and appends them in batches. Nothing here is the only copy of a
 * recording. Every implementation passes test/contract/journal-store.contract.ts.
 */
export interface JournalStore {
  /** Stores the entries, in order, all or none. */
  append(entries: readonly JournalEntry[]): Promise<void>;
  /**
   * Stored entries matching the query: newest (last appended) first, or with `after`, oldest
   * first. Each carries its `seq`.
   */
  query(query: JournalQuery): Promise<StoredJournalEntry[]>;
  /** Removes what the retention says; resolves how many entries went. */
  prune(prune: JournalPrune): Promise<number>;
  /** No append or query after this; the data stays where it is. */
  close(): Promise<void>;
}
