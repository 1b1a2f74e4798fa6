/**
 * The composition of `tapedeck verify`: the cassette store and rules from the configuration, and
 * for `--spec` the compiled spec (swagger-parser and ajv's 2020 dialect load only then).
 */
import type { TapedeckConfig } from '../config/config.js';
import { loadRules } from '../redaction/setup.js';
import { runVerifyCommand, type VerifyCommandOutcome } from '../verify/command.js';
import { cassetteStore } from './compose.js';

export function verifyCommand(
  config: TapedeckConfig,
  spec?: { readonly file: string; readonly shown: string },
): Promise<VerifyCommandOutcome> {
  return runVerifyCommand({
    store: cassetteStore(config.cassettes, true),
    directory: config.cassettes,
    rules: loadRules(config),
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
              await loadCompiledSpec(spec.file),
              config.cassettes,
              spec.shown,
            );
          },
        }),
  });
}
