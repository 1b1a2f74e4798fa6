import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeBodyCodec } from '../adapters/body-codec.js';
import { FsCassetteStore } from '../adapters/fs-cassette-store.js';
import { closeGracefully, createHttpServer, listen } from '../adapters/http-server.js';
import { shownPath } from '../adapters/paths.js';
import { loadSpecFile, watchFiles } from '../adapters/spec-loader.js';
import { SqliteStateStore } from '../adapters/sqlite-state-store.js';
import { CompiledSpec } from '../core/mock/compiled.js';
import { isGraphqlSchemaFile, loadGraphqlMock } from './graphql-mock.js';
import {
  buildMockServer,
  openApiEngine,
  SpecMock,
  type MockEngine,
  type MockServer,
  type MockStats,
} from './mock.js';
import { colourWanted, makeStyle, StreamLogger, systemClock } from '../adapters/system.js';
import type { CassetteStore, Logger } from '../core/ports.js';
import { TapedeckError } from '../core/errors.js';
import { loadRedaction, type RedactionSetup } from './redaction.js';
import type { Style } from '../core/render/text.js';
import type { TapedeckConfig } from './config.js';
import { buildServer, type ServerKind, type TapedeckServer } from './server.js';
import { checkTarget } from './target.js';

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
    ? new (await import('../adapters/undici-upstream.js')).UndiciUpstream({
        target: target.href,
        timeoutMs: config.upstream.timeoutMs,
      })
    : undefined;
  // The spec loads before the state store opens, so a broken spec fails with nothing to close.
  const spec =
    kind === 'replay' && config.replay.spec !== undefined
      ? new SpecMock(await loadCompiledSpec(config.replay.spec), {
          seed: config.mock.seed,
          security: config.mock.security,
          validateRequests: config.mock.validateRequests,
          codec: new NodeBodyCodec(),
        })
      : undefined;
  const state = new SqliteStateStore(join(config.stateDir, 'state.db'));
  try {
    return await buildServer(kind, config, {
      ...(spec === undefined ? {} : { spec }),
      store: cassetteStore(config.cassettes, kind === 'replay'),
      codec: new NodeBodyCodec(),
      clock: systemClock,
      logger,
      state,
      upstream,
      redaction,
      host: (handler) => {
        const server = createHttpServer(handler, { maxBodyBytes: config.maxBodyBytes, logger });
        return {
          listen: (host, port) => listen(server, host, port),
          close: () => closeGracefully(server),
        };
      },
    });
  } catch (error) {
    state.close();
    await upstream?.close();
    throw error;
  }
}

/** Loads, bundles and compiles an OpenAPI/Swagger spec (TD_SPEC_INVALID names file + pointer). */
export async function loadCompiledSpec(file: string): Promise<CompiledSpec> {
  const loaded = await loadSpecFile(file);
  try {
    return new CompiledSpec(loaded);
  } catch (error) {
    throw new TapedeckError(
      'TD_SPEC_INVALID',
      `Spec ${shownPath(loaded.file)} cannot be used: ${(error as Error).message}`,
      { cause: error, details: { file: shownPath(loaded.file) } },
    );
  }
}

export interface MockServeOptions {
  readonly watch: boolean;
}

/**
 * `tapedeck mock SPEC`: an OpenAPI/Swagger spec, or a GraphQL schema (`.graphql`, `.gql`),
 * served on its own, with `--watch` reloading it when a file changes.
 */
export async function composeMockServer(
  file: string,
  config: TapedeckConfig,
  logger: Logger,
  options: MockServeOptions,
): Promise<MockServer> {
  const absolute = resolve(file);
  const graphql = isGraphqlSchemaFile(absolute);
  const codec = new NodeBodyCodec();
  const load = async (stats: MockStats): Promise<MockEngine> => {
    if (graphql) {
      const mock = await loadGraphqlMock(absolute, { seed: config.mock.seed });
      return {
        description: 'GraphQL schema',
        files: [absolute],
        handle: (incoming) => mock.handle(incoming),
      };
    }
    return openApiEngine(
      await loadCompiledSpec(absolute),
      {
        seed: config.mock.seed,
        security: config.mock.security,
        validateRequests: config.mock.validateRequests,
        codec,
      },
      stats,
    );
  };
  return buildMockServer({
    load,
    ...(options.watch ? { watch: (files, onChange) => watchFiles(files, onChange) } : {}),
    host: (handler) => {
      const server = createHttpServer(handler, { maxBodyBytes: config.maxBodyBytes, logger });
      return {
        listen: (host, port) => listen(server, host, port),
        close: () => closeGracefully(server),
      };
    },
    logger,
    address: config.server,
  });
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
