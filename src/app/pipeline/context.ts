import type { RecordedRequest } from '../../core/cassette/model.js';
import type { NormalizedRequest } from '../../core/matching/normalize.js';
import type { LayerName } from '../../core/pipeline.js';
import type {
  IncomingRequest,
  JournalEntry,
  LogLevel,
  Reply,
  StoredJournalEntry,
} from '../../core/ports/index.js';
import type { Firing } from '../../core/sandbox/scenarios/types.js';
import type { ResolvedTenant } from '../../core/sandbox/tenant.js';
import type { TraceParent } from '../../core/observability/trace.js';

/** What a deferred hook learns about the request once a layer answered it, or it threw. */
export type DeferredOutcome =
  { readonly answer: LayerAnswer; readonly layer: LayerName } | { readonly error: unknown };

/** What the pipeline knows about one request as it walks down the layers. */
export interface RequestContext {
  readonly incoming: IncomingRequest;
  /**
   * The index key of the request (see normalize.ts). Computed straight from the raw URL when
   * nothing in it needs redacting (the replay fast lane), else from `normalized`. Built on first use.
   */
  readonly key: string;
  /** The request in the cassette model, already redacted: what reports see. Built on first use. */
  readonly request: RecordedRequest;
  /** The normalized request, for explaining misses. Built on first use. */
  readonly normalized: NormalizedRequest;
  readonly session: string;
  /** The cassette named by x-tapedeck-cassette, if any. Checked on first use. */
  readonly cassette: string | undefined;
  readonly startedAt: number;
  /** The sandbox tenant of the request: set once by the tenant layer, undefined before and elsewhere. */
  readonly tenant: ResolvedTenant | undefined;
  /** Sets `tenant` (the tenant layer does, once). */
  setTenant(tenant: ResolvedTenant): void;
  /**
   * Runs `finish` after the answering layer and before the reply leaves (in reverse order of
   * registration, awaited), or with `{error}` when a layer threw. Idempotency needs a later
   * layer's answer.
   */
  defer(finish: (outcome: DeferredOutcome) => Promise<void> | void): void;
  /** The hashed idempotency key of the request, set by the idempotency layer when one began. */
  idempotencyKeyHash?: string;
  /**
   * The idempotency key as sent, when it is a plain token (issue 15: Stripe's events carry it in
   * `request.idempotency_key`); set by the idempotency layer beside the hash.
   */
  idempotencyKeyShown?: string;
  /** Set by the state layer when its commit also completed the idempotency key. */
  idempotencyCompleted?: boolean;
  /**
   * The scenario that fired for this request (issue 14), set by the scenario layer: the journal
   * records it, and the state layer runs its `state` outcome in place of the request's action.
   * Cleared (by a deferred hook) when the outcome was refused before it ran.
   */
  scenario?: Firing | undefined;
  /**
   * Changes the reply the answering layer gave, after the deferred hooks (so idempotency stores
   * the answer as it was): faults that mangle an answer, rate-limit headers. In registration order.
   */
  shapeReply(shape: (reply: Reply) => Reply): void;
  /**
   * The request id the answer carries in the profile's request-id header (issue 16), made when the
   * request arrives; undefined in servers that give none (replay, record, mock).
   */
  readonly requestId: string | undefined;
  /** The request's valid incoming `traceparent`, if it brought one. */
  readonly trace: TraceParent | undefined;
  /**
   * What the layers learnt about the request for the journal and the metrics (issue 16): each
   * layer sets what it knows (the state layer the operation and the page, the idempotency layer
   * its outcome, …). Made on first use: a server whose layers never touch it pays nothing.
   */
  readonly evidence: RequestEvidence;
  /**
   * Writes a log line about this request (issue 16): the server's logger, with the request's
   * `requestId` and `tenant` (its id) added to the fields. Layers log through it while they
   * handle a request. Optional: a context made outside the pipeline (a test's) may not log.
   */
  log?(
    level: LogLevel,
    event: string,
    message: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void;
}

/** The journal's issue-16 facts about one request, as layers learn them (JournalEntry has each one's meaning). */
export interface RequestEvidence {
  operation?: string;
  route?: string;
  outcome?: string;
  idempotency?: JournalEntry['idempotency'];
  conforms?: boolean;
  violations?: readonly string[];
  /** Ids of the events the request caused, in order (the state layer pushes each apply's). */
  events?: string[];
  page?: JournalEntry['page'];
}

/** The answer, plus what the journal should know about it. */
export interface LayerAnswer {
  readonly reply: Reply;
  readonly cassette?: string;
  readonly position?: number;
  /**
   * The path the journal shows, when the layer knows one that carries no request text (a
   * documented route, a spec's path template). Without it the journal shows the redacted path.
   */
  readonly journalPath?: string;
  /**
   * False when the answer is not to be stored for an idempotency key: the request never began
   * executing (spec validation failure, quota refusal, version conflict). Default true.
   */
  readonly remember?: boolean;
}

/** One step of the pipeline: answer, or pass (undefined) to the next layer. */
export interface Layer {
  readonly name: LayerName;
  /** It answers every request that reaches it (miss, upstream, the mock's spec): it closes the pipeline. */
  readonly closes?: boolean;
  handle(context: RequestContext): Promise<LayerAnswer | undefined> | LayerAnswer | undefined;
}

/** Where the pipeline writes what answered: synchronous and buffered, it runs on the hot path. */
export interface JournalSink {
  record(entry: JournalEntry): void;
}

/** What the admin layer reads back: this process's latest entries, and those kept across restarts. */
export interface JournalReader {
  recent(limit: number): readonly JournalEntry[];
  kept(limit: number): Promise<readonly StoredJournalEntry[]>;
}
