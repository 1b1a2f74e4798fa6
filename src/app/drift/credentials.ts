/**
 * `drift.credentials`: the real credentials drift sends in place of recorded pseudonyms, read
 * from the environment and refused when too short to be kept out of reports.
 */
import { credentialParts } from '../../core/drift/flows.js';
import { TapedeckError } from '../../core/errors.js';
import { MIN_TRACKED_LENGTH } from '../../core/redaction/registry.js';
import type { TapedeckConfig } from '../config/config.js';

/** Real credentials from the environment, by request header, as `drift.credentials` maps them. */
export function liveCredentials(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, string> {
  const out = new Map<string, string>();
  const missing: string[] = [];
  const short: string[] = [];
  for (const [header, variable] of Object.entries(config.drift.credentials)) {
    const value = env[variable];
    if (value === undefined || value === '') missing.push(`${header} (from ${variable})`);
    else if (credentialParts(value).some((p) => p.length < MIN_TRACKED_LENGTH))
      short.push(variable);
    else out.set(header.toLowerCase(), value);
  }
  if (short.length > 0) {
    // Value tracking finds a secret in an answer only from MIN_TRACKED_LENGTH characters on: a
    // shorter one echoed by the API could reach a report. Refuse before anything is sent.
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `drift.credentials: ${short.join(', ')} holds a credential shorter than ${MIN_TRACKED_LENGTH} characters; drift cannot guarantee to keep it out of its reports.`,
      {
        hint: 'Check the variable (a truncated or placeholder secret?); real credentials are longer.',
      },
    );
  }
  if (missing.length > 0) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `drift.credentials names environment variables that are not set: ${missing.join(', ')}.`,
      {
        hint: 'Set them from your secret store (in a workflow: `env:` from `secrets.`), or remove the entries.',
      },
    );
  }
  return out;
}
