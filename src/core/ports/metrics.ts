/**
 * What the metrics endpoint counts (issue 16; docs/observability.md). The pipeline reports every
 * answer, and from its journal entry the miss, scenario and idempotent-replay counters; the
 * dispatcher counts webhook attempts. Labels are bounded sets (a route template, never a path; a
 * tenant only when the operator opted in): every call is synchronous and allocation-light, it
 * runs on the hot path.
 */
export interface MetricsSink {
  /** One answered request (OpenTelemetry's `http.server.request.duration`). */
  answered(answer: AnsweredRequest): void;
  /** One of tapedeck's own counters, by one. */
  count(counter: TapedeckCounter, label?: string): void;
}

export interface AnsweredRequest {
  /** Upper case; a method outside the registered set is counted as `_OTHER`. */
  readonly method: string;
  /** The route template, or undefined when nothing routed the request. */
  readonly route: string | undefined;
  readonly status: number;
  readonly layer: string;
  /** The tenant id: a label only when `metrics.tenantLabel` is on. */
  readonly tenant: string | undefined;
  readonly seconds: number;
}

/**
 * `miss` (no recording, spec or state answered), `scenario` (label: the scenario's name),
 * `webhook-attempt` (label: the attempt's outcome), `idempotent-replay` (a stored answer replayed).
 */
export type TapedeckCounter = 'miss' | 'scenario' | 'webhook-attempt' | 'idempotent-replay';

/** Counts nothing: servers without a metrics endpoint, and tests that do not look. */
export const NO_METRICS: MetricsSink = {
  answered() {},
  count() {},
};
