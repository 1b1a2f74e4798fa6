/**
 * The programmatic API (docs/api.md): use-case entry points and the data they take and give.
 * Nothing here names how a server is built inside, so the inside can change without a major
 * version. Named exports only.
 */

// Use cases: the same compositions as the CLI commands.
export {
  loadConfig,
  redactCassettes,
  runDrift,
  startMock,
  startRecord,
  startReplay,
  verifyCassettes,
  type ConfigOverrides,
  type DriftOptions,
  type DriftOutcome,
  type MockOptions,
  type RedactOptions,
  type RunningServer,
  type TapedeckOptions,
  type VerifyOptions,
} from './app/compose/api.js';
export type { VerifyOutcome } from './app/compose/verify.js';

// Errors: one class, a closed set of codes (match on `code`).
export { TapedeckError, ERROR_CODES, isTapedeckError, type ErrorCode } from './core/errors.js';

// Configuration.
export { DEFAULTS, type ResolvedConfig, type TapedeckConfig } from './app/config/config.js';

// What the use cases report.
export type { ServerSummary } from './core/render/summary.js';
export type { MockSummary } from './app/mock/stats.js';
export type { VerifyProblem, VerifyReport } from './app/verify/verify.js';
export type { RedactReport } from './app/redaction/redact.js';
export type { CoverageReport, CoverageRow } from './core/mock/openapi/coverage.js';
export type {
  CassetteDrift,
  DriftReport,
  DriftTotals,
  Finding,
  InteractionDrift,
  Verdict,
} from './core/drift/model.js';

// The cassette format: the files are the interface, so reading and writing them is public.
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
export type { RedactionRuleSpec, RuleFile } from './core/redaction/rules.js';

// The JSON Schemas shipped in schemas/ (scripts/write-schemas.mjs writes them from these).
export { cassetteSchemaV1 } from './core/cassette/schema.js';
export { configSchema } from './app/config/schema.js';
export { driftReportSchema } from './core/drift/schema.js';
export { ruleFileSchema } from './core/redaction/rules.js';
export { apiProfileSchema } from './core/sandbox/profile/schema.js';
export { scenariosSchema } from './core/sandbox/scenarios/schema.js';
export { readinessCriteriaSchema, readinessReportSchema } from './core/readiness/schema.js';
