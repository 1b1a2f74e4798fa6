/**
 * The programmatic entry points that src/index.ts publishes. Each resolves configuration as the
 * CLI does (defaults, then the config file, then `TAPEDECK_*` variables, then `options.config` in
 * place of flags; validated once) and then runs the same composition as its command, so a test
 * suite that starts replay from code gets what `tapedeck replay` would serve.
 *
 * The signatures name public data types only: what the servers are built from may change
 * without these changing.
 */
import { PLAIN } from '../../core/render/text.js';
import { resolve } from 'node:path';
import { TapedeckError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/index.js';
import {
  leaves,
  resolveConfig,
  type FlagValue,
  type ResolvedConfig,
  type TapedeckConfig,
} from '../config/config.js';
import type { DriftRun } from '../drift/run.js';
import type { MockSummary } from '../mock/stats.js';
import type { ServerSummary } from '../../core/render/summary.js';
import type { RedactReport } from '../redaction/redact.js';
import type { ServerKind } from '../replay/server.js';
import { makeLogger } from './common.js';
import { composeServer } from './compose.js';
import { composeRedact, composeVerify, type VerifyOutcome } from './verify.js';

/** Settings in the config file's shape, every key optional: what the CLI's flags would set. */
export type ConfigOverrides = DeepPartial<TapedeckConfig>;

type DeepPartial<T> = {
  readonly [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};

/** What every entry point takes. */
export interface TapedeckOptions {
  /**
   * The working directory: `tapedeck.config.json` is looked for here and in the folders above,
   * relative paths resolve against it, and messages name files relative to it.
   * Default: `process.cwd()`.
   */
  readonly cwd?: string;
  /** A config file to read instead of looking for one (as `--config FILE`). */
  readonly configFile?: string;
  /**
   * The environment: `TAPEDECK_*` overrides and the pseudonymization key variable are read from
   * it. Default: `process.env`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Settings over the file and the environment, as flags are (e.g. `{ server: { port: 0 } }`). */
  readonly config?: ConfigOverrides;
  /** Where log lines go (level and format from the config). Default: `process.stderr`. */
  readonly logTo?: { write(text: string): unknown };
}

/** A server that is listening. */
export interface RunningServer<Summary> {
  /** `http://HOST:PORT`, with the port actually bound (for `port: 0`). */
  readonly url: string;
  /** The summary so far, as `GET /__tapedeck/summary` would give it. */
  summary(): Summary;
  /**
   * Stops accepting, finishes in-flight requests (and, when recording, cassette writes), closes
   * the stores, and resolves with the final summary. Calling it again gives the same summary.
   */
  stop(): Promise<Summary>;
}

interface Prepared {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly config: TapedeckConfig;
  readonly logger: Logger;
}

/** The overrides as the flag values `resolveConfig` takes, named `config.a.b` in errors. */
function overrideFlags(overrides: ConfigOverrides | undefined): FlagValue[] {
  if (overrides === undefined) return [];
  return leaves(overrides)
    .filter(([pointer, value]) => pointer !== '' && value !== undefined)
    .map(([pointer, value]) => ({
      pointer,
      value,
      flag: `config${pointer.replaceAll('/', '.')}`,
    }));
}

/**
 * Resolves configuration as the CLI does, with `options.config` in place of flags. Throws
 * TD_CONFIG_INVALID (naming the setting and where it came from) or TD_CONFIG_NOT_FOUND.
 */
export function loadConfig(options: TapedeckOptions = {}): ResolvedConfig {
  return resolveConfig({
    cwd: resolve(options.cwd ?? process.cwd()),
    env: options.env ?? process.env,
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    flags: overrideFlags(options.config),
  });
}

function prepare(options: TapedeckOptions): Prepared {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const { config } = loadConfig({ ...options, cwd, env });
  const { logger } = makeLogger(config, {
    stdout: process.stdout,
    stderr: options.logTo ?? process.stderr,
    env,
  });
  return { cwd, env, config, logger };
}

/** `replay --strict`'s verdict on a final summary: the error to raise, if any request missed. */
export function strictMisses(
  config: TapedeckConfig,
  summary: ServerSummary,
): TapedeckError | undefined {
  if (!config.replay.strict || summary.misses.length === 0) return undefined;
  return new TapedeckError(
    'TD_STRICT_MISSES',
    `replay --strict: ${summary.misses.reduce((n, m) => n + m.count, 0)} request(s) missed.`,
    { details: { misses: summary.misses } },
  );
}

/**
 * Listens, or stops what was built when it cannot (TD_LISTEN_FAILED): the caller gets no handle
 * to close the state store or the upstream pool with.
 */
async function listenOrStop(server: {
  listen(): Promise<string>;
  stop(): Promise<unknown>;
}): Promise<string> {
  try {
    return await server.listen();
  } catch (error) {
    // The listen failure is what the caller must see; a failure while cleaning up is not.
    await server.stop().catch(() => undefined);
    throw error;
  }
}

async function startServer(
  kind: ServerKind,
  options: TapedeckOptions,
): Promise<RunningServer<ServerSummary>> {
  const { config, logger, env } = prepare(options);
  const server = await composeServer(kind, config, logger, env);
  const url = await listenOrStop(server);
  return {
    url,
    summary: () => server.summary(),
    async stop() {
      const summary = await server.stop();
      const strict = kind === 'replay' ? strictMisses(config, summary) : undefined;
      if (strict !== undefined) throw strict;
      return summary;
    },
  };
}

/**
 * `tapedeck replay`: serves the cassettes. With `config.replay.strict`, `stop()` rejects with
 * TD_STRICT_MISSES when any request missed (the misses are in the error's `details`).
 */
export function startReplay(options: TapedeckOptions = {}): Promise<RunningServer<ServerSummary>> {
  return startServer('replay', options);
}

/** `tapedeck record`: a redacting reverse proxy to `config.upstream.target`, writing cassettes. */
export function startRecord(options: TapedeckOptions = {}): Promise<RunningServer<ServerSummary>> {
  return startServer('record', options);
}

export interface MockOptions extends TapedeckOptions {
  /** The OpenAPI/Swagger description or GraphQL schema (`.graphql`, `.gql`) to serve. */
  readonly spec: string;
  /** Reload when the spec or a file it references changes (as `--watch`). */
  readonly watch?: boolean;
}

/** `tapedeck mock SPEC`: the spec served on its own. */
export async function startMock(options: MockOptions): Promise<RunningServer<MockSummary>> {
  const { cwd, config, logger } = prepare(options);
  // swagger-parser, ajv's 2020 dialect and graphql load only here, as in the CLI.
  const { composeMockServer } = await import('./spec.js');
  const server = await composeMockServer(resolve(cwd, options.spec), config, logger, {
    watch: options.watch === true,
  });
  const url = await listenOrStop(server);
  return { url, summary: () => server.summary(), stop: () => server.stop() };
}

export interface VerifyOptions extends TapedeckOptions {
  /** Also check every interaction against this OpenAPI/Swagger spec, and report coverage. */
  readonly spec?: string;
}

/**
 * `tapedeck verify`: every cassette checked against the format and scanned for secrets (and
 * against `spec`). Problems are data in the outcome; nothing is thrown for them.
 */
export function verifyCassettes(options: VerifyOptions = {}): Promise<VerifyOutcome> {
  const { cwd, config } = prepare(options);
  return composeVerify(config, cwd, options.spec);
}

export interface RedactOptions extends TapedeckOptions {
  /** Report what would change without writing. */
  readonly dryRun?: boolean;
}

/** `tapedeck redact`: the current rules and key over every cassette, rewriting what changes. */
export function redactCassettes(options: RedactOptions = {}): Promise<RedactReport> {
  const { cwd, env, config, logger } = prepare(options);
  return composeRedact(config, env, logger, { dryRun: options.dryRun === true, cwd });
}

export interface DriftOptions extends TapedeckOptions {
  /** Re-record drifted interactions (redacted, atomically), as `--update`. */
  readonly update?: boolean;
  /** Only these cassettes (as `--cassette NAME`, repeated). */
  readonly only?: readonly string[];
  /** Also say which side violates this OpenAPI spec. */
  readonly spec?: string;
  /** Write the Markdown report here (as `--out FILE`). */
  readonly out?: string;
  /** Write the JSON report here (as `--json FILE`). */
  readonly json?: string;
}

export interface DriftOutcome extends DriftRun {
  /** Files written (`out`, `json`). */
  readonly written: readonly string[];
  /** Whether the report fails at `config.drift.failOn` (the CLI's exit 1). */
  readonly fails: boolean;
}

/**
 * `tapedeck drift`: re-sends the recorded requests to the live target and reports what differs.
 * Drift is data in the outcome (`report.verdict`, `fails`), not an error.
 */
export async function runDrift(options: DriftOptions = {}): Promise<DriftOutcome> {
  const { cwd, env, config, logger } = prepare(options);
  // undici and json-diff-ts load only here, as in the CLI; the same use case as `tapedeck drift`.
  const { driftCommand, driftFails } = await import('./drift.js');
  const { run, written } = await driftCommand(config, env, logger, {
    failOn: config.drift.failOn,
    update: options.update === true,
    style: PLAIN,
    ...(options.only === undefined ? {} : { only: options.only }),
    ...(options.spec === undefined ? {} : { spec: resolve(cwd, options.spec) }),
    ...(options.out === undefined ? {} : { out: resolve(cwd, options.out) }),
    ...(options.json === undefined ? {} : { json: resolve(cwd, options.json) }),
  });
  return { ...run, written, fails: driftFails(run.report, config.drift.failOn) };
}
