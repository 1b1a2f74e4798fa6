/** How one delivery attempt ended. */
export type DeliveryAttempt =
  | { readonly at: number; readonly outcome: 'delivered'; readonly responseStatus: number }
  | {
      readonly at: number;
      readonly outcome: 'retry';
      /** When to try again (ms, tenant clock). */
      readonly nextAttemptAt: number;
      readonly responseStatus?: number;
    }
  | { readonly at: number; readonly outcome: 'failed'; readonly responseStatus?: number };

/** A webhook event waiting to be (or already) delivered to one destination. */
export interface OutboxDelivery {
  readonly id: string;
  readonly destination: string;
  /** The body to sign and send. */
  readonly payload: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  /** When the next attempt is due; undefined once delivered or failed. */
  readonly nextAttemptAt: number | undefined;
  readonly attempts: number;
  readonly lastAttempt?: DeliveryAttempt;
}

/**
 * Webhook deliveries waiting to be sent, per tenant (each tenant has its own clock, so what is
 * due is asked per tenant). At least once: a delivery stays due until an attempt is marked. A
 * sketch the webhooks issue fills out; passes test/contract/webhook-outbox.contract.ts.
 */
export interface WebhookOutbox {
  /** Queues a delivery, first due at `at`. False, and nothing changes, when the id is taken. */
  enqueue(
    tenant: string,
    delivery: { readonly id: string; readonly destination: string; readonly payload: string },
    at: number,
  ): Promise<boolean>;
  /** Pending deliveries due at `now`, earliest due first (ties in enqueue order). */
  due(tenant: string, now: number, limit: number): Promise<OutboxDelivery[]>;
  /** Records an attempt and its outcome. False when the tenant has no such pending delivery. */
  markAttempt(tenant: string, id: string, attempt: DeliveryAttempt): Promise<boolean>;
  get(tenant: string, id: string): Promise<OutboxDelivery | undefined>;
}
