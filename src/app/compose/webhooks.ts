import { randomBytes } from 'node:crypto';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { colourWanted, makeStyle, systemClock } from '../../adapters/system/system.js';
import { composeWebhookDestinations, endpointIdPrefix } from './webhook-destinations.js';
export { composeWebhookDestinations, endpointIdPrefix };
import type { Clock } from '../../core/ports/index.js';
import type { Style } from '../../core/render/text.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { SCHEMES } from '../../core/webhooks/signature.js';
import type { TapedeckConfig } from '../config/config.js';
import { WebhookAdmin, type DestinationCheck } from '../webhooks/admin.js';
import type { Io } from './common.js';
import { loadSandboxProfile } from './sandbox.js';

const HOUR_MS = 3_600_000;

/**
 * `tapedeck webhooks …`: the webhook use cases on the state directory (SQLite, beside a running
 * sandbox: each write is one transaction it sees; its dispatcher polls for new work). The scheme
 * is the profile's, so a secret made here has the shape the sandbox signs with.
 */
export async function composeWebhookAdmin(
  config: TapedeckConfig,
  options: { readonly clock?: Clock; readonly destinations?: DestinationCheck } = {},
): Promise<{ admin: WebhookAdmin; profile: ApiProfile; close(): Promise<void> }> {
  const { profile } = loadSandboxProfile(config);
  const destinations = options.destinations ?? (await composeWebhookDestinations(config));
  const state = openSqliteState(config.stateDir);
  const admin = new WebhookAdmin({
    state,
    clock: options.clock ?? systemClock,
    scheme: SCHEMES[profile.webhooks.scheme],
    signer: { randomBytes: (n) => new Uint8Array(randomBytes(n)) },
    destinations,
    rotationOverlapMs: config.webhooks.rotationOverlapHours * HOUR_MS,
    idPrefix: endpointIdPrefix(profile),
  });
  return { admin, profile, close: () => state.close() };
}

/** ANSI styles for a command's stdout: only on a TTY (and never with NO_COLOR). */
export function stdoutStyle(io: Io): Style {
  return makeStyle(colourWanted(io.stdout, io.env));
}
