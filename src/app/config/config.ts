// Over 450 lines: the config's types, defaults and path/env resolution, one declaration each;
// the schema is in schema.ts.
import type { TriggerDecl } from '../../core/webhooks/types.js';
import { parseHostList } from '../../core/http/egress.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, parse, resolve } from 'node:path';
import { TapedeckError } from '../../core/errors.js';
import { parseJsonc } from '../../core/jsonc.js';
import { decodeUtf8 } from '../../core/utf8.js';
import { compileMatchConfig, type MatchOptions } from '../../core/matching/config.js';
import { compileValidator, describePointer } from '../../core/validation.js';
import type { ForwardedHeaders } from '../../core/http/forwarded.js';
import { FRONT_DOOR_DEFAULTS, type FrontDoorSettings } from '../../core/http/framing.js';
import type { LogLevel } from '../../core/ports/index.js';
import type { FailOn, LogFormat, OnMiss, RecordMode } from '../../core/modes.js';
import type { TenantQuotas } from '../../core/ports/tenants.js';
import type { RateLimitClass, ResourceOverride } from '../../core/sandbox/profile/types.js';
import type { ScenarioDecl } from '../../core/sandbox/scenarios/types.js';
import { configSchema } from './schema.js';

export const CONFIG_FILE_NAME = 'tapedeck.config.json';

// The closed sets live in core/modes.ts (one array each, feeding type, schema and CLI choices).
export type { FailOn, OnMiss, RecordMode } from '../../core/modes.js';

/** `tapedeck sandbox` (docs/sandbox.md): the stateful multi-tenant sandbox. */
export interface SandboxConfig {
  /** The OpenAPI/Swagger spec the model is inferred from (`--spec`); a path. */
  readonly spec?: string;
  /** `standard` | `stripe` | `github`, or a profile file (a path). */
  readonly profile: string;
  /** Named provider seed sets: name -> directory of JSON files (paths). */
  readonly seeds: Readonly<Record<string, string>>;
  /** The seed set of a tenant created without `--seed`: `recordings`, `empty` or a name above. */
  readonly defaultSeed: string;
  /** Corrections to the inferred model, by type name (same shape as a profile's overrides). */
  readonly resources: Readonly<Record<string, ResourceOverride>>;
  /** Routes never modelled (`GET /v1/customers/search`): left to cassettes, then the spec. */
  readonly notResources: readonly string[];
  /** The profile's idempotency retention, when set here. */
  readonly idempotency: { readonly retentionHours?: number };
  readonly tenants: { readonly idleDays: number; readonly keyOverlapHours: number };
  /** Per tenant, overridable per tenant. */
  readonly quotas: TenantQuotas;
  /** Scenarios declared in the config (issue 14), beside the files and the preset's. */
  readonly scenarios: readonly ScenarioDecl[];
  /** Directory of `*.json` scenario files (schemas/scenarios.schema.json); a path. */
  readonly scenariosDir: string;
  /** Whether the profile preset's scenarios (Stripe's test cards) are in the catalogue. */
  readonly presetScenarios: boolean;
  /** `off` (default), `profile` (the profile's production limits), or classes of one's own. */
  readonly rateLimits: 'off' | 'profile' | readonly RateLimitClass[];
}

export interface TapedeckConfig {
  readonly cassettes: string;
  readonly redactionRules: string;
  readonly stateDir: string;
  readonly maxBodyBytes: number;
  /** Where to listen, and the front door's limits and timeouts (core/http/framing.ts). */
  readonly server: FrontDoorSettings & { readonly host: string; readonly port: number };
  readonly upstream: {
    readonly target?: string;
    readonly timeoutMs: number;
    readonly allowedHosts: readonly string[];
    readonly forbiddenHosts: readonly string[];
    /** Fixed `X-Forwarded-*` values sent with every upstream request (record and drift); none by default. */
    readonly forwardedHeaders: ForwardedHeaders;
  };
  readonly record: {
    readonly cassette: string;
    readonly mode: RecordMode;
    /** `record --webhooks PORT`: staging's webhooks received, recorded redacted, forwarded (issue 15). */
    readonly webhooks: {
      readonly port?: number;
      /** The developer's endpoint the received webhooks are re-signed and forwarded to. */
      readonly forwardTo?: string;
      /** The environment variable holding staging's signing secret, to check what arrives. */
      readonly secretEnv?: string;
    };
  };
  readonly replay: {
    readonly onMiss: OnMiss;
    readonly missStatus: number;
    readonly latency: string;
    readonly strict: boolean;
    /** An OpenAPI/Swagger spec that answers what no cassette does (`--spec`). */
    readonly spec?: string;
  };
  /** The spec-driven mock (`tapedeck mock`, `replay --spec`). */
  readonly mock: {
    /** Seed of every generated value: the same request and seed give the same bytes. */
    readonly seed: string;
    /** Answer 401 when a documented API key or bearer token is missing. */
    readonly security: boolean;
    /** Answer 400/422 with every violation when a request breaks the spec. */
    readonly validateRequests: boolean;
  };
  readonly match: MatchOptions;
  readonly redaction: { readonly keyEnv: string; readonly disable: readonly string[] };
  readonly admin: { readonly token?: string };
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  readonly drift: {
    /** The live API to compare with; `upstream.target` when absent. */
    readonly target?: string;
    /** JSON paths (`$.data[*].updated_at`) never reported as drift, in every cassette. */
    readonly ignore: readonly string[];
    /** More such paths for one cassette each (a list: cassette names may hold `/`). */
    readonly ignorePerCassette: readonly {
      readonly cassette: string;
      readonly paths: readonly string[];
    }[];
    /** Response headers compared, besides the built-in list. */
    readonly headers: readonly string[];
    /** Request header name -> environment variable holding the real credential sent live. */
    readonly credentials: Readonly<Record<string, string>>;
    readonly concurrency: number;
    readonly retries: number;
    readonly timeoutMs: number;
    readonly failOn: FailOn;
    /** Send each safe request twice and class what differs between the answers as noise. */
    readonly learn: boolean;
  };
  readonly sandbox: SandboxConfig;
  /** The sandbox's webhook deliveries (issue 15; docs/webhooks.md). */
  readonly webhooks: WebhooksConfig;
  /** What the journal keeps across restarts (issue 16; docs/observability.md). */
  readonly journal: {
    readonly retentionDays: number;
    readonly maxEntriesPerTenant: number;
  };
  /** GET /__tapedeck/metrics (issue 16). */
  readonly metrics: { readonly tenantLabel: boolean };
  /** The readiness report (issue 16): the criteria file, else the defaults. */
  readonly readiness: { readonly criteria?: string };
}

export interface WebhooksConfig {
  /** Hosts deliveries may go to besides loopback (upstream.allowedHosts' entry syntax). */
  readonly allowedHosts: readonly string[];
  /** A delivery is a 2xx within this long, else it failed (Standard Webhooks: 15–30 s). */
  readonly timeoutMs: number;
  /** `sandbox` (6 attempts over about 2.6 h), `production` (Standard Webhooks' 10 over 75 h), or the waits between attempts (`["5s", "1m", "1h"]`). */
  readonly schedule: 'sandbox' | 'production' | readonly string[];
  /** ± this share of each wait, seeded (the same after a restart). */
  readonly jitter: number;
  readonly seed: string;
  /** An answer is read up to this many bytes, then the connection is closed. */
  readonly maxResponseBytes: number;
  /** How much of an answer the delivery log keeps (redacted). */
  readonly excerptBytes: number;
  /** The longest a Retry-After is honoured for. */
  readonly maxRetryAfterMs: number;
  /** Attempts in flight at once, per process. */
  readonly concurrency: number;
  /** How often work other processes queued (the CLI, another server) is looked for. */
  readonly pollMs: number;
  /** How long a rotated secret keeps signing beside the new one, on the tenant clock. */
  readonly rotationOverlapHours: number;
  /** Flows of `tapedeck trigger`, before the profile's (the same event: this one wins). */
  readonly triggers: readonly TriggerDecl[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Every default in one place. Paths are relative to the working directory. */
export const DEFAULTS: TapedeckConfig = deepFreeze({
  cassettes: 'cassettes',
  redactionRules: 'redaction-rules',
  stateDir: '.tapedeck',
  maxBodyBytes: 50 * 1024 * 1024,
  // The front door's limits and timeouts (docs/limits.md): core/http/framing.ts.
  server: { host: '127.0.0.1', port: 8080, ...FRONT_DOOR_DEFAULTS },
  upstream: { timeoutMs: 30_000, allowedHosts: [], forbiddenHosts: [], forwardedHeaders: {} },
  record: { cassette: 'default', mode: 'new', webhooks: {} },
  // 599 is no status a real API sends, so a miss can never pass for a recorded answer.
  replay: { onMiss: 'error', missStatus: 599, latency: '0', strict: false },
  match: { headers: [], ignoreQuery: [], ignoreBodyPaths: [] },
  redaction: { keyEnv: 'TAPEDECK_REDACTION_KEY', disable: [] },
  admin: {},
  log: { level: 'info', format: 'text' },
  mock: { seed: 'tapedeck', security: true, validateRequests: true },
  drift: {
    ignore: [],
    ignorePerCassette: [],
    headers: [],
    credentials: {},
    concurrency: 4,
    retries: 2,
    timeoutMs: 10_000,
    failOn: 'breaking',
    learn: true,
  },
  sandbox: {
    profile: 'standard',
    seeds: {},
    defaultSeed: 'recordings',
    resources: {},
    notResources: [],
    idempotency: {},
    tenants: { idleDays: 30, keyOverlapHours: 24 },
    quotas: { resources: 10_000, requestsPerDay: 100_000, bytes: 52_428_800 },
    scenarios: [],
    scenariosDir: 'scenarios',
    presetScenarios: true,
    rateLimits: 'off',
  },
  webhooks: {
    allowedHosts: [],
    timeoutMs: 15_000,
    schedule: 'sandbox',
    jitter: 0.1,
    seed: 'tapedeck',
    maxResponseBytes: 65_536,
    excerptBytes: 1_024,
    maxRetryAfterMs: 3_600_000,
    concurrency: 8,
    pollMs: 1_000,
    rotationOverlapHours: 24,
    triggers: [],
  },
  journal: { retentionDays: 30, maxEntriesPerTenant: 100_000 },
  metrics: { tenantLabel: false },
  readiness: {},
});

/** Config keys that hold paths: resolved against the config file's folder, or the cwd. */
const PATH_POINTERS = new Set([
  '/cassettes',
  '/redactionRules',
  '/stateDir',
  '/replay/spec',
  '/sandbox/spec',
  '/sandbox/profile',
  '/sandbox/scenariosDir',
  '/readiness/criteria',
]);

/** The built-in profiles: a `sandbox.profile` with one of these names is no path. */
export const PROFILE_PRESET_NAMES: readonly string[] = ['standard', 'stripe', 'github'];

/** Whether the value at `pointer` is a path to resolve: a preset name or an empty value is not. */
function isPathValue(pointer: string, value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  if (PATH_POINTERS.has(pointer))
    return pointer !== '/sandbox/profile' || !PROFILE_PRESET_NAMES.includes(value);
  // Provider seed sets are directories: `/sandbox/seeds/<name>`.
  return pointer.startsWith('/sandbox/seeds/');
}

type Kind = 'string' | 'integer' | 'boolean' | 'list';

/** An environment override of the config value at `pointer`, read as `kind`. */
const override = (pointer: string, kind: Kind = 'string') => ({ pointer, kind });

/** Environment overrides: variable -> JSON pointer into the config (text unless said). */
export const ENV_VARS: Readonly<Record<string, { pointer: string; kind: Kind }>> = {
  TAPEDECK_CASSETTES: override('/cassettes'),
  TAPEDECK_REDACTION_RULES: override('/redactionRules'),
  TAPEDECK_STATE_DIR: override('/stateDir'),
  TAPEDECK_HOST: override('/server/host'),
  TAPEDECK_PORT: override('/server/port', 'integer'),
  TAPEDECK_TARGET: override('/upstream/target'),
  TAPEDECK_RECORD_MODE: override('/record/mode'),
  TAPEDECK_ON_MISS: override('/replay/onMiss'),
  TAPEDECK_ADMIN_TOKEN: override('/admin/token'),
  TAPEDECK_LOG_LEVEL: override('/log/level'),
  TAPEDECK_LOG_FORMAT: override('/log/format'),
  TAPEDECK_DRIFT_TARGET: override('/drift/target'),
  TAPEDECK_SANDBOX_SPEC: override('/sandbox/spec'),
  TAPEDECK_SANDBOX_PROFILE: override('/sandbox/profile'),
  TAPEDECK_WEBHOOKS_ALLOWED_HOSTS: override('/webhooks/allowedHosts', 'list'),
};

/** One value from the command line: where it goes and which flag set it (for errors). */
export interface FlagValue {
  readonly pointer: string;
  readonly value: unknown;
  readonly flag: string;
}

export interface ConfigInputs {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--config FILE`, if given. */
  readonly configFile?: string;
  readonly flags: readonly FlagValue[];
}

export interface ResolvedConfig {
  readonly config: TapedeckConfig;
  /** The config file used, if any. */
  readonly file?: string;
  /** Where each set value came from, by JSON pointer: `default`, the file, `TAPEDECK_*` or a flag. */
  readonly sources: ReadonlyMap<string, string>;
}

const validateConfig = compileValidator<TapedeckConfig>(configSchema);

/** Finds tapedeck.config.json in `cwd` or the nearest folder above it. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir || dir === parse(dir).root) return undefined;
    dir = parent;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let bytes: Uint8Array;
  try {
    // A FIFO or device named tapedeck.config.json would block the read forever.
    if (!statSync(file).isFile()) {
      throw new TapedeckError('TD_CONFIG_INVALID', `Config file ${file} is not a regular file.`, {
        hint: 'Point --config at a JSON file (or remove what stands at that path).',
      });
    }
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof TapedeckError) throw error;
    throw new TapedeckError(
      'TD_CONFIG_NOT_FOUND',
      `Cannot read config file ${file}: ${(error as Error).message}.`,
      {
        cause: error,
        hint: 'Check the --config path, or run `tapedeck init` to create one.',
      },
    );
  }
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `Config file ${file} is not valid UTF-8: the byte at offset ${decoded.offset} cannot start or continue a character.`,
      {
        details: { file, byteOffset: decoded.offset },
        hint: 'Save the file as UTF-8 (or restore it from git).',
      },
    );
  }
  const parsed = parseJsonc(decoded.text);
  if (!parsed.ok) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `Config file ${file} is not valid JSON${parsed.where}: ${parsed.message}.`,
      {
        cause: parsed.cause,
        details: { file },
        hint: parsed.message.includes('appears twice')
          ? 'Keep one of the two: the file is read as written, never by guessing which one wins.'
          : 'Comments (// and /* */) are allowed; trailing commas are not.',
      },
    );
  }
  const doc = parsed.value;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new TapedeckError('TD_CONFIG_INVALID', `Config file ${file} must hold a JSON object.`, {
      details: { file },
    });
  }
  return doc as Record<string, unknown>;
}

function setPointer(target: Record<string, unknown>, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1);
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** Every leaf of a plain object as [pointer, value]; arrays are leaves. */
export function leaves(value: unknown, prefix = ''): [string, unknown][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, `${prefix}/${k}`));
}

function coerceEnv(name: string, raw: string, kind: Kind): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw new TapedeckError(
          'TD_CONFIG_INVALID',
          `Environment variable ${name}=${JSON.stringify(raw)} must be a whole number.`,
        );
      }
      return Number(raw);
    }
    case 'boolean':
      return raw === 'true' || raw === '1';
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
}

/**
 * The one place configuration is resolved: defaults, then the file, then `TAPEDECK_*`
 * environment variables, then flags; the result is validated once against the schema, and a
 * bad value is reported with the place it came from.
 */
export function resolveConfig(inputs: ConfigInputs): ResolvedConfig {
  const merged = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  const sources = new Map<string, string>();
  for (const [pointer] of leaves(DEFAULTS)) sources.set(pointer, 'default');

  const file =
    inputs.configFile !== undefined
      ? resolve(inputs.cwd, inputs.configFile)
      : findConfigFile(inputs.cwd);
  if (inputs.configFile !== undefined && !existsSync(file!)) {
    throw new TapedeckError('TD_CONFIG_NOT_FOUND', `Config file ${file!} does not exist.`, {
      hint: 'Check the --config path, or run `tapedeck init` to create one.',
    });
  }
  if (file !== undefined) {
    const doc = readConfigFile(file);
    const checked = validateConfig({ ...structuredClone(DEFAULTS), ...doc });
    const fileProblems = checked.ok ? [] : checked.problems;
    if (fileProblems.length > 0) {
      throw new TapedeckError(
        'TD_CONFIG_INVALID',
        `Config file ${file} is invalid:\n${fileProblems.map((p) => `  - ${describePointer(p.pointer)}: ${p.message}`).join('\n')}`,
        {
          details: { file, problems: fileProblems },
          hint: `The schema is schemas/config.schema.json; \`tapedeck init\` writes a commented example.`,
        },
      );
    }
    for (const [pointer, value] of leaves(doc)) {
      if (pointer === '/$schema') continue;
      setPointer(
        merged,
        pointer,
        isPathValue(pointer, value) ? resolve(dirname(file), value) : value,
      );
      sources.set(pointer, `${file}`);
    }
  }
  // An environment variable or a flag: a path relative to the working directory.
  const setFrom = (pointer: string, value: unknown, source: string) => {
    setPointer(merged, pointer, isPathValue(pointer, value) ? resolve(inputs.cwd, value) : value);
    sources.set(pointer, source);
  };
  for (const [name, { pointer, kind }] of Object.entries(ENV_VARS)) {
    const raw = inputs.env[name];
    if (raw === undefined || raw === '') continue;
    setFrom(pointer, coerceEnv(name, raw, kind), name);
  }
  for (const { pointer, value, flag } of inputs.flags) setFrom(pointer, value, flag);
  // Defaults are relative to the working directory (top-level keys; nested paths have none).
  for (const pointer of PATH_POINTERS) {
    const key = pointer.slice(1);
    const value = merged[key];
    if (typeof value === 'string' && !isAbsolute(value)) merged[key] = resolve(inputs.cwd, value);
  }

  const result = validateConfig(merged);
  if (!result.ok) {
    const lines = result.problems.map((p) => {
      const source = sourceOf(sources, p.pointer);
      return `  - ${source === undefined ? describePointer(p.pointer) : `${p.pointer} (from ${source})`}: ${p.message}`;
    });
    throw new TapedeckError('TD_CONFIG_INVALID', `Invalid configuration:\n${lines.join('\n')}`, {
      details: { problems: result.problems },
      hint: 'Fix the flag, environment variable or config file named above.',
    });
  }
  checkServerTimeouts(result.value.server, sources);
  // Compile once so bad JSON paths in "match" fail at startup, not on the first request.
  compileMatchConfig(result.value.match);
  // Host lists are read as canonical hosts; a bad entry is named by index (core/http/egress.ts).
  parseHostList(result.value.upstream.forbiddenHosts, 'upstream.forbiddenHosts');
  parseHostList(result.value.upstream.allowedHosts, 'upstream.allowedHosts');
  parseHostList(result.value.webhooks.allowedHosts, 'webhooks.allowedHosts');
  return { config: deepFreeze(result.value), ...(file === undefined ? {} : { file }), sources };
}

/**
 * The head of a request arrives before the rest of it: node refuses to start a server whose
 * headers timeout is longer than its request timeout, so say it here, naming both settings.
 */
function checkServerTimeouts(
  server: TapedeckConfig['server'],
  sources: ReadonlyMap<string, string>,
): void {
  if (server.headersTimeoutMs <= server.requestTimeoutMs) return;
  const from = (key: string) => sourceOf(sources, `/server/${key}`) ?? 'default';
  throw new TapedeckError(
    'TD_CONFIG_INVALID',
    `Invalid configuration: server.headersTimeoutMs (${server.headersTimeoutMs}, from ${from('headersTimeoutMs')}) is longer than server.requestTimeoutMs (${server.requestTimeoutMs}, from ${from('requestTimeoutMs')}).`,
    {
      details: { pointers: ['/server/headersTimeoutMs', '/server/requestTimeoutMs'] },
      hint: 'The head is part of the request: make server.headersTimeoutMs at most server.requestTimeoutMs.',
    },
  );
}

function sourceOf(sources: ReadonlyMap<string, string>, pointer: string): string | undefined {
  for (let p = pointer; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
    const source = sources.get(p);
    if (source !== undefined) return source;
  }
  return undefined;
}

/** The latency option: 0 (none), `recorded`, or `xN` (N times the recorded latency). */
export function latencyFactor(latency: string): number {
  if (latency === '0') return 0;
  if (latency === 'recorded') return 1;
  return Number(latency.slice(1));
}
