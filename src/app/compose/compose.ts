import { existsSync } from 'node:fs';
import { NodeBodyCodec } from '../../adapters/http/body-codec.js';
import { FsCassetteStore } from '../../adapters/cassettes/fs-cassette-store.js';
import { closeGracefully, createHttpServer, listen } from '../../adapters/http/node-server.js';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import {
  colourWanted,
  makeStyle,
  StreamLogger,
  systemClock,
} from '../../adapters/system/system.js';
import { systemScheduler } from '../../adapters/system/scheduler.js';
import type { CassetteStore, Logger, RequestHandler } from '../../core/ports/index.js';
import { TapedeckError } from '../../core/errors.js';
import { loadRedaction, type RedactionSetup } from '../redaction/setup.js';
import type { Style } from '../../core/render/text.js';
import type { TapedeckConfig } from '../config/config.js';
import { buildServer, type ServerKind, type TapedeckServer } from '../replay/server.js';
import { checkTarget } from '../record/target.js';
import { Journal } from '../journal/journal.js';

/**
 * The composition root: the only place that constructs adapters. Everything else receives
 * them through ports.
 */
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

/**
 * Builds a record or replay server from config. Rule files and the key load first, so a bad
 * rule stops everything before a socket opens. `env` supplies the pseudonymization key.
 */
export async function composeServer(
  kind: ServerKind,
  config: TapedeckConfig,
  logger: Logger,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<TapedeckServer> {
  const records = kind === 'record' || config.replay.onMiss === 'record';
  return composeServerWith(kind, config, logger, loadRedaction(config, env, logger, records));
}

/**
 * The same, with the redaction setup given: for embedding tapedeck, and for the benchmark that
 * measures recording with redaction switched off. Nothing in the CLI passes anything but the
 * loaded rules.
 */
export async function composeServerWith(
  kind: ServerKind,
  config: TapedeckConfig,
  logger: Logger,
  redaction: RedactionSetup,
): Promise<TapedeckServer> {
  const needsUpstream = kind === 'record' || config.replay.onMiss !== 'error';
  const target = needsUpstream
    ? checkTarget(
        config.upstream.target,
        config,
        kind === 'record' ? 'record' : `replay --on-miss ${config.replay.onMiss}`,
      )
    : undefined;
  // undici loads only when something goes upstream: a plain replay starts faster without it.
  const upstream = target
    ? new (await import('../../adapters/http/undici-upstream.js')).UndiciUpstream({
        target: target.href,
        timeoutMs: config.upstream.timeoutMs,
      })
    : undefined;
  // The spec loads before the state store opens, so a broken spec fails with nothing to close.
  // swagger-parser and ajv load only with --spec: a plain replay starts faster without them.
  const spec =
    kind === 'replay' && config.replay.spec !== undefined
      ? await (await import('./spec.js')).loadSpecMock(config.replay.spec, config)
      : undefined;
  const state = openSqliteState(config.stateDir);
  const journal = new Journal(state.journal, {
    onWriteError: (error) =>
      logger.log('error', 'journal.write_failed', (error as Error).message, {
        code: 'TD_STATE_STORE_FAILED',
      }),
  });
  try {
    return await buildServer(kind, config, {
      ...(spec === undefined ? {} : { spec }),
      store: cassetteStore(config.cassettes, kind === 'replay'),
      codec: new NodeBodyCodec(),
      clock: systemClock,
      scheduler: systemScheduler,
      logger,
      state,
      journal,
      upstream,
      redaction,
      host: nodeHost(config, logger),
    });
  } catch (error) {
    await journal.close();
    await state.close();
    await upstream?.close();
    throw error;
  }
}

/** A node:http server around a handler: the host every tapedeck server runs in. */
export function nodeHost(config: TapedeckConfig, logger: Logger) {
  return (handler: RequestHandler) => {
    const server = createHttpServer(handler, { maxBodyBytes: config.maxBodyBytes, logger });
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
