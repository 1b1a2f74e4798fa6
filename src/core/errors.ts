/**
 * One error class with a closed set of stable codes. Callers match on `code`, never on message
 * text. Every code is listed in the README's error table (a test keeps the two in step).
 */
export const ERROR_CODES = {
  TD_USAGE: 'A command-line flag or argument is missing or malformed.',
  TD_CONFIG_INVALID: 'The configuration file or an environment override does not validate.',
  TD_CONFIG_NOT_FOUND: 'A configuration file named with --config does not exist.',
  TD_CASSETTE_INVALID: 'A cassette file is not valid JSON or does not match the cassette schema.',
  TD_CASSETTE_VERSION: 'A cassette was written by a newer tapedeck, or carries an unknown version.',
  TD_CASSETTE_NAME_INVALID:
    'A cassette name is empty, absolute, or escapes the cassettes directory.',
  TD_CASSETTE_WRITE_FAILED: 'A cassette could not be written atomically.',
  TD_CASSETTES_DIR_MISSING: 'The cassettes directory does not exist.',
  TD_NO_MATCH: 'Replay found no recorded interaction for a request.',
  TD_MISS_STATUS_CONFLICT: 'The status chosen for misses is also a status the API recorded.',
  TD_UPSTREAM_UNREACHABLE: 'The record or passthrough target could not be reached.',
  TD_UPSTREAM_TIMEOUT: 'The record or passthrough target did not answer in time.',
  TD_TARGET_INVALID: 'The upstream target URL is not an absolute http(s) URL.',
  TD_BODY_TOO_LARGE: 'A request or response body exceeds the configured capture limit.',
  TD_BAD_REQUEST: 'A request to tapedeck itself is malformed (bad header, bad admin call).',
  TD_LISTEN_FAILED: 'A server could not listen on the requested host and port.',
  TD_STATE_STORE_FAILED: 'The SQLite state store could not be opened or written.',
  TD_STATE_SCHEMA_NEWER:
    'The state store was written by a newer tapedeck: its schema version is above what this one knows.',
  TD_STRICT_MISSES: 'Replay ran with --strict and at least one request missed.',
  TD_VERIFY_FAILED: 'tapedeck verify found problems in the cassettes.',
  TD_RULES_INVALID:
    'A redaction rule file does not load: bad JSON, an unknown field, a missing name or path.',
  TD_RULE_UNSAFE_REGEX:
    'A redaction rule has a regular expression that can backtrack catastrophically.',
  TD_REDACTION_KEY_INVALID: 'The pseudonymization key is missing where required, or too short.',
  TD_SECRET_DETECTED: 'The secret scanner found a value that looks secret after redaction.',
  TD_DRIFT_FOUND:
    'tapedeck drift found drift at or above the --fail-on level (the report says what changed).',
  TD_DRIFT_UNCHECKED:
    'tapedeck drift could check none of the interactions: target down, rate limited, or all unsafe.',
  TD_GITHUB_FAILED:
    'The GitHub API refused or failed a call of --github (token, repository, PR or rate limit).',
  TD_SPEC_INVALID:
    'An OpenAPI or Swagger spec, or a GraphQL schema, does not load: bad YAML/JSON/SDL, a missing $ref, or not a valid description.',
  TD_HAR_INVALID:
    'A HAR file given to `tapedeck import har` is not valid JSON or lacks a HAR 1.2 member the import reads.',
  TD_TENANT_NOT_FOUND:
    'A sandbox tenant named on the command line or in an admin call does not exist (`tapedeck tenants list`).',
  TD_PROFILE_INVALID:
    'A sandbox API profile or provider seed file does not load: bad JSON, a schema violation (file + JSON pointer), or an unsafe pattern.',
  TD_WEBHOOK_NOT_FOUND:
    "A webhook endpoint or delivery id named on the command line or in an admin call is not the tenant's (`tapedeck webhooks list`).",
  TD_TRIGGER_FAILED:
    '`tapedeck trigger` did not make the event: no flow for it, a step refused, or only other events were emitted (listed).',
  TD_SCENARIO_INVALID:
    'A scenario catalogue (config, scenarios/*.json, a preset) does not load: a schema violation (file + JSON pointer), an unsafe regex, or a duplicate name.',
  TD_WEBHOOK_REFUSED:
    'A webhook endpoint URL is refused: not absolute http(s), credentials in it, or a host outside loopback and webhooks.allowedHosts.',
  TD_READINESS_CRITERIA_INVALID:
    'A readiness criteria file does not load: bad JSON, a schema violation (file + JSON pointer), an unknown kind, or an id used twice.',
  TD_INTERNAL: 'A bug in tapedeck: please report it with the log line that carries this code.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one base of every `application/problem+json` `type` tapedeck sends: a tapedeck error
 * (`…/errors/TD_NO_MATCH`) or a spec mock's verdict on a request (`…/errors/invalid-request`).
 */
export const PROBLEM_TYPE_BASE = 'https://tapedeck.dev/errors/';

export interface TapedeckErrorOptions {
  /** The underlying error, kept for logs; never rendered into a client-facing body. */
  readonly cause?: unknown;
  /** Structured context (file, JSON pointer, field); must never hold secret values. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** What the person should do next, rendered after the message. */
  readonly hint?: string;
}

export class TapedeckError extends Error {
  override readonly name = 'TapedeckError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: TapedeckErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }

  /** Message plus the next step, as shown to a person. */
  describe(): string {
    return this.hint === undefined ? this.message : `${this.message}\n${this.hint}`;
  }
}

export function isTapedeckError(value: unknown, code?: ErrorCode): value is TapedeckError {
  return value instanceof TapedeckError && (code === undefined || value.code === code);
}

/** Exhaustiveness guard for closed unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new TapedeckError('TD_INTERNAL', `Unexpected ${what}: ${JSON.stringify(value)}`);
}
