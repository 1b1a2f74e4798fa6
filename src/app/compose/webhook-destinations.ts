/**
 * Where the sandbox's webhooks may go, and the ids of new endpoints: shared by the sandbox's
 * composition and `tapedeck webhooks` (apart from compose/webhooks.ts, which needs the profile
 * loader of compose/sandbox.ts: no import cycle).
 */
import { systemResolver } from '../../adapters/http/egress-connect.js';
import { resolveEgressPolicy, type Resolver } from '../../core/http/egress.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import {
  resolveWebhookDestinations,
  type WebhookDestinations,
} from '../../core/webhooks/destinations.js';
import type { TapedeckConfig } from '../config/config.js';

/** The id prefix of new endpoints: the profile's `webhook_endpoints` shape when it has one. */
export function endpointIdPrefix(profile: ApiProfile): string {
  const shape = profile.ids.byType['webhook_endpoints'];
  return shape?.kind === 'random' && shape.prefix !== '' ? shape.prefix : 'ep_';
}

/**
 * The destination check of `webhooks.allowedHosts` (names resolved now, as the server does at
 * start), with `upstream.forbiddenHosts` never allowed. No lookup when both lists are empty.
 */
export async function composeWebhookDestinations(
  config: TapedeckConfig,
  resolver?: Resolver,
): Promise<WebhookDestinations> {
  const resolve = resolver ?? systemResolver();
  const upstream = await resolveEgressPolicy(
    { forbiddenHosts: config.upstream.forbiddenHosts, allowedHosts: [] },
    resolve,
  );
  return resolveWebhookDestinations(config.webhooks, resolve, upstream.forbidden);
}
