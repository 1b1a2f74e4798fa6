import type { StoredJournalEntry } from '../ports/journal.js';
import type { WebhookAttempt, WebhookDelivery } from '../ports/webhooks.js';

/**
 * The partner readiness report (issue 16; docs/readiness.md): criteria a provider declares, the
 * evidence of a tenant's own sandbox traffic, and the verdict, each criterion with its evidence.
 * Verified from observed traffic, never self-attested; coverage kept apart from the score.
 */

// --- criteria: the file a provider declares (schemas/readiness-criteria.schema.json) ----------

/** Members every criterion has. */
interface CriterionBase {
  /** Unique in the file: `[a-z0-9][a-z0-9-]*`. Reports and sign-offs name criteria by it. */
  readonly id: string;
  /** What the report shows; each kind has a default. */
  readonly title?: string;
  /** Default true: a required criterion that fails or was not exercised makes the verdict "not ready". */
  readonly required?: boolean;
  /** The next step shown when it fails or was not exercised; each kind has a default. */
  readonly next?: string;
}

/** An operation, as the journal names it: a spec operationId or `METHOD /template`. */
export interface RequiredOperation {
  readonly operation: string;
  /** Answered at least this often with a 2xx (default 1). */
  readonly min?: number;
}

export type Criterion =
  /** Each operation answered 2xx at least `min` times. */
  | (CriterionBase & {
      readonly kind: 'operations';
      readonly operations: readonly (string | RequiredOperation)[];
    })
  /**
   * The scenario fired at least once, and each firing was followed, within the tenant's next
   * `within` requests (default 5), by one of `then` (operations); without `then`, firing is enough.
   */
  | (CriterionBase & {
      readonly kind: 'scenario';
      readonly scenario: string;
      readonly then?: readonly string[];
      readonly within?: number;
    })
  /** Every answer with Retry-After (429, 503) was followed by a retry of its operation no sooner than it said. */
  | (CriterionBase & { readonly kind: 'retry-after' })
  /**
   * Every answer a timeout, reset or close fault cut (and every 502/503/504 a scenario answered)
   * was followed by a retry of its operation with the same Idempotency-Key. A POST retried
   * without a key fails it.
   */
  | (CriterionBase & { readonly kind: 'idempotent-retry' })
  /** Deliveries (not probes) answered 2xx within `withinMs` (default 10 000): at least `minShare` (default 1) of them. */
  | (CriterionBase & {
      readonly kind: 'webhooks-acknowledged';
      readonly withinMs?: number;
      readonly minShare?: number;
    })
  /**
   * A duplicate probe (an event delivered again, same id) was answered 2xx and caused no state
   * change to the event's object within `windowMs` (default 30 000) after it.
   */
  | (CriterionBase & { readonly kind: 'webhook-duplicate'; readonly windowMs?: number })
  /** A bad-signature probe was refused: answered 4xx (not 2xx, not 5xx, not a timeout). */
  | (CriterionBase & { readonly kind: 'webhook-signature' })
  /** Every list walk that had more pages was followed to its last page (a request for the next page until `more` is false). */
  | (CriterionBase & { readonly kind: 'pagination' })
  /**
   * At most `max` (default 0.05) of the partner's requests answered ≥ 400, leaving out answers a
   * scenario or a rate limit gave on purpose.
   */
  | (CriterionBase & { readonly kind: 'error-rate'; readonly max?: number })
  /**
   * p95 of the time the sandbox took from a request's arrival to its answer, leaving out answers
   * a scenario shaped, at most `maxMs` (default 1 000): slow uploads count.
   */
  | (CriterionBase & { readonly kind: 'latency-p95'; readonly maxMs?: number })
  /** None of the last `last` (default 100) requests the spec checked broke it. */
  | (CriterionBase & { readonly kind: 'spec-conformance'; readonly last?: number });

export type CriterionKind = Criterion['kind'];

export interface ReadinessCriteria {
  /** The name the report shows ("Acme payments go-live"). */
  readonly name: string;
  readonly criteria: readonly Criterion[];
}

// --- evidence: what the tenant's traffic left ---------------------------------------------

/** A delivery with its attempts, and whether tapedeck sent it on purpose to test the partner. */
export interface DeliveryEvidence {
  readonly delivery: WebhookDelivery;
  readonly attempts: readonly WebhookAttempt[];
  /** Sent on purpose: a copy with a wrong signature, or a duplicate of a delivered event. */
  readonly probe?: 'bad-signature' | 'duplicate';
}

export interface EventEvidence {
  readonly id: string;
  readonly type: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly at: number;
  readonly requestId?: string;
}

/** A content hash (`sha256:` + hex) of one input the evidence was gathered against. */
export interface VersionedInput {
  readonly name: string;
  readonly hash: string;
}

export interface ReadinessEvidence {
  readonly tenant: { readonly id: string; readonly name: string };
  /** Real ms: the window the evidence covers (`--since`, and when it was gathered). */
  readonly since?: number;
  readonly until: number;
  /** The tenant's journal entries in the window, oldest first. */
  readonly requests: readonly StoredJournalEntry[];
  readonly deliveries: readonly DeliveryEvidence[];
  readonly events: readonly EventEvidence[];
  /** The declared surface, for coverage: every operation the sandbox serves, and the scenario catalogue's names. */
  readonly surface: {
    readonly operations: readonly string[];
    readonly scenarios: readonly string[];
  };
  readonly versions: {
    readonly spec?: VersionedInput;
    readonly cassettes: readonly VersionedInput[];
    readonly criteria: VersionedInput;
  };
}

// --- the report -----------------------------------------------------------------------------

export type CriterionVerdict = 'pass' | 'fail' | 'not-exercised';

/** One fact behind a verdict: a request, a delivery or an event, with what it shows. */
export interface EvidenceItem {
  readonly requestId?: string;
  readonly deliveryId?: string;
  readonly eventId?: string;
  /** Real ms. */
  readonly at: number;
  /** What it shows, in a sentence: "429 with Retry-After 2; retried after 0.4 s". */
  readonly note: string;
}

export interface CriterionResult {
  readonly id: string;
  readonly kind: CriterionKind;
  readonly title: string;
  readonly required: boolean;
  readonly verdict: CriterionVerdict;
  /** One line: what was observed ("3 of 3 lists followed to the end"). */
  readonly summary: string;
  /** At most 20 items, the failing ones first. */
  readonly evidence: readonly EvidenceItem[];
  /** Absent when it passed. */
  readonly next?: string;
}

export interface SignoffStatus {
  readonly by: string;
  readonly at: number;
  readonly note?: string;
  /** True when the report, criteria, spec and cassettes hash as they did at the sign-off. */
  readonly holds: boolean;
  /** What changed since, when it no longer holds: `criteria`, `spec`, `cassettes: a.json`, `report: webhook-signature now fail`. */
  readonly changed: readonly string[];
}

export interface ReadinessReport {
  readonly schemaVersion: 1;
  readonly criteriaName: string;
  readonly tenant: { readonly id: string; readonly name: string };
  /** Real ms. */
  readonly generatedAt: number;
  readonly since?: number;
  /** `ready` when every required criterion passed. */
  readonly verdict: 'ready' | 'not-ready';
  readonly counts: {
    readonly pass: number;
    readonly fail: number;
    readonly notExercised: number;
    readonly required: number;
  };
  /** Criteria passed over criteria declared (Microcks' score), apart from coverage. */
  readonly score: { readonly passed: number; readonly of: number };
  /** How much of the declared surface the traffic touched: apart from the score. */
  readonly coverage: {
    readonly operations: {
      readonly exercised: readonly string[];
      readonly notExercised: readonly string[];
    };
    readonly scenarios: {
      readonly exercised: readonly string[];
      readonly notExercised: readonly string[];
    };
  };
  readonly criteria: readonly CriterionResult[];
  readonly versions: ReadinessEvidence['versions'];
  /** `sha256:` of the report's verdicts (criterion id → verdict) and versions: what a sign-off pins. */
  readonly hash: string;
  readonly signoff?: SignoffStatus;
}
