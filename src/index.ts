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
