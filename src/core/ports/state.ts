import type { ReadinessStore } from './readiness.js';
import type { DriftHistoryStore } from './drift-history.js';
import type { EventStore } from './events.js';
import type { IdempotencyStore } from './idempotency.js';
import type { JournalStore } from './journal.js';
import type { ResourceStore } from './resources.js';
import type { TenantStore } from './tenants.js';
import type { ScenarioStore } from './scenarios.js';
import type { UsageStore } from './usage.js';
import type { WebhookStore } from './webhooks.js';

/**
 * The runtime state: every state port over one storage (one SQLite file, one memory, later one
 * PostgreSQL database), opened together by a factory in adapters/state and closed together.
 */
export interface RuntimeState {
  readonly journal: JournalStore;
  readonly driftHistory: DriftHistoryStore;
  readonly tenants: TenantStore;
  readonly resources: ResourceStore;
  readonly idempotency: IdempotencyStore;
  /** The sandbox's events, written by `resources.apply`. */
  readonly events: EventStore;
  /** Requests per tenant per day. */
  readonly usage: UsageStore;
  /** Scenario arms and counters (issue 14). */
  readonly scenarios: ScenarioStore;
  /** Webhook endpoints, deliveries and attempts (issue 15). */
  readonly webhooks: WebhookStore;
  /** Readiness sign-offs (issue 16). */
  readonly readiness: ReadinessStore;
  /** Closes every port and the storage under them. Idempotent. */
  close(): Promise<void>;
}
