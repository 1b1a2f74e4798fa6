/**
 * A stand-in for the webhook store, for the admin surface's tests while wp15-store is built:
 * only what the admin use cases call, kept simple (no leases, no claims). The tests switch to
 * the real stores once they land.
 */
import type {
  FanOut,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookStore,
} from '../../src/core/ports/index.js';

export class FakeWebhookStore implements WebhookStore {
  private readonly endpoints = new Map<string, WebhookEndpoint[]>();
  private readonly deliveries = new Map<string, WebhookDelivery[]>();
  private readonly attempts = new Map<string, WebhookAttempt[]>();
  private readonly cursors = new Map<string, number>();
  /** Delivery ids a test says are being sent right now. */
  readonly inFlight = new Set<string>();

  private of(tenant: string): WebhookEndpoint[] {
    let list = this.endpoints.get(tenant);
    if (list === undefined) this.endpoints.set(tenant, (list = []));
    return list;
  }

  private dels(tenant: string): WebhookDelivery[] {
    let list = this.deliveries.get(tenant);
    if (list === undefined) this.deliveries.set(tenant, (list = []));
    return list;
  }

  addEndpoint(tenant: string, endpoint: WebhookEndpoint): Promise<boolean> {
    const list = this.of(tenant);
    if (list.some((e) => e.id === endpoint.id)) return Promise.resolve(false);
    list.push(endpoint);
    return Promise.resolve(true);
  }

  getEndpoint(tenant: string, id: string): Promise<WebhookEndpoint | undefined> {
    return Promise.resolve(this.of(tenant).find((e) => e.id === id));
  }

  listEndpoints(tenant: string): Promise<WebhookEndpoint[]> {
    return Promise.resolve([...this.of(tenant)]);
  }

  updateEndpoint(
    tenant: string,
    id: string,
    patch: Parameters<WebhookStore['updateEndpoint']>[2],
  ): Promise<boolean> {
    const list = this.of(tenant);
    const i = list.findIndex((e) => e.id === id);
    if (i === -1) return Promise.resolve(false);
    const { disabledReason, throttledUntil, ...rest } = patch;
    const next: Record<string, unknown> = { ...list[i]!, ...rest };
    if (disabledReason === null) delete next['disabledReason'];
    else if (disabledReason !== undefined) next['disabledReason'] = disabledReason;
    if (throttledUntil === null) delete next['throttledUntil'];
    else if (throttledUntil !== undefined) next['throttledUntil'] = throttledUntil;
    list[i] = next as unknown as WebhookEndpoint;
    return Promise.resolve(true);
  }

  deleteEndpoint(tenant: string, id: string): Promise<boolean> {
    const list = this.of(tenant);
    const i = list.findIndex((e) => e.id === id);
    if (i === -1) return Promise.resolve(false);
    list.splice(i, 1);
    const dels = this.dels(tenant);
    for (const [j, d] of dels.entries())
      if (d.endpoint === id && d.status === 'pending') dels[j] = { ...d, status: 'abandoned' };
    return Promise.resolve(true);
  }

  cursor(tenant: string): Promise<number> {
    return Promise.resolve(this.cursors.get(tenant) ?? 0);
  }

  fanOut(tenant: string, change: FanOut): Promise<boolean> {
    if ((this.cursors.get(tenant) ?? 0) !== change.afterSeq) return Promise.resolve(false);
    const types = new Map(change.messages.map((m) => [m.eventId, m.type]));
    for (const d of change.deliveries) {
      const endpoint = this.of(tenant).find((e) => e.id === d.endpoint);
      this.dels(tenant).push({
        id: d.id,
        endpoint: d.endpoint,
        url: endpoint?.url ?? '',
        eventId: d.eventId,
        eventType: types.get(d.eventId) ?? '',
        status: d.blocked === undefined ? 'pending' : 'failed',
        attempts: d.blocked === undefined ? 0 : 1,
        ...(d.blocked === undefined ? { nextAttemptAt: d.dueAt } : {}),
        createdAt: d.dueAt,
      });
      this.attempts.set(`${tenant} ${d.id}`, d.blocked === undefined ? [] : [d.blocked]);
    }
    this.cursors.set(tenant, change.toSeq);
    return Promise.resolve(true);
  }

  claimDue(): Promise<never[]> {
    return Promise.resolve([]);
  }

  settle(): Promise<boolean> {
    return Promise.resolve(false);
  }

  release(): Promise<number> {
    return Promise.resolve(0);
  }

  redeliver(tenant: string, id: string, at: number): Promise<'queued' | 'in-flight' | 'unknown'> {
    const dels = this.dels(tenant);
    const i = dels.findIndex((d) => d.id === id);
    if (i === -1) return Promise.resolve('unknown');
    if (this.inFlight.has(id)) return Promise.resolve('in-flight');
    dels[i] = { ...dels[i]!, status: 'pending', nextAttemptAt: at };
    return Promise.resolve('queued');
  }

  getDelivery(
    tenant: string,
    id: string,
  ): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] } | undefined> {
    const delivery = this.dels(tenant).find((d) => d.id === id);
    return Promise.resolve(
      delivery === undefined
        ? undefined
        : { delivery, attempts: [...(this.attempts.get(`${tenant} ${id}`) ?? [])] },
    );
  }

  listDeliveries(
    tenant: string,
    q: Parameters<WebhookStore['listDeliveries']>[1],
  ): Promise<WebhookDelivery[]> {
    let list = [...this.dels(tenant)].reverse();
    if (q.before !== undefined) {
      const at = list.findIndex((d) => d.id === q.before);
      list = at === -1 ? [] : list.slice(at + 1);
    }
    return Promise.resolve(
      list
        .filter(
          (d) =>
            (q.endpoint === undefined || d.endpoint === q.endpoint) &&
            (q.eventId === undefined || d.eventId === q.eventId) &&
            (q.status === undefined || d.status === q.status),
        )
        .slice(0, q.limit),
    );
  }

  tenantsWithWork(): Promise<string[]> {
    return Promise.resolve([]);
  }
}
