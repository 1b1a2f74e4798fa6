import type { DeliveryAttempt, OutboxDelivery, WebhookOutbox } from '../../../core/ports/outbox.js';
import { Open, PerTenant, type TenantScoped } from './shared.js';

/** A stored delivery: the port's fields, changed in place by `markAttempt`, and its enqueue order. */
type Delivery = { -readonly [K in keyof OutboxDelivery]: OutboxDelivery[K] } & {
  readonly seq: number;
};

/** What a caller gets: a copy without the enqueue order, so changing it changes nothing stored. */
function deliveryOf({ seq: _seq, lastAttempt, ...fields }: Delivery): OutboxDelivery {
  return { ...fields, ...(lastAttempt === undefined ? {} : { lastAttempt: { ...lastAttempt } }) };
}

export class MemoryWebhookOutbox implements WebhookOutbox, TenantScoped {
  private readonly tenants = new PerTenant<Delivery>();
  private seq = 0;
  readonly open = new Open('webhook outbox');

  enqueue(
    tenant: string,
    delivery: { readonly id: string; readonly destination: string; readonly payload: string },
    at: number,
  ): Promise<boolean> {
    return this.open.run(() => {
      const of = this.tenants.of(tenant);
      if (of.has(delivery.id)) return false;
      of.set(delivery.id, {
        id: delivery.id,
        destination: delivery.destination,
        payload: delivery.payload,
        seq: this.seq++,
        status: 'pending',
        nextAttemptAt: at,
        attempts: 0,
      });
      return true;
    });
  }

  due(tenant: string, now: number, limit: number): Promise<OutboxDelivery[]> {
    return this.open.run(() => {
      return [...this.tenants.peek(tenant).values()]
        .filter((d) => d.status === 'pending' && d.nextAttemptAt! <= now)
        .sort((a, b) => a.nextAttemptAt! - b.nextAttemptAt! || a.seq - b.seq)
        .slice(0, Math.max(1, Math.floor(limit)))
        .map(deliveryOf);
    });
  }

  markAttempt(tenant: string, id: string, attempt: DeliveryAttempt): Promise<boolean> {
    return this.open.run(() => {
      const d = this.tenants.peek(tenant).get(id);
      if (d === undefined || d.status !== 'pending') return false;
      d.attempts++;
      d.lastAttempt = { ...attempt };
      d.status = attempt.outcome === 'retry' ? 'pending' : attempt.outcome;
      d.nextAttemptAt = attempt.outcome === 'retry' ? attempt.nextAttemptAt : undefined;
      return true;
    });
  }

  get(tenant: string, id: string): Promise<OutboxDelivery | undefined> {
    return this.open.run(() => {
      const d = this.tenants.peek(tenant).get(id);
      return d === undefined ? undefined : deliveryOf(d);
    });
  }

  dropTenant(tenant: string): void {
    this.tenants.drop(tenant);
  }
}
