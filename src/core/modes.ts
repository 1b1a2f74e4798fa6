/**
 * The closed sets of words the configuration and the CLI accept, each written once. Each array
 * is the source of its type, of the JSON Schema's `enum` (app/config/schema.ts, and so
 * schemas/config.schema.json) and of the CLI's `.choices()`: a new mode is one edit here.
 */
/** `record --mode`: `new` answers from the cassette when it can and records the rest. */
export const RECORD_MODES = ['new', 'all'] as const;
export type RecordMode = (typeof RECORD_MODES)[number];

/** `replay --on-miss`: explain the miss, forward it, or forward and record it. */
export const ON_MISS = ['error', 'passthrough', 'record'] as const;
export type OnMiss = (typeof ON_MISS)[number];

/** `drift --fail-on`: exit 1 on breaking drift, on any drift, or never. */
export const FAIL_ON = ['breaking', 'any', 'none'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** `--log-level`, lowest first; the logger port's `LogLevel` is this set. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** `--log-format`. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * `replay --latency`: `0` (none), `recorded`, or `xN` (N times the recorded latency). Not a
 * closed list (N is a number), so one pattern, used by the schema and the CLI alike.
 */
export const LATENCY_PATTERN = '^(0|recorded|x[0-9]+(\\.[0-9]+)?)$';
export const LATENCY_CHOICES = ['0', 'recorded', 'xN'] as const;
