/**
 * The composition root of `tapedeck sandbox check` (issue 17). Contract only: the engine package
 * (docs/design/issue-17-plan.md, "Packages") fills it in.
 */
import { TapedeckError } from '../../core/errors.js';
import type { Clock, Logger } from '../../core/ports/index.js';
import type { TapedeckConfig } from '../config/config.js';
import type { FidelityOptions, FidelityRun } from '../fidelity/types.js';

export interface FidelityComposeOptions {
  /** Where the pseudonymization key is read from (`TAPEDECK_REDACTION_KEY`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The cassettes directory was named (`--cassettes`): its absence is an error. */
  readonly cassettesRequired?: boolean;
  /** The clock of the run and of every tenant (real time when absent). */
  readonly clock?: Clock;
}

/**
 * Loads the sandbox as `tapedeck sandbox` would (loadSandboxModel: a bad spec, profile, cassette
 * or scenario file fails here, naming it), then checks every flow and returns the report.
 * `options.ignore`/`headers` default from config.drift when the CLI passes them through.
 */
export function composeFidelityCheck(
  config: TapedeckConfig,
  logger: Logger,
  options: FidelityOptions,
  compose: FidelityComposeOptions = {},
): Promise<FidelityRun> {
  void config;
  void logger;
  void options;
  void compose;
  return Promise.reject(new TapedeckError('TD_INTERNAL', 'sandbox check is not built yet'));
}
