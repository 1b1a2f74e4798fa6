import { randomBytes } from 'node:crypto';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { colourWanted, makeStyle, systemClock } from '../../adapters/system/system.js';
import { TapedeckError } from '../../core/errors.js';
import type { Clock } from '../../core/ports/index.js';
import type { Style } from '../../core/render/text.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { SCHEMES } from '../../core/webhooks/signature.js';
import type { TapedeckConfig } from '../config/config.js';
import { WebhookAdmin, type DestinationCheck } from '../webhooks/admin.js';
import type { Io } from './common.js';
import { loadSandboxProfile } from './sandbox.js';

const HOUR_MS = 3_600_000;

/** The id prefix of new endpoints: the profile's `webhook_endpoints` shape when it has one. */
export function endpointIdPrefix(profile: ApiProfile): string {
  const shape = profile.ids.byType['webhook_endpoints'];
  return shape?.kind === 'random' && shape.prefix !== '' ? shape.prefix : 'ep_';
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Until wp15-delivery's `WebhookDestinations` is wired here (the integrator's), the narrowest
 * check that is still safe: absolute http(s), no credentials, and a loopback host or a host
 * named exactly in `webhooks.allowedHosts`. It refuses more than the real one (no ranges, no
 * canonical spellings of loopback), never less.
 */
export function interimDestinations(config: TapedeckConfig): DestinationCheck {
  const allowed = new Set(config.webhooks.allowedHosts.map((h) => h.toLowerCase()));
  return {
    checkUrl(url) {
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      const ok =
        parsed !== undefined &&
        (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
        parsed.username === '' &&
        parsed.password === '' &&
        (LOOPBACK.has(parsed.hostname) || allowed.has(parsed.hostname));
      if (!ok)
        throw new TapedeckError(
          'TD_USAGE',
          'A webhook URL is an absolute http(s) URL without credentials, to loopback or a host of webhooks.allowedHosts.',
          {
            details: { field: 'url' },
            hint: 'e.g. http://localhost:4242/webhooks; add other hosts to webhooks.allowedHosts (docs/webhooks.md, "Destinations").',
          },
        );
    },
  };
}

/**
 * `tapedeck webhooks …`: the webhook use cases on the state directory (SQLite, beside a running
 * sandbox: each write is one transaction it sees; its dispatcher polls for new work). The scheme
 * is the profile's, so a secret made here has the shape the sandbox signs with.
 */
export function composeWebhookAdmin(
  config: TapedeckConfig,
  options: { readonly clock?: Clock; readonly destinations?: DestinationCheck } = {},
): { admin: WebhookAdmin; profile: ApiProfile; close(): Promise<void> } {
  const { profile } = loadSandboxProfile(config);
  const state = openSqliteState(config.stateDir);
  const admin = new WebhookAdmin({
    state,
    clock: options.clock ?? systemClock,
    scheme: SCHEMES[profile.webhooks.scheme],
    signer: { randomBytes: (n) => new Uint8Array(randomBytes(n)) },
    destinations: options.destinations ?? interimDestinations(config),
    rotationOverlapMs: config.webhooks.rotationOverlapHours * HOUR_MS,
    idPrefix: endpointIdPrefix(profile),
  });
  return { admin, profile, close: () => state.close() };
}

/** ANSI styles for a command's stdout: only on a TTY (and never with NO_COLOR). */
export function stdoutStyle(io: Io): Style {
  return makeStyle(colourWanted(io.stdout, io.env));
}
