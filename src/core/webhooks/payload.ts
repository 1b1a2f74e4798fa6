/**
 * The body of an event's deliveries (docs/design/issue-15-plan.md §2 "Payloads"): the profile's
 * envelope filled with the event's facts, over a recorded sample of the type or the spec's
 * `webhooks` entry. Built by wp15-core.
 */
import type { WebhookSample } from '../cassette/model.js';
import type { JsonValue } from '../json.js';
import type { CompiledSpec } from '../mock/openapi/compiled.js';
import type { StoredEvent } from '../ports/events.js';
import type { ApiProfile } from '../sandbox/profile/types.js';

export interface PayloadSource {
  render(
    event: StoredEvent,
    facts: { readonly objectName: string; readonly pendingWebhooks: number },
  ): JsonValue;
}

export function payloadSource(o: {
  readonly profile: ApiProfile;
  readonly samples: readonly WebhookSample[];
  readonly spec?: CompiledSpec;
}): PayloadSource {
  void o;
  throw new Error('built by wp15-core');
}
