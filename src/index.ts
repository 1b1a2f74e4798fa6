/** The programmatic API: named exports only. */
export { TapedeckError, ERROR_CODES, isTapedeckError, type ErrorCode } from './core/errors.js';
export type {
  Body,
  Cassette,
  CassetteMeta,
  HeaderMap,
  Interaction,
  NamedCassette,
  QueryMap,
  RecordedRequest,
  RecordedResponse,
} from './core/cassette/model.js';
export { CASSETTE_VERSION } from './core/cassette/model.js';
export { parseCassette, serializeCassette } from './core/cassette/codec.js';
export { cassetteSchemaV1 } from './core/cassette/schema.js';
export { driftReportSchema } from './core/drift/schema.js';
export { compileMatchConfig, type MatchOptions } from './core/matching/config.js';
export { normalizeRequest, type NormalizedRequest } from './core/matching/normalize.js';
export { match, type MatchResult, type FieldOutcome } from './core/matching/match.js';
export { ReplayIndex, SequenceCursors } from './core/matching/index.js';
export { resolveConfig, DEFAULTS, type TapedeckConfig } from './app/config.js';
export { configSchema } from './app/config-schema.js';
export { ruleFileSchema, type RedactionRuleSpec, type RuleFile } from './core/redaction/rules.js';
export { Redactor } from './core/redaction/engine.js';
export { SecretRegistry } from './core/redaction/registry.js';
export { scanInteraction, type ScanFinding } from './core/redaction/scan.js';
export { composeServer } from './app/compose.js';
export { buildServer, type TapedeckServer } from './app/server.js';
export { verifyCassettes } from './app/verify.js';
export { FsCassetteStore } from './adapters/fs-cassette-store.js';
export { composeMockServer, loadCompiledSpec } from './app/compose-spec.js';
export { SpecMock, buildMockServer, type MockServer, type MockSummary } from './app/mock.js';
export { verifyAgainstSpec, type SpecVerifyReport } from './app/spec.js';
export { loadSpecFile, type SpecLoadOptions } from './adapters/spec-loader.js';
export { CompiledSpec } from './core/mock/compiled.js';
export {
  checkResponseAgainstSpec,
  checkRequestForOperation,
  findOperation,
  type ContractProblem,
} from './core/mock/contract.js';
export { renderCoverage, type CoverageReport, type CoverageRow } from './core/mock/coverage.js';
export type { LoadedSpec, SpecModel, SpecOperation } from './core/mock/operations.js';
export { runDrift, type DriftDeps, type DriftOptions, type DriftRun } from './app/drift.js';
export {
  composeDrift,
  driftFails,
  driftMarkdown,
  postDriftComment,
  writeDriftReports,
} from './app/drift-compose.js';
export { postStickyComment, resolveGitHubTarget } from './app/drift-github.js';
