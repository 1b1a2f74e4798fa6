import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { UndiciWebhookSender } from '../../adapters/http/webhook-sender.js';
import { keptSecret } from '../../adapters/system/secret-file.js';
import { systemSigner } from '../../adapters/system/signer.js';
import { TapedeckError } from '../../core/errors.js';
import { shownPath } from '../../adapters/system/paths.js';
import type { RecordWebhooksSetup } from '../replay/server.js';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { colourWanted, makeStyle, systemClock } from '../../adapters/system/system.js';
import { composeWebhookDestinations, endpointIdPrefix } from './webhook-destinations.js';
export { composeWebhookDestinations, endpointIdPrefix };
import type { Resolver } from '../../core/http/egress.js';
import type { Clock, Logger } from '../../core/ports/index.js';
import type { Style } from '../../core/render/text.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import { SCHEMES } from '../../core/webhooks/signature.js';
import type { TapedeckConfig } from '../config/config.js';
import { WebhookAdmin, type DestinationCheck } from '../webhooks/admin.js';
import type { Io } from './common.js';
import type { KnownEvents } from '../../core/webhooks/known.js';
import { loadKnownEvents, loadSandboxProfile } from './sandbox.js';

const HOUR_MS = 3_600_000;

/**
 * `tapedeck webhooks …`: the webhook use cases on the state directory (SQLite, beside a running
 * sandbox: each write is one transaction it sees; its dispatcher polls for new work). The scheme
 * is the profile's, so a secret made here has the shape the sandbox signs with. The event types
 * a filter is checked against are loaded once, and only when a filter is given (with a spec,
 * that is the spec's parse); `knownEvents` answers the same set.
 */
export async function composeWebhookAdmin(
  config: TapedeckConfig,
  options: { readonly clock?: Clock; readonly destinations?: DestinationCheck } = {},
): Promise<{
  admin: WebhookAdmin;
  profile: ApiProfile;
  knownEvents(): Promise<KnownEvents>;
  close(): Promise<void>;
}> {
  const { profile } = loadSandboxProfile(config);
  const destinations = options.destinations ?? (await composeWebhookDestinations(config));
  let known: Promise<KnownEvents> | undefined;
  const knownEvents = () => (known ??= loadKnownEvents(config));
  const state = openSqliteState(config.stateDir);
  const admin = new WebhookAdmin({
    state,
    clock: options.clock ?? systemClock,
    scheme: SCHEMES[profile.webhooks.scheme],
    signer: { randomBytes: (n) => new Uint8Array(randomBytes(n)) },
    destinations,
    rotationOverlapMs: config.webhooks.rotationOverlapHours * HOUR_MS,
    idPrefix: endpointIdPrefix(profile),
    knownEvents,
  });
  return { admin, profile, knownEvents, close: () => state.close() };
}

/** ANSI styles for a command's stdout: only on a TTY (and never with NO_COLOR). */
export function stdoutStyle(io: Io): Style {
  return makeStyle(colourWanted(io.stdout, io.env));
}

/** Where `record --webhooks --forward-to` keeps its local signing secret. */
export const FORWARD_SECRET_FILE = 'webhook-forward.secret';

/**
 * `record --webhooks PORT`'s setup from config: staging's secret read from the variable
 * `record.webhooks.secretEnv` names (missing or empty: TD_USAGE), the `--forward-to` URL checked
 * as a webhook destination (TD_WEBHOOK_REFUSED), then the local secret made or read and the
 * sender built. Undefined without `record.webhooks.port`. Nothing is created when a check fails.
 */
export async function composeRecordWebhooks(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly resolver?: Resolver; readonly logger?: Logger } = {},
): Promise<RecordWebhooksSetup | undefined> {
  const { port, forwardTo, secretEnv } = config.record.webhooks;
  if (port === undefined) {
    if (forwardTo !== undefined || secretEnv !== undefined)
      throw new TapedeckError(
        'TD_USAGE',
        `${forwardTo !== undefined ? '--forward-to' : '--webhooks-secret-env'} needs --webhooks PORT (record.webhooks.port): the listener staging sends its webhooks to.`,
      );
    return undefined;
  }
  const { profile } = loadSandboxProfile(config);
  const scheme = SCHEMES[profile.webhooks.scheme];
  let stagingSecrets: string[] | undefined;
  if (secretEnv !== undefined) {
    const value = env[secretEnv]?.trim() ?? '';
    if (value === '')
      throw new TapedeckError(
        'TD_USAGE',
        `--webhooks-secret-env names ${secretEnv}, which is not set (or empty): it should hold staging's webhook signing secret.`,
        { hint: `Export ${secretEnv}=whsec_… (several, during a rotation, separated by spaces).` },
      );
    stagingSecrets = value.split(/\s+/);
  }
  const setup = {
    port,
    scheme,
    signer: systemSigner,
    ...(stagingSecrets === undefined ? {} : { stagingSecrets, secretEnv }),
  };
  if (forwardTo === undefined) return setup;
  const destinations = await composeWebhookDestinations(config, options.resolver);
  const url = destinations.checkUrl(forwardTo);
  const file = join(config.stateDir, FORWARD_SECRET_FILE);
  const kept = keptSecret(file, () => scheme.newSecret(systemSigner.randomBytes(32)));
  const wrong = scheme.checkSecret(kept.secret);
  if (wrong !== undefined)
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `The forward secret in ${shownPath(file)} cannot sign ${scheme.name} webhooks: ${wrong}`,
      {
        hint: `Delete ${shownPath(file)} to have a new one made (and give your receiver the new secret), or record with the profile it was made for.`,
      },
    );
  const sender = new UndiciWebhookSender({
    destinations,
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return {
    ...setup,
    forward: {
      url,
      secret: kept.secret,
      sender,
      timeoutMs: config.webhooks.timeoutMs,
      maxResponseBytes: config.webhooks.maxResponseBytes,
      file: shownPath(file),
      created: kept.created,
    },
  };
}
