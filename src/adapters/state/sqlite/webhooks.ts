import type { WebhookStore } from '../../../core/ports/webhooks.js';
import type { SqliteConnection } from './database.js';

// A stub of the contracts commit (docs/design/issue-15-plan.md); wp15-store builds it.
const unbuilt = (): Promise<never> => Promise.reject(new Error('built by wp15-store'));

/** The webhook_* tables of migration 5 (issue 15). */
export class SqliteWebhookStore implements WebhookStore {
  constructor(readonly connection: SqliteConnection) {}

  addEndpoint(): Promise<never> {
    return unbuilt();
  }

  getEndpoint(): Promise<never> {
    return unbuilt();
  }

  listEndpoints(): Promise<never> {
    return unbuilt();
  }

  updateEndpoint(): Promise<never> {
    return unbuilt();
  }

  deleteEndpoint(): Promise<never> {
    return unbuilt();
  }

  cursor(): Promise<never> {
    return unbuilt();
  }

  fanOut(): Promise<never> {
    return unbuilt();
  }

  claimDue(): Promise<never> {
    return unbuilt();
  }

  settle(): Promise<never> {
    return unbuilt();
  }

  release(): Promise<never> {
    return unbuilt();
  }

  redeliver(): Promise<never> {
    return unbuilt();
  }

  getDelivery(): Promise<never> {
    return unbuilt();
  }

  listDeliveries(): Promise<never> {
    return unbuilt();
  }

  tenantsWithWork(): Promise<never> {
    return unbuilt();
  }
}
