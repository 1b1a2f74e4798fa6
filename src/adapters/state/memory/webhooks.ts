import type {
  ClaimedDelivery,
  DeliveryStatus,
  FanOut,
  RedeliverResult,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookStore,
} from '../../../core/ports/webhooks.js';
import { abandonedStatus, readLimit, settledStatus } from '../rules.js';
import type { MemoryEventStore } from './events.js';
import { Open, type TenantScoped } from './shared.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface DeliveryRecord {
  /** Orders a tenant's deliveries (ties of due time, and newest first), as SQLite's seq does. */
  readonly seq: number;
  delivery: WebhookDelivery;
  leaseOwner?: string;
  leaseUntil?: number;
  manual: boolean;
  readonly attempts: WebhookAttempt[];
}

/** One tenant's endpoints, cursor, messages and deliveries; Maps keep insertion order. */
interface TenantWebhooks {
  readonly endpoints: Map<string, WebhookEndpoint>;
  cursor: number;
  readonly messages: Map<string, { readonly type: string; readonly payload: string }>;
  readonly deliveries: Map<string, DeliveryRecord>;
  /** `endpoint NUL eventId` of every delivery: one delivery per event and endpoint. */
  readonly made: Set<string>;
}

const madeKey = (endpoint: string, eventId: string) => `${endpoint}\u0000${eventId}`;

/**
 * Webhook endpoints, deliveries and attempts in memory, answering as SQLite's store does. Every
 * method runs to its end before another starts (one thread, nothing awaited inside), so fan-out,
 * claim and settle are atomic as the SQLite transactions are. The event store, when given,
 * answers which tenants have events not yet fanned out, and an event's type.
 */
export class MemoryWebhookStore implements WebhookStore, TenantScoped {
  private readonly tenants = new Map<string, TenantWebhooks>();
  private seq = 0;
  readonly open = new Open('webhooks');

  constructor(private readonly events?: MemoryEventStore) {}

  addEndpoint(tenant: string, endpoint: WebhookEndpoint): Promise<boolean> {
    return this.open.run(() => {
      const { endpoints } = this.of(tenant);
      if (endpoints.has(endpoint.id)) return false;
      endpoints.set(endpoint.id, structuredClone(endpoint));
      return true;
    });
  }

  getEndpoint(tenant: string, id: string): Promise<WebhookEndpoint | undefined> {
    return this.open.run(() => {
      const found = this.tenants.get(tenant)?.endpoints.get(id);
      return found === undefined ? undefined : structuredClone(found);
    });
  }

  listEndpoints(tenant: string): Promise<WebhookEndpoint[]> {
    return this.open.run(() =>
      [...(this.tenants.get(tenant)?.endpoints.values() ?? [])].map((e) => structuredClone(e)),
    );
  }

  updateEndpoint(
    tenant: string,
    id: string,
    patch: Partial<Pick<WebhookEndpoint, 'url' | 'events' | 'status' | 'secrets'>> & {
      readonly disabledReason?: 'manual' | 'gone' | null;
      readonly throttledUntil?: number | null;
      readonly description?: string | null;
    },
  ): Promise<boolean> {
    return this.open.run(() => {
      const endpoints = this.tenants.get(tenant)?.endpoints;
      const found = endpoints?.get(id);
      if (endpoints === undefined || found === undefined) return false;
      const { disabledReason, throttledUntil, description, ...rest } = structuredClone(patch);
      const next: Mutable<WebhookEndpoint> = { ...found };
      if (rest.url !== undefined) next.url = rest.url;
      if (rest.events !== undefined) next.events = rest.events;
      if (rest.status !== undefined) next.status = rest.status;
      if (rest.secrets !== undefined) next.secrets = rest.secrets;
      if (disabledReason === null) delete next.disabledReason;
      else if (disabledReason !== undefined) next.disabledReason = disabledReason;
      if (throttledUntil === null) delete next.throttledUntil;
      else if (throttledUntil !== undefined) next.throttledUntil = throttledUntil;
      if (description === null) delete next.description;
      else if (description !== undefined) next.description = description;
      // `set` on an existing key keeps its place: the endpoints stay oldest first.
      endpoints.set(id, next);
      return true;
    });
  }

  deleteEndpoint(tenant: string, id: string): Promise<boolean> {
    return this.open.run(() => {
      const of = this.tenants.get(tenant);
      if (of?.endpoints.delete(id) !== true) return false;
      // The lease stays: the attempt in flight, if any, is still recorded when it settles.
      for (const record of of.deliveries.values())
        if (record.delivery.endpoint === id && record.delivery.status === 'pending')
          record.delivery = withoutNext({ ...record.delivery, status: 'abandoned' });
      return true;
    });
  }

  cursor(tenant: string): Promise<number> {
    return this.open.run(() => this.tenants.get(tenant)?.cursor ?? 0);
  }

  fanOut(tenant: string, change: FanOut): Promise<boolean> {
    return this.open.run(() => {
      const of = this.of(tenant);
      if (of.cursor !== change.afterSeq) return false;
      const messages = new Map(of.messages);
      for (const m of change.messages)
        if (!messages.has(m.eventId)) messages.set(m.eventId, { type: m.type, payload: m.payload });
      // Everything is checked before anything changes, as SQLite rolls the transaction back.
      const ids = new Set(of.deliveries.keys());
      const made = new Set(of.made);
      const records: DeliveryRecord[] = [];
      for (const d of change.deliveries) {
        const endpoint = of.endpoints.get(d.endpoint);
        if (endpoint === undefined) continue;
        const type = messages.get(d.eventId)?.type ?? this.events?.typeNow(tenant, d.eventId);
        if (type === undefined)
          throw new Error('NOT NULL constraint failed: webhook_deliveries.event_type');
        const key = madeKey(d.endpoint, d.eventId);
        if (ids.has(d.id) || made.has(key)) continue;
        ids.add(d.id);
        made.add(key);
        const blocked = d.blocked === undefined ? undefined : structuredClone(d.blocked);
        records.push({
          seq: ++this.seq,
          delivery: {
            id: d.id,
            endpoint: d.endpoint,
            url: endpoint.url,
            eventId: d.eventId,
            eventType: type,
            status: blocked === undefined ? 'pending' : 'failed',
            attempts: blocked === undefined ? 0 : 1,
            ...(blocked === undefined ? { nextAttemptAt: d.dueAt } : {}),
            createdAt: d.dueAt,
          },
          manual: false,
          attempts: blocked === undefined ? [] : [blocked],
        });
      }
      of.cursor = change.toSeq;
      for (const [eventId, m] of messages) of.messages.set(eventId, m);
      for (const r of records) {
        of.deliveries.set(r.delivery.id, r);
        of.made.add(madeKey(r.delivery.endpoint, r.delivery.eventId));
      }
      return true;
    });
  }

  claimDue(
    tenant: string,
    q: {
      readonly now: number;
      readonly realNow: number;
      readonly owner: string;
      readonly leaseMs: number;
      readonly limit: number;
    },
  ): Promise<ClaimedDelivery[]> {
    return this.open.run(() => {
      const of = this.tenants.get(tenant);
      if (of === undefined) return [];
      const due: { record: DeliveryRecord; endpoint: WebhookEndpoint; payload: string }[] = [];
      for (const record of of.deliveries.values()) {
        const { delivery } = record;
        const endpoint = of.endpoints.get(delivery.endpoint);
        const message = of.messages.get(delivery.eventId);
        if (
          delivery.status !== 'pending' ||
          delivery.nextAttemptAt === undefined ||
          delivery.nextAttemptAt > q.now ||
          (record.leaseUntil !== undefined && record.leaseUntil > q.realNow) ||
          endpoint?.status !== 'enabled' ||
          (endpoint.throttledUntil !== undefined && endpoint.throttledUntil > q.now) ||
          message === undefined
        )
          continue;
        due.push({ record, endpoint, payload: message.payload });
      }
      due.sort(
        (a, b) =>
          a.record.delivery.nextAttemptAt! - b.record.delivery.nextAttemptAt! ||
          a.record.seq - b.record.seq,
      );
      return due.slice(0, readLimit(q.limit)).map(({ record, endpoint, payload }) => {
        record.leaseOwner = q.owner;
        record.leaseUntil = q.realNow + q.leaseMs;
        const trace = this.events?.traceNow(tenant, record.delivery.eventId);
        return {
          delivery: structuredClone(record.delivery),
          endpoint: structuredClone(endpoint),
          payload,
          manual: record.manual,
          ...(trace === undefined ? {} : { trace }),
        };
      });
    });
  }

  settle(
    tenant: string,
    id: string,
    owner: string,
    attempt: WebhookAttempt,
    next: {
      readonly status: DeliveryStatus;
      readonly nextAttemptAt?: number;
      readonly disable?: 'gone';
      readonly throttledUntil?: number;
    },
  ): Promise<boolean> {
    return this.open.run(() => {
      const of = this.tenants.get(tenant);
      const record = of?.deliveries.get(id);
      if (of === undefined || record === undefined || record.leaseOwner !== owner) return false;
      // Abandoned while leased: its endpoint was deleted during the attempt (`abandonedStatus`).
      const abandoned = record.delivery.status === 'abandoned';
      if (!abandoned && record.delivery.status !== 'pending') return false;
      record.attempts.push(structuredClone(attempt));
      const status = abandoned
        ? abandonedStatus(next.status)
        : settledStatus(next.status, record.manual);
      const settled = withoutNext({
        ...record.delivery,
        status,
        attempts: record.delivery.attempts + 1,
      });
      record.delivery =
        status === 'pending' && next.nextAttemptAt !== undefined
          ? { ...settled, nextAttemptAt: next.nextAttemptAt }
          : settled;
      record.manual = false;
      unlease(record);
      const endpoint = abandoned ? undefined : of.endpoints.get(record.delivery.endpoint);
      if (endpoint !== undefined) {
        const changed: Mutable<WebhookEndpoint> = { ...endpoint };
        if (next.disable !== undefined) {
          changed.status = 'disabled';
          changed.disabledReason = next.disable;
        }
        if (next.throttledUntil !== undefined)
          changed.throttledUntil = Math.max(
            endpoint.throttledUntil ?? next.throttledUntil,
            next.throttledUntil,
          );
        of.endpoints.set(endpoint.id, changed);
      }
      return true;
    });
  }

  release(owner: string): Promise<number> {
    return this.open.run(() => {
      let n = 0;
      for (const of of this.tenants.values())
        for (const record of of.deliveries.values())
          if (record.leaseOwner === owner) {
            unlease(record);
            n++;
          }
      return n;
    });
  }

  redeliver(tenant: string, id: string, at: number, realNow?: number): Promise<RedeliverResult> {
    return this.open.run(() => {
      const of = this.tenants.get(tenant);
      const record = of?.deliveries.get(id);
      if (of === undefined || record === undefined) return 'unknown';
      // Nothing to send (the payload was never stored), or nowhere to send it.
      if (!of.messages.has(record.delivery.eventId)) return 'blocked';
      if (!of.endpoints.has(record.delivery.endpoint)) return 'endpoint-gone';
      // A lease past `realNow` is a crashed process's: claimDue takes such a delivery over too.
      if (
        record.leaseOwner !== undefined &&
        (realNow === undefined || (record.leaseUntil !== undefined && record.leaseUntil > realNow))
      )
        return 'in-flight';
      // Still on its schedule: only brought forward (its retries stay); ended: one manual attempt.
      if (record.delivery.status !== 'pending') record.manual = true;
      record.delivery = { ...record.delivery, status: 'pending', nextAttemptAt: at };
      return 'queued';
    });
  }

  addProbe(
    tenant: string,
    probe: {
      readonly id: string;
      readonly kind: NonNullable<WebhookDelivery['probe']>;
      readonly at: number;
      readonly endpoint?: string;
    },
  ): Promise<WebhookDelivery | undefined> {
    return this.open.run(() => {
      const of = this.tenants.get(tenant);
      if (of === undefined || of.deliveries.has(probe.id)) return undefined;
      // Newest first, as SQLite's seq DESC: the deliveries Map keeps the order they were made.
      const original = [...of.deliveries.values()].reverse().find(({ delivery: d }) => {
        const endpoint = of.endpoints.get(d.endpoint);
        return (
          d.status === 'delivered' &&
          d.probe === undefined &&
          (probe.endpoint === undefined || d.endpoint === probe.endpoint) &&
          endpoint?.status === 'enabled' &&
          of.messages.has(d.eventId)
        );
      });
      if (original === undefined) return undefined;
      const { delivery: d } = original;
      const delivery: WebhookDelivery = {
        id: probe.id,
        endpoint: d.endpoint,
        url: of.endpoints.get(d.endpoint)!.url,
        eventId: d.eventId,
        eventType: d.eventType,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: probe.at,
        createdAt: probe.at,
        probe: probe.kind,
      };
      // `manual`: one attempt, never retried. Not in `made`: fan-out's one delivery per event
      // and endpoint is about the deliveries it makes, and a probe is none of them.
      of.deliveries.set(probe.id, {
        seq: ++this.seq,
        delivery,
        manual: true,
        attempts: [],
      });
      return structuredClone(delivery);
    });
  }

  getDelivery(
    tenant: string,
    id: string,
  ): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] } | undefined> {
    return this.open.run(() => {
      const record = this.tenants.get(tenant)?.deliveries.get(id);
      return record === undefined
        ? undefined
        : structuredClone({ delivery: record.delivery, attempts: record.attempts });
    });
  }

  listDeliveries(
    tenant: string,
    q: {
      readonly endpoint?: string;
      readonly eventId?: string;
      readonly status?: DeliveryStatus;
      readonly before?: string;
      readonly limit: number;
    },
  ): Promise<WebhookDelivery[]> {
    return this.open.run(() => {
      const deliveries = this.tenants.get(tenant)?.deliveries ?? new Map<string, DeliveryRecord>();
      let before = Infinity;
      if (q.before !== undefined) before = deliveries.get(q.before)?.seq ?? -Infinity;
      const limit = readLimit(q.limit);
      const page: WebhookDelivery[] = [];
      for (const record of [...deliveries.values()].reverse()) {
        if (page.length >= limit) break;
        const d = record.delivery;
        if (
          record.seq < before &&
          (q.endpoint === undefined || d.endpoint === q.endpoint) &&
          (q.eventId === undefined || d.eventId === q.eventId) &&
          (q.status === undefined || d.status === q.status)
        )
          page.push(structuredClone(d));
      }
      return page;
    });
  }

  tenantsWithWork(limit: number, after = ''): Promise<string[]> {
    return this.open.run(() => {
      const found: string[] = [];
      for (const [tenant, of] of this.tenants) {
        if (tenant <= after) continue;
        const last = this.events?.lastSeqNow(tenant) ?? 0;
        const pending = new Set<string>();
        for (const { delivery } of of.deliveries.values())
          if (delivery.status === 'pending') pending.add(delivery.endpoint);
        for (const e of of.endpoints.values())
          if (
            e.status === 'enabled' &&
            (pending.has(e.id) || last > Math.max(of.cursor, e.sinceSeq))
          ) {
            found.push(tenant);
            break;
          }
      }
      return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, readLimit(limit));
    });
  }

  dropTenant(tenant: string): void {
    this.tenants.delete(tenant);
  }

  private of(tenant: string): TenantWebhooks {
    let of = this.tenants.get(tenant);
    if (of === undefined)
      this.tenants.set(
        tenant,
        (of = {
          endpoints: new Map(),
          cursor: 0,
          messages: new Map(),
          deliveries: new Map(),
          made: new Set(),
        }),
      );
    return of;
  }
}

function withoutNext(delivery: WebhookDelivery): WebhookDelivery {
  const { nextAttemptAt: _gone, ...rest } = delivery;
  return rest;
}

function unlease(record: DeliveryRecord): void {
  delete record.leaseOwner;
  delete record.leaseUntil;
}
