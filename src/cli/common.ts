import { InvalidArgumentError, type Command } from 'commander';
import { resolveConfig, type FlagValue, type ResolvedConfig } from '../app/config/config.js';
import type { Io } from '../app/compose/compose.js';
import { TapedeckError, type ErrorCode } from '../core/errors.js';

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** verify found problems; replay --strict saw misses. */
  failed: 1,
  /** Bad flags, config, or target. */
  usage: 2,
  /** Cassettes that cannot be loaded. */
  cassettes: 3,
  /** The network, the disk or the state store failed. */
  io: 4,
  /** A bug in tapedeck. */
  internal: 70,
  /** Interrupted twice: stopped without draining. */
  interrupted: 130,
} as const;

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  TD_USAGE: EXIT.usage,
  TD_CONFIG_INVALID: EXIT.usage,
  TD_CONFIG_NOT_FOUND: EXIT.usage,
  TD_TARGET_INVALID: EXIT.usage,
  TD_CASSETTE_NAME_INVALID: EXIT.usage,
  TD_BAD_REQUEST: EXIT.usage,
  TD_CASSETTE_INVALID: EXIT.cassettes,
  TD_CASSETTE_VERSION: EXIT.cassettes,
  TD_CASSETTES_DIR_MISSING: EXIT.cassettes,
  TD_MISS_STATUS_CONFLICT: EXIT.cassettes,
  TD_CASSETTE_WRITE_FAILED: EXIT.io,
  TD_UPSTREAM_UNREACHABLE: EXIT.io,
  TD_UPSTREAM_TIMEOUT: EXIT.io,
  TD_LISTEN_FAILED: EXIT.io,
  TD_STATE_STORE_FAILED: EXIT.io,
  TD_STATE_SCHEMA_NEWER: EXIT.io,
  TD_BODY_TOO_LARGE: EXIT.io,
  TD_NO_MATCH: EXIT.failed,
  TD_STRICT_MISSES: EXIT.failed,
  TD_VERIFY_FAILED: EXIT.failed,
  TD_RULES_INVALID: EXIT.usage,
  TD_RULE_UNSAFE_REGEX: EXIT.usage,
  TD_REDACTION_KEY_INVALID: EXIT.usage,
  TD_SECRET_DETECTED: EXIT.failed,
  TD_DRIFT_FOUND: EXIT.failed,
  TD_DRIFT_UNCHECKED: EXIT.io,
  TD_GITHUB_FAILED: EXIT.io,
  TD_SPEC_INVALID: EXIT.usage,
  TD_HAR_INVALID: EXIT.usage,
  TD_TENANT_NOT_FOUND: EXIT.usage,
  TD_PROFILE_INVALID: EXIT.usage,
  TD_WEBHOOK_NOT_FOUND: EXIT.usage,
  TD_TRIGGER_FAILED: EXIT.failed,
  TD_SCENARIO_INVALID: EXIT.usage,
  TD_WEBHOOK_REFUSED: EXIT.usage,
  TD_READINESS_CRITERIA_INVALID: EXIT.usage,
  TD_INTERNAL: EXIT.internal,
};

export function exitCodeFor(error: unknown): number {
  return error instanceof TapedeckError ? EXIT_BY_CODE[error.code] : EXIT.internal;
}

/** The exit code of an outcome that has a code but needs no message (the report said it). */
export function exitCodeOf(code: ErrorCode): number {
  return EXIT_BY_CODE[code];
}

/**
 * How a command ends on a TapedeckError, thrown or returned as an outcome: the message, the next
 * step and the code on stderr, and the exit code from the one map above.
 */
export function failWith(
  cli: { readonly io: Pick<Io, 'stderr'>; exitCode: number },
  error: TapedeckError,
): void {
  cli.io.stderr.write(`tapedeck: ${error.describe()}\n[${error.code}]\n`);
  cli.exitCode = exitCodeFor(error);
}

/** Options every command shares. */
export interface GlobalOptions {
  readonly config?: string;
  readonly logLevel?: string;
  readonly logFormat?: string;
}

/** Collects flag values with the JSON pointer they override and the flag's name, for errors. */
export class FlagSet {
  readonly values: FlagValue[] = [];
  set(pointer: string, value: unknown, flag: string): this {
    if (value !== undefined) this.values.push({ pointer, value, flag });
    return this;
  }
}

export function loadConfig(
  io: Io,
  cwd: string,
  global: GlobalOptions,
  flags: FlagSet,
): ResolvedConfig {
  flags
    .set('/log/level', global.logLevel, '--log-level')
    .set('/log/format', global.logFormat, '--log-format');
  return resolveConfig({
    cwd,
    env: io.env,
    ...(global.config === undefined ? {} : { configFile: global.config }),
    flags: flags.values,
  });
}

export function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free port).');
  }
  return Number(value);
}

/** `a, b or c` (`a, b, or c` with the serial comma): closed sets named in help and errors. */
export function wordList(items: readonly string[], serialComma = false): string {
  if (items.length < 2) return items.join('');
  return `${items.slice(0, -1).join(', ')}${serialComma ? ',' : ''} or ${items.at(-1)!}`;
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`must be one of: ${choices.join(', ')}.`);
    }
    return value as T;
  };
}

export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}
