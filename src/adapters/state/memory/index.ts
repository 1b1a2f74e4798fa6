import type { RuntimeState } from '../../../core/ports/state.js';
import { MemoryDriftHistory } from './drift-history.js';
import { MemoryEventStore } from './events.js';
import { MemoryIdempotencyStore } from './idempotency.js';
import { MemoryJournalStore } from './journal.js';
import { MemoryWebhookStore } from './webhooks.js';
import { MemoryResourceStore } from './resources.js';
import { MemoryTenantStore } from './tenants.js';
import { MemoryScenarioStore } from './scenarios.js';
import { MemoryUsageStore } from './usage.js';
import { MemoryReadinessStore } from './readiness.js';

export * from './drift-history.js';
export * from './events.js';
export * from './idempotency.js';
export * from './journal.js';
export * from './resources.js';
export * from './scenarios.js';
export * from './tenants.js';
export * from './usage.js';
export * from './webhooks.js';
export * from './readiness.js';
export type { TenantScoped } from './shared.js';

/** Every state port in memory, as `openSqliteState` gives them over a file. Nothing persists. */
export function openMemoryState(): RuntimeState {
  const journal = new MemoryJournalStore();
  const driftHistory = new MemoryDriftHistory();
  const idempotency = new MemoryIdempotencyStore();
  const events = new MemoryEventStore();
  const usage = new MemoryUsageStore();
  const scenarios = new MemoryScenarioStore();
  const webhooks = new MemoryWebhookStore(events);
  const readiness = new MemoryReadinessStore();
  const tenants = new MemoryTenantStore([
    idempotency,
    events,
    usage,
    journal,
    scenarios,
    webhooks,
    readiness,
  ]);
  const resources = new MemoryResourceStore(tenants, idempotency, events);
  tenants.alsoDrop(resources);
  return {
    journal,
    driftHistory,
    tenants,
    resources,
    idempotency,
    events,
    usage,
    scenarios,
    webhooks,
    readiness,
    close: () => {
      for (const port of [
        journal,
        driftHistory,
        tenants,
        resources,
        idempotency,
        events,
        usage,
        scenarios,
        webhooks,
        readiness,
      ])
        port.open.close();
      return Promise.resolve();
    },
  };
}
