/**
 * The vocabulary of `tapedeck sandbox check` (issue 17; docs/fidelity.md): each recorded step
 * replayed through the stateful sandbox, on a fresh tenant, and the sandbox's answer compared
 * with the recording by drift's rules, made-up values compared by shape. Pure data; the
 * comparison lives in compare.ts, the report's assembly in report.ts, the run in app/fidelity/.
 *
 * Every value in here came from a recording (already redacted when it was written) or from the
 * sandbox's answer after the same redaction a recording gets. A report never holds a tenant key.
 */
import type { Finding } from '../drift/model.js';

/*
 * Each closed vocabulary is one `as const` list: its type is derived from it, and the JSON
 * Schema (schema.ts, schemas/fidelity-report.schema.json) lists the same values in the same order.
 */

/**
 * What one recorded step came to:
 * - reproduced: the state model answered, and nothing differs once made-up values are compared
 *   by shape (noise findings only);
 * - differs: the state model answered, and there are breaking or non-breaking findings;
 * - not-modelled: a layer other than the state model answered (a cassette, the spec, a miss);
 * - could-not-check: the step could not be compared fairly (see UNCHECKABLE_REASONS).
 */
export const STEP_OUTCOMES = ['reproduced', 'differs', 'not-modelled', 'could-not-check'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/** The sandbox layer whose answer a step got (its `x-tapedeck-layer`), as the journal names it. */
export const ANSWERING_LAYERS = [
  'state',
  'idempotency', // a replay of an earlier state answer under the same key
  'scenario',
  'cassette',
  'spec',
  'miss',
  'tenant', // the key was refused: a bug of the check, reported as could-not-check
  'limits', // a rate limit or quota answered
  'other',
] as const;
export type AnsweringLayer = (typeof ANSWERING_LAYERS)[number];

/** Why a step could not be checked. Never counted in the score; counted apart in coverage. */
export const UNCHECKABLE_REASONS = [
  /** A scenario answered a step the recording shows succeeding: its request holds a trigger. */
  'scenario-fired',
  /** It uses a value produced by an earlier step that was not modelled or could not be checked. */
  'flow-broken',
  /** It uses an object the flow never created (made before the recording started). */
  'precondition',
  /** The tenant's rate limit or quota answered (the check sends faster than the recording). */
  'rate-limited',
  /** The sandbox's answer could not be read (body over the limit, not decodable). */
  'unreadable-body',
  /** The sandbox's answer still looks secret after redaction: its values are left out. */
  'secret',
  /** tapedeck failed on this step (logged as fidelity.failed); please report it. */
  'internal-error',
] as const;
export type UncheckableReason = (typeof UNCHECKABLE_REASONS)[number];

/**
 * Why a difference in value is not a difference of the sandbox: the value is one the sandbox
 * made up, compared by its shape (an id with the recorded prefix and length, a timestamp of the
 * recorded kind), or one a flow carried from an earlier made-up answer.
 */
export const MADE_UP_KINDS = ['id', 'timestamp', 'carried', 'token', 'url'] as const;
export type MadeUpKind = (typeof MADE_UP_KINDS)[number];

/** A drift finding, with why a value difference was judged a made-up value (then `noise`). */
export interface FidelityFinding extends Finding {
  readonly madeUp?: MadeUpKind;
}

/** One recorded step (an interaction of a cassette) and what the sandbox answered. */
export interface StepResult {
  /** The cassette (flow) name, as `tapedeck replay` names it. */
  readonly flow: string;
  /** Index of the interaction in its cassette. */
  readonly index: number;
  readonly method: string;
  /** The recorded (redacted) path with its query string. */
  readonly target: string;
  /**
   * The operation, as the journal names it: the spec's operationId, else `METHOD /template`,
   * else `METHOD /recorded/path` when nothing routes it.
   */
  readonly operation: string;
  /** The model's resource type the step acts on; absent when no modelled route matches. */
  readonly resource?: string;
  readonly outcome: StepOutcome;
  /** The highest severity among non-noise findings; present only when `differs`. */
  readonly severity?: 'breaking' | 'non-breaking';
  readonly recordedStatus: number;
  /** Absent when nothing was sent (flow-broken, precondition known before sending). */
  readonly sandboxStatus?: number;
  readonly layer?: AnsweringLayer;
  /** The scenario that answered, when `layer` is scenario. */
  readonly scenario?: string;
  /** Every finding, noise (made-up values) included; renderers fold noise into a count. */
  readonly findings: readonly FidelityFinding[];
  /** When `could-not-check`. Detail is secret-free and names the earlier step when relevant. */
  readonly uncheckable?: { readonly reason: UncheckableReason; readonly detail: string };
  /**
   * When `not-modelled`: what answered instead and what would make it modelled, e.g.
   * "answered by the spec's example: widgets/{id}/archive is not a route of the model".
   */
  readonly note?: string;
}

/** A webhook sample of a flow (issue 15) compared with an event the sandbox emitted. */
export const WEBHOOK_OUTCOMES = [
  'reproduced',
  'differs',
  'not-emitted',
  'could-not-check',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export interface WebhookResult {
  readonly flow: string;
  /** Index of the sample in the cassette's `webhooks`. */
  readonly index: number;
  /** The event type of the sample (`customer.created`). */
  readonly type: string;
  readonly outcome: WebhookOutcome;
  readonly severity?: 'breaking' | 'non-breaking';
  /** The sandbox event compared with (its id), when one of the type was emitted. */
  readonly event?: string;
  readonly findings: readonly FidelityFinding[];
  readonly detail?: string;
}

/** Counts of step outcomes, with the score and coverage derived from them. */
export interface FidelityCounts {
  readonly steps: number;
  readonly reproduced: number;
  readonly differs: number;
  readonly breaking: number; // of `differs`, the steps whose highest severity is breaking
  readonly notModelled: number;
  readonly couldNotCheck: number;
  /**
   * reproduced ÷ (reproduced + differs), 0..1, rounded to 4 places; absent when nothing was
   * compared (never 1 for a flow the model did not answer at all).
   */
  readonly score?: number;
  /** (reproduced + differs) ÷ steps: how much of the recorded surface the state model answered. */
  readonly coverage: number;
}

/** One row per flow, resource type or operation. */
export interface FidelityGroup extends FidelityCounts {
  /** The flow name, the resource type (`(not modelled)` for none), or the operation. */
  readonly name: string;
}

/**
 * The verdict, worst first: `breaking` (some step differs in a breaking way), `non-breaking`,
 * `faithful` (every compared step reproduced), `unchecked` (nothing could be compared: the
 * model answered no step). Never `faithful` for a check that compared nothing.
 */
export const FIDELITY_VERDICTS = ['breaking', 'non-breaking', 'faithful', 'unchecked'] as const;
export type FidelityVerdict = (typeof FIDELITY_VERDICTS)[number];

/** What the check ran against: the sandbox as `tapedeck sandbox` would compose it. */
export interface FidelitySubject {
  /** The profile name (`stripe`) and, for a file, its shown path. */
  readonly profile: string;
  /** The spec's file name, when there is one. */
  readonly spec?: string;
  /** The cassettes directory, as shown (relative to the working directory when inside it). */
  readonly cassettes: string;
  /** sha256 of the spec (every file it reads) and of each cassette: which versions were checked. */
  readonly versions: Readonly<Record<string, string>>;
}

/** The whole report. Its JSON form is schemas/fidelity-report.schema.json (version 1). */
export interface FidelityReport {
  readonly version: 1;
  readonly subject: FidelitySubject;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly verdict: FidelityVerdict;
  readonly totals: FidelityCounts;
  /** Per flow (cassette), by name. */
  readonly flows: readonly FidelityGroup[];
  /** Per resource type, by name; steps no modelled route matches under `(not modelled)`. */
  readonly resources: readonly FidelityGroup[];
  /** Per operation, by name. */
  readonly operations: readonly FidelityGroup[];
  /** Every step, by flow then index. */
  readonly steps: readonly StepResult[];
  /** Every webhook sample of the flows, by flow then index; empty when the cassettes hold none. */
  readonly webhooks: readonly WebhookResult[];
}

/** The resource group of steps no modelled route matches. */
export const NOT_MODELLED_GROUP = '(not modelled)';
