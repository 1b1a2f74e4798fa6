/**
 * The vocabulary of drift: what a comparison of a recorded response with a live one finds, and
 * the report that the drift job renders (Markdown, JSON, terminal). Pure data; the comparison
 * lives in compare.ts, the report's assembly in report.ts, the job that sends requests in
 * app/drift/.
 *
 * Every string in here that came from a response (values in `recorded`/`live`, paths) has been
 * through the same redaction as a recording before it reaches a finding. Reports never see raw
 * live data.
 */

/*
 * Each closed vocabulary is one `as const` list: its type is derived from it, and the JSON
 * Schema (schema.ts) lists the same values in the same order.
 */

/** How much a difference matters to a client built against the recording. */
export const SEVERITIES = ['breaking', 'non-breaking', 'noise'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What changed. Each kind has one default severity (compare.ts, headers.ts, bodies.ts and
 * json-compare.ts say which).
 */
export const CHANGE_KINDS = [
  'status-class-changed', // 2xx -> 4xx: breaking
  'status-changed', // 200 -> 201 within a class: non-breaking
  'content-type-changed', // application/json -> text/html: breaking
  'header-removed', // a selected header (caching, rate limit, pagination) gone: breaking
  'header-added', // non-breaking
  'header-changed', // non-breaking (or noise when volatile)
  'field-removed', // breaking
  'field-added', // non-breaking
  'type-changed', // string -> number, object -> null: breaking
  'enum-value-removed', // a value the recording used for an enum-like field no longer appears: breaking
  'enum-value-added', // non-breaking
  'value-changed', // non-breaking (or noise when volatile)
  'array-reordered', // the same elements (by id) in another order: non-breaking
  'element-added', // an array element (by id or position) only live: non-breaking
  'element-removed', // an array element (by id or position) only recorded: non-breaking (data, not shape)
  'body-changed', // text or binary bodies whose hashes differ: non-breaking
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const FINDING_PLACES = ['status', 'header', 'body'] as const;
export type FindingPlace = (typeof FINDING_PLACES)[number];

export interface Finding {
  readonly kind: ChangeKind;
  readonly severity: Severity;
  readonly place: FindingPlace;
  /** A JSON pointer into the body (`/data/0/id`), the header name, or '' for the status. */
  readonly path: string;
  /** Short rendering of the recorded value (already redacted, truncated), when there is one. */
  readonly recorded?: string;
  /** Short rendering of the live value (already redacted, truncated), when there is one. */
  readonly live?: string;
  /**
   * The path with the indexes of id-aligned arrays replaced by the element's identity
   * (`/data/[id=42]/name`), so a finding keeps its fingerprint when elements are inserted before
   * it. Equal to `path` when no id-aligned array is on the way. Absent when the live answer still
   * looked secret after redaction (an identity value could be the secret).
   */
  readonly stablePath?: string;
  /** Why a finding is noise (see NOISE_REASONS). */
  readonly noiseReason?: NoiseReason;
}

/**
 * Why a finding is noise: 'learned' (differed between two live calls), 'pinned' (config),
 * 'builtin' (noise.ts), 'history' (seen unchanged for a while in drift history).
 */
export const NOISE_REASONS = ['learned', 'pinned', 'builtin', 'history'] as const;
export type NoiseReason = (typeof NOISE_REASONS)[number];

/** Why an interaction could not be checked. Never reported as drift. */
export const UNCHECKED_REASONS = [
  'timeout',
  'network',
  'rate-limited',
  'upstream-unavailable',
  'unreadable-body', // over maxBodyBytes, or not decodable as its content-encoding says
  'internal-error', // tapedeck failed on this step (logged as drift.failed); please report it
  'unsafe-method', // skipped: not marked replayable
  'flow-broken', // an earlier step it depends on could not be checked
  'not-allowed', // the target host is not allowed
  'credential-not-mapped', // sent without a credential drift.credentials does not map; answered 401/403
] as const;
export type UncheckedReason = (typeof UNCHECKED_REASONS)[number];

export interface SpecVerdict {
  /** Violations of the OpenAPI spec by the recorded response (JSON pointer + message). */
  readonly recording: readonly { readonly pointer: string; readonly message: string }[];
  readonly live: readonly { readonly pointer: string; readonly message: string }[];
}

export const OUTCOMES = ['same', 'drift', 'unchecked'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface InteractionDrift {
  readonly cassette: string;
  /** Index of the interaction in its cassette. */
  readonly index: number;
  readonly method: string;
  /** The recorded (redacted) path with its query string, as shown in reports. */
  readonly target: string;
  readonly outcome: Outcome;
  /** The highest severity among non-noise findings; absent when outcome is not 'drift'. */
  readonly severity?: Exclude<Severity, 'noise'>;
  readonly recordedStatus: number;
  readonly liveStatus?: number;
  /** Every finding, noise included (renderers fold noise into a count). */
  readonly findings: readonly Finding[];
  readonly unchecked?: { readonly reason: UncheckedReason; readonly detail: string };
  readonly spec?: SpecVerdict;
  /**
   * History from the state store, per finding fingerprint (see fingerprint in report.ts):
   * when it was first seen. Absent findings are new today.
   */
  readonly firstSeen?: Readonly<Record<string, string>>;
}

export interface DriftTotals {
  readonly interactions: number;
  readonly checked: number;
  readonly same: number;
  readonly breaking: number; // interactions whose highest severity is breaking
  readonly nonBreaking: number;
  readonly unchecked: number;
  readonly skipped: number; // unsafe methods not marked replayable (also counted in unchecked)
  /** Findings classed as noise across all interactions. */
  readonly noiseFindings: number;
  readonly breakingFindings: number;
  readonly nonBreakingFindings: number;
}

/** One line per cassette in the summary table. */
export interface CassetteDrift {
  readonly name: string;
  readonly interactions: number;
  readonly breaking: number;
  readonly nonBreaking: number;
  readonly unchecked: number;
  readonly noiseFindings: number;
}

/**
 * `unchecked`: there were interactions and not one could be checked (target down, every answer a
 * 429, every method unsafe). Never `clean`: a run that saw nothing must not read as a pass.
 */
export const VERDICTS = ['breaking', 'non-breaking', 'clean', 'unchecked'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The whole report. Its JSON form is documented by schemas/drift-report.schema.json (version 1). */
export interface DriftReport {
  readonly version: 1;
  /** The origin checked (scheme, host, port, base path); never credentials. */
  readonly target: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly verdict: Verdict;
  readonly totals: DriftTotals;
  readonly cassettes: readonly CassetteDrift[];
  readonly interactions: readonly InteractionDrift[];
}
