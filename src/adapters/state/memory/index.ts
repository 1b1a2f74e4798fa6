import type { RuntimeState } from '../../../core/ports/state.js';
import {
  MemoryDriftHistory,
  MemoryIdempotencyStore,
  MemoryJournalStore,
  MemoryResourceStore,
  MemoryTenantStore,
  MemoryWebhookOutbox,
} from './stores.js';

export {
  MemoryDriftHistory,
  MemoryIdempotencyStore,
  MemoryJournalStore,
  MemoryResourceStore,
  MemoryTenantStore,
  MemoryWebhookOutbox,
} from './stores.js';

/** Every state port in memory, as `openSqliteState` gives them over a file. Nothing persists. */
export function openMemoryState(): RuntimeState {
  const journal = new MemoryJournalStore();
  const driftHistory = new MemoryDriftHistory();
  const resources = new MemoryResourceStore();
  const idempotency = new MemoryIdempotencyStore();
  const outbox = new MemoryWebhookOutbox();
  const tenants = new MemoryTenantStore([resources, idempotency, outbox]);
  return {
    journal,
    driftHistory,
    tenants,
    resources,
    idempotency,
    outbox,
    close: () => {
      for (const port of [journal, driftHistory, tenants, resources, idempotency, outbox])
        port.open.close();
      return Promise.resolve();
    },
  };
}
