import { resolve } from 'node:path';
import type { CoverageReport } from '../../core/mock/openapi/coverage.js';
import type { TapedeckConfig } from '../config/config.js';
import type { RedactReport } from '../redaction/redact.js';
import { redactCassettes } from '../redaction/redact.js';
import { verifyCassettes, type VerifyReport } from '../verify/verify.js';
import { cassetteStore, loadRedaction, loadRules } from './common.js';
import type { Logger } from '../../core/ports/index.js';

/** `tapedeck verify [--spec FILE]`: the format and secret checks, and the spec's if given. */
export interface VerifyOutcome extends VerifyReport {
  /** With a spec: its name as given, and which operations and responses have recordings. */
  readonly spec?: { readonly file: string; readonly coverage: CoverageReport };
}

/**
 * Verifies the cassettes of `config` (every problem, never stopping at the first); with `spec`,
 * also every interaction against it. File names are shown relative to `cwd`.
 */
export async function composeVerify(
  config: TapedeckConfig,
  cwd: string,
  spec?: string,
): Promise<VerifyOutcome> {
  const store = cassetteStore(config.cassettes, true);
  const verified = await verifyCassettes(store, config.cassettes, loadRules(config), cwd);
  if (spec === undefined) return verified;
  // swagger-parser and ajv's 2020 dialect load only with a spec.
  const [{ verifyAgainstSpec }, { loadCompiledSpec }] = await Promise.all([
    import('../mock/spec.js'),
    import('./spec.js'),
  ]);
  const report = verifyAgainstSpec(
    (await store.loadAll()).cassettes,
    await loadCompiledSpec(resolve(cwd, spec)),
    config.cassettes,
    spec,
    cwd,
  );
  return {
    ...verified,
    problems: [...verified.problems, ...report.problems],
    spec: { file: report.spec, coverage: report.coverage },
  };
}

/**
 * `tapedeck redact [--dry-run]`: the current rules and key over every cassette, rewriting the
 * ones that change (unless `dryRun`).
 */
export function composeRedact(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  options: { readonly dryRun: boolean; readonly cwd: string },
): Promise<RedactReport> {
  // Persistent: rewritten cassettes keep pseudonyms, which must match the recorder's.
  const redaction = loadRedaction(config, env, logger, true);
  return redactCassettes(
    cassetteStore(config.cassettes, true),
    config.cassettes,
    redaction,
    options.dryRun,
    options.cwd,
  );
}
