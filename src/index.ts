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
export { resolveConfig, DEFAULTS, type TapedeckConfig } from './app/config/config.js';
export { configSchema } from './app/config/schema.js';
export { ruleFileSchema, type RedactionRuleSpec, type RuleFile } from './core/redaction/rules.js';
export { Redactor } from './core/redaction/engine.js';
export { SecretRegistry } from './core/redaction/registry.js';
export { scanInteraction, type ScanFinding } from './core/redaction/scan.js';
export { composeServer } from './app/compose/compose.js';
export { buildServer, type TapedeckServer } from './app/replay/server.js';
export { verifyCassettes } from './app/verify/verify.js';
export { FsCassetteStore } from './adapters/cassettes/fs-cassette-store.js';
export { composeMockServer, loadCompiledSpec } from './app/compose/spec.js';
export { SpecMock } from './core/mock/openapi/responder.js';
export { buildMockServer, type MockServer } from './app/mock/server.js';
export type { MockSummary } from './app/mock/stats.js';
export { verifyAgainstSpec, type SpecVerifyReport } from './app/mock/spec.js';
export { loadSpecFile, type SpecLoadOptions } from './adapters/spec/spec-loader.js';
export { CompiledSpec } from './core/mock/openapi/compiled.js';
export {
  checkResponseAgainstSpec,
  checkRequestForOperation,
  findOperation,
  type ContractProblem,
} from './core/mock/openapi/contract.js';
export {
  renderCoverage,
  type CoverageReport,
  type CoverageRow,
} from './core/mock/openapi/coverage.js';
export type { LoadedSpec, SpecModel, SpecOperation } from './core/mock/openapi/operations.js';
export { runDrift, type DriftDeps, type DriftOptions, type DriftRun } from './app/drift/run.js';
export {
  composeDrift,
  driftFails,
  driftMarkdown,
  postDriftComment,
  writeDriftReports,
} from './app/compose/drift.js';
export { postStickyComment, resolveGitHubTarget } from './app/drift/github.js';
