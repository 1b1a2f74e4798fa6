/**
 * The shapes of the drift job: what it needs (ports), what it is asked (options), what it
 * reports while running and what it returns.
 */
import type { ForwardedHeaders } from '../../core/http/forwarded.js';
import type { Interaction, RecordedRequest, RecordedResponse } from '../../core/cassette/model.js';
import type { DriftReport, InteractionDrift } from '../../core/drift/model.js';
import type { LiveCredentials } from '../../core/drift/flows.js';
import type {
  BodyCodec,
  CassetteStore,
  Clock,
  Logger,
  DriftHistoryStore,
  Upstream,
} from '../../core/ports/index.js';
import type { RedactionSetup } from '../redaction/setup.js';
import type { TapedeckConfig } from '../config/config.js';

export interface DriftDeps {
  readonly store: CassetteStore;
  /** Bound to the target origin; never follows redirects. */
  readonly upstream: Upstream;
  readonly codec: BodyCodec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redaction: RedactionSetup;
  /** Drift history; without it every finding counts as new. */
  readonly history?: DriftHistoryStore;
  /** Checks a response against the OpenAPI spec (`--spec`); absent without one. */
  readonly spec?: SpecCheck;
  /** Waits between retries (tests pass a fast one). */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** Violations of the spec by one response to one request: JSON pointer and message. */
export type SpecCheck = (
  request: RecordedRequest,
  response: RecordedResponse,
) => { readonly pointer: string; readonly message: string }[];

export interface DriftOptions {
  /** The origin (and base path) checked, as shown in the report. */
  readonly target: string;
  readonly concurrency: number;
  readonly retries: number;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Send safe requests twice and learn what differs as noise. */
  readonly learn: boolean;
  /** JSON paths pinned as noise everywhere, and per cassette. */
  readonly ignore: readonly string[];
  readonly ignorePerCassette: TapedeckConfig['drift']['ignorePerCassette'];
  /** Response headers compared besides the built-in list. */
  readonly headers: readonly string[];
  /** Real credentials by request header name; registered as secrets before anything is sent. */
  readonly credentials: LiveCredentials;
  /**
   * `upstream.forwardedHeaders`: the same fixed values `record` adds, so drift sends exactly
   * what the recorder sent (none by default).
   */
  readonly forwarded?: ForwardedHeaders;
  /** Re-record drifted interactions. */
  readonly update: boolean;
  /** Only these cassettes (all when absent). */
  readonly only?: readonly string[];
  readonly onProgress?: (progress: DriftProgress) => void;
}

export interface DriftProgress {
  readonly done: number;
  readonly total: number;
  readonly cassette: string;
}

export interface UpdatedInteraction {
  readonly cassette: string;
  readonly index: number;
  readonly method: string;
  readonly target: string;
}

export interface DriftRun {
  readonly report: DriftReport;
  /** Interactions re-recorded by `update`. */
  readonly updated: readonly UpdatedInteraction[];
  /** Drifted interactions `update` did not write, and why (secret-free). */
  readonly notUpdated: readonly (UpdatedInteraction & { readonly why: string })[];
}

/** One checked interaction of a cassette. */
export interface Checked {
  readonly drift: InteractionDrift;
  /** The redacted live interaction, for --update (only when it passed the scanner). */
  readonly replacement?: Interaction;
  /** Why a drifted interaction has no replacement (secret-free). */
  readonly notReplaced?: string;
}

export interface CheckedStep extends Checked {
  /** The interaction as it was recorded, to find it again when writing updates. */
  readonly original: Interaction;
}
