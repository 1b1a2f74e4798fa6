/**
 * The adapters every composition shares: the node:http host, the cassette store, the logger and
 * the redaction I/O. Apart from compose.ts so that compose.ts, spec.ts and drift.ts each import
 * this file instead of one another.
 */
import { existsSync } from 'node:fs';
import { FsCassetteStore } from '../../adapters/cassettes/fs-cassette-store.js';
import { closeGracefully, createHttpServer, listen } from '../../adapters/http/node-server.js';
import {
  hmacHash,
  loadRedactionKey,
  loadRuleFiles,
} from '../../adapters/redaction/redaction-io.js';
import {
  colourWanted,
  makeStyle,
  StreamLogger,
  systemClock,
} from '../../adapters/system/system.js';
import { TapedeckError } from '../../core/errors.js';
import type { CassetteStore, Logger, RequestHandler } from '../../core/ports/index.js';
import type { Style } from '../../core/render/text.js';
import type { TapedeckConfig } from '../config/config.js';
import {
  loadRedaction as loadRedactionWith,
  loadRules as loadRulesWith,
  type RedactionIo,
  type RedactionSetup,
  type RulesSetup,
} from '../redaction/setup.js';

/** The process's streams and environment, as the CLI (or an embedder) hands them in. */
export interface Io {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

export function makeLogger(config: TapedeckConfig, io: Io): { logger: Logger; style: Style } {
  const style = makeStyle(colourWanted(io.stderr, io.env));
  const logger = new StreamLogger({
    level: config.log.level,
    format: config.log.format,
    write: (line) => io.stderr.write(line),
    style,
    clock: systemClock,
  });
  return { logger, style };
}

/** A node:http server around a handler: the host every tapedeck server runs in. */
export function nodeHost(config: TapedeckConfig, logger: Logger) {
  return (handler: RequestHandler) => {
    const server = createHttpServer(handler, {
      maxBodyBytes: config.maxBodyBytes,
      logger,
      server: config.server,
    });
    return {
      listen: (host: string, port: number) => listen(server, host, port),
      close: () => closeGracefully(server),
    };
  };
}

/** The cassette store for a directory, failing clearly when the directory does not exist. */
export function cassetteStore(directory: string, mustExist: boolean): CassetteStore {
  if (mustExist && !existsSync(directory)) {
    throw new TapedeckError(
      'TD_CASSETTES_DIR_MISSING',
      `The cassettes directory ${directory} does not exist.`,
      {
        hint: 'Pass --cassettes DIR, set "cassettes" in tapedeck.config.json, or run `tapedeck init`.',
      },
    );
  }
  return new FsCassetteStore(directory);
}

/** Rule files from disk (recheck guarding every regex), the key from env or state dir, HMAC. */
export const redactionIo: RedactionIo = {
  loadRuleFiles: (directory) => loadRuleFiles(directory),
  loadKey: loadRedactionKey,
  hash: hmacHash,
};

/** The rule files and the disabled detectors (`verify`): fails closed on anything wrong. */
export function loadRules(config: TapedeckConfig): RulesSetup {
  return loadRulesWith(redactionIo, config);
}

/**
 * The redaction setup of record, replay, drift and `tapedeck redact`: rules, detectors and the
 * pseudonymization key. `writes`: pseudonyms will reach disk, so the key must last.
 */
export function loadRedaction(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  writes: boolean,
): RedactionSetup {
  return loadRedactionWith(redactionIo, config, env, logger, writes);
}
