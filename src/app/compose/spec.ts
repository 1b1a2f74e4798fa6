import { resolve } from 'node:path';
import { NodeBodyCodec } from '../../adapters/http/body-codec.js';
import { shownPath } from '../../adapters/system/paths.js';
import { loadSpecFile, watchFiles } from '../../adapters/spec/spec-loader.js';
import { TapedeckError } from '../../core/errors.js';
import { CompiledSpec } from '../../core/mock/openapi/compiled.js';
import type { Logger } from '../../core/ports/index.js';
import { nodeHost } from './common.js';
import type { TapedeckConfig } from '../config/config.js';
import { JournalWindow } from '../journal/window.js';
import { systemClock } from '../../adapters/system/system.js';
import { SpecMock } from '../../core/mock/openapi/responder.js';
import { isGraphqlSchemaFile } from '../mock/graphql.js';
import { loadGraphqlMock } from './graphql.js';
import { graphqlEngine, openApiEngine, type MockEngine } from '../mock/engine.js';
import { buildMockServer, type MockServer } from '../mock/server.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { VERSION } from '../version.js';
import type { MockStats } from '../mock/stats.js';
import type { JournalReader, JournalSink } from '../pipeline/context.js';

/**
 * The composition root of the spec-driven parts (`mock`, `replay --spec`, `verify --spec`,
 * `drift --spec`). Apart from compose.ts so that swagger-parser, ajv's 2020 dialect and graphql
 * load only in the commands that use them.
 */

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

/**
 * The mock's journal: the latest answers in memory (a bounded window). The mock has no state
 * directory, so nothing is kept across restarts and `?kept=1` lists nothing.
 */
function mockJournal(): JournalSink & JournalReader {
  const window = new JournalWindow();
  return {
    record: (entry) => window.push(entry),
    recent: (limit) => window.latest(limit),
    kept: () => Promise.resolve([]),
  };
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
  const codec = new NodeBodyCodec({ maxDecodedBytes: config.maxBodyBytes });
  const load = async (stats: MockStats): Promise<MockEngine> => {
    if (graphql)
      return graphqlEngine(await loadGraphqlMock(absolute, { seed: config.mock.seed }), absolute);
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
    host: nodeHost(config, logger),
    logger,
    clock: systemClock,
    journal: mockJournal(),
    address: config.server,
    adminToken: config.admin.token,
    metrics: new MetricsRegistry({ tenantLabel: false, version: VERSION }),
  });
}

/** The spec layer of `replay --spec`: the spec loaded and compiled, with the mock settings. */
export async function loadSpecMock(file: string, config: TapedeckConfig): Promise<SpecMock> {
  return new SpecMock(await loadCompiledSpec(file), {
    seed: config.mock.seed,
    security: config.mock.security,
    validateRequests: config.mock.validateRequests,
    codec: new NodeBodyCodec({ maxDecodedBytes: config.maxBodyBytes }),
  });
}
