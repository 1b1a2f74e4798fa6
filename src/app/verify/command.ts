/**
 * `tapedeck verify` as one use case: validate and scan every cassette, optionally check them
 * against a spec, and say whether the result fails the command (TD_VERIFY_FAILED).
 */
import type { NamedCassette } from '../../core/cassette/model.js';
import { TapedeckError } from '../../core/errors.js';
import type { CoverageReport } from '../../core/mock/openapi/coverage.js';
import type { CassetteStore } from '../../core/ports/index.js';
import type { SpecVerifyReport } from '../mock/spec.js';
import type { RulesSetup } from '../redaction/setup.js';
import { verifyCassettes, type VerifyReport } from './verify.js';

export interface VerifyCommandDeps {
  readonly store: CassetteStore;
  /** The cassettes directory, as problems name files. */
  readonly directory: string;
  readonly rules: RulesSetup;
  /** The working directory that file names in problems are shown relative to. */
  readonly cwd: string;
  /** `--spec`: the contract checks and coverage over the cassettes that loaded. */
  readonly checkSpec?: (cassettes: readonly NamedCassette[]) => Promise<SpecVerifyReport>;
}

export interface VerifyCommandOutcome {
  /** Format and secret problems, then the spec's. */
  readonly report: VerifyReport;
  readonly spec?: { readonly file: string; readonly coverage: CoverageReport };
  /** TD_VERIFY_FAILED when any problem was found; undefined when every cassette is clean. */
  readonly failure?: TapedeckError;
}

export async function runVerifyCommand(deps: VerifyCommandDeps): Promise<VerifyCommandOutcome> {
  const verified = await verifyCassettes(deps.store, deps.directory, deps.rules, deps.cwd);
  const specReport =
    deps.checkSpec === undefined
      ? undefined
      : await deps.checkSpec((await deps.store.loadAll()).cassettes);
  const report: VerifyReport = {
    ...verified,
    problems: [...verified.problems, ...(specReport?.problems ?? [])],
  };
  const spec =
    specReport === undefined ? undefined : { file: specReport.spec, coverage: specReport.coverage };
  const files = new Set(report.problems.map((p) => p.file)).size;
  const failure =
    report.problems.length === 0
      ? undefined
      : new TapedeckError(
          'TD_VERIFY_FAILED',
          `${report.problems.length} problem(s) in ${files} file(s) of ${report.directory}.`,
          {
            hint: 'Fix them, run `tapedeck redact` for secrets, or re-record with `tapedeck record`.',
            details: { problems: report.problems.length, files },
          },
        );
  return {
    report,
    ...(spec === undefined ? {} : { spec }),
    ...(failure === undefined ? {} : { failure }),
  };
}
