/**
 * The composition of `tapedeck redact`: the cassette store and the persistent redaction setup
 * (the same key as record, so pseudonyms stay consistent) handed to the use case.
 */
import type { Logger } from '../../core/ports/index.js';
import type { TapedeckConfig } from '../config/config.js';
import { redactCassettes, type RedactReport } from '../redaction/redact.js';
import { loadRedaction } from '../redaction/setup.js';
import { cassetteStore } from './compose.js';

export function redactCommand(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  dryRun: boolean,
): Promise<RedactReport> {
  const redaction = loadRedaction(config, env, logger, true);
  return redactCassettes(
    cassetteStore(config.cassettes, true),
    config.cassettes,
    redaction,
    dryRun,
  );
}
