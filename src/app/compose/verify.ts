import { resolve } from 'node:path';
import type { CoverageReport } from '../../core/mock/openapi/coverage.js';
import type { Logger } from '../../core/ports/index.js';
import type { TapedeckConfig } from '../config/config.js';
import { redactCassettes, type RedactReport } from '../redaction/redact.js';
import { runVerifyCommand, type VerifyCommandOutcome } from '../verify/command.js';
import type { VerifyReport } from '../verify/verify.js';
import { cassetteStore, loadRedaction, loadRules } from './common.js';

/**
 * The composition of `tapedeck verify` and `tapedeck redact`: the cassette store and rules from
 * the configuration; for `--spec` the compiled spec (swagger-parser and ajv's 2020 dialect load
 * only then). The CLI and the public API call these, so both run the same checks.
 */
export function verifyCommand(
  config: TapedeckConfig,
  cwd: string,
  spec?: string,
): Promise<VerifyCommandOutcome> {
  return runVerifyCommand({
    store: cassetteStore(config.cassettes, true),
    directory: config.cassettes,
    rules: loadRules(config),
    cwd,
    ...(spec === undefined
      ? {}
      : {
          checkSpec: async (cassettes) => {
            const [{ verifyAgainstSpec }, { loadCompiledSpec }] = await Promise.all([
              import('../mock/spec.js'),
              import('./spec.js'),
            ]);
            return verifyAgainstSpec(
              cassettes,
              await loadCompiledSpec(resolve(cwd, spec)),
              config.cassettes,
              spec,
              cwd,
            );
          },
        }),
  });
}

/** `verifyCassettes` of the public API: the report as data, the spec's coverage beside it. */
export interface VerifyOutcome extends VerifyReport {
  /** With a spec: its name as given, and which operations and responses have recordings. */
  readonly spec?: { readonly file: string; readonly coverage: CoverageReport };
}

export async function composeVerify(
  config: TapedeckConfig,
  cwd: string,
  spec?: string,
): Promise<VerifyOutcome> {
  const outcome = await verifyCommand(config, cwd, spec);
  return { ...outcome.report, ...(outcome.spec === undefined ? {} : { spec: outcome.spec }) };
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
