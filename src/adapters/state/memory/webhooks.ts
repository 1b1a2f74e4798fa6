import type { WebhookStore } from '../../../core/ports/webhooks.js';
import { Open, type TenantScoped } from './shared.js';

// A stub of the contracts commit (docs/design/issue-15-plan.md); wp15-store builds it.
const unbuilt = (): Promise<never> => Promise.reject(new Error('built by wp15-store'));

/** Webhook endpoints, deliveries and attempts in memory (issue 15). */
export class MemoryWebhookStore implements WebhookStore, TenantScoped {
  readonly open = new Open('webhooks');

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

  dropTenant(): void {}
}
