// Over 450 lines: the WebhookStore port over migration 5's tables (6 adds `description`, 7 lets
// probes repeat a delivery), one method each; the claim, settle and fan-out transactions read the
// same rows and are kept side by side on purpose.
import type {
  ClaimedDelivery,
  DeliveryStatus,
  FanOut,
  RedeliverResult,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookSecret,
  WebhookStore,
} from '../../../core/ports/webhooks.js';
import { abandonedStatus, readLimit, settledStatus } from '../rules.js';
import { PortState, type SqliteConnection } from './database.js';

interface EndpointRow {
  id: string;
  url: string;
  events: string | null;
  status: WebhookEndpoint['status'];
  disabled_reason: 'manual' | 'gone' | null;
  secrets: string;
  since_seq: number;
  created_at: number;
  throttled_until: number | null;
  description: string | null;
}

interface DeliveryRow {
  seq: number;
  id: string;
  endpoint: string;
  url: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  created_at: number;
  probe: NonNullable<WebhookDelivery['probe']> | null;
}

interface AttemptRow {
  n: number;
  at: number;
  sent_at: number;
  outcome: WebhookAttempt['outcome'];
  status: number | null;
  latency_ms: number;
  error: NonNullable<WebhookAttempt['error']> | null;
  excerpt: string | null;
  next_attempt_at: number | null;
  manual: number;
}

const ENDPOINT_COLUMNS =
  'id, url, events, status, disabled_reason, secrets, since_seq, created_at, throttled_until, description';
const E_COLUMNS = ENDPOINT_COLUMNS.split(', ')
  .map((c) => `e.${c} AS e_${c}`)
  .join(', ');
const DELIVERY_COLUMNS =
  'seq, id, endpoint, url, event_id, event_type, status, attempts, next_attempt_at, created_at, probe';
const D_COLUMNS = DELIVERY_COLUMNS.split(', ')
  .map((c) => `d.${c}`)
  .join(', ');
const ATTEMPT_COLUMNS =
  'n, at, sent_at, outcome, status, latency_ms, error, excerpt, next_attempt_at, manual';

export function endpointOf(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    events: r.events === null ? null : (JSON.parse(r.events) as string[]),
    status: r.status,
    ...(r.disabled_reason === null ? {} : { disabledReason: r.disabled_reason }),
    secrets: JSON.parse(r.secrets) as WebhookSecret[],
    sinceSeq: r.since_seq,
    createdAt: r.created_at,
    ...(r.throttled_until === null ? {} : { throttledUntil: r.throttled_until }),
    ...(r.description === null ? {} : { description: r.description }),
  };
}

function deliveryOf(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    endpoint: r.endpoint,
    url: r.url,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    ...(r.next_attempt_at === null ? {} : { nextAttemptAt: r.next_attempt_at }),
    createdAt: r.created_at,
    ...(r.probe === null ? {} : { probe: r.probe }),
  };
}

function attemptOf(r: AttemptRow): WebhookAttempt {
  return {
    n: r.n,
    at: r.at,
    sentAt: r.sent_at,
    outcome: r.outcome,
    ...(r.status === null ? {} : { status: r.status }),
    latencyMs: r.latency_ms,
    ...(r.error === null ? {} : { error: r.error }),
    ...(r.excerpt === null ? {} : { excerpt: r.excerpt }),
    ...(r.next_attempt_at === null ? {} : { nextAttemptAt: r.next_attempt_at }),
    manual: r.manual === 1,
  };
}

/** The endpoint columns of a joined row (`e_…`), as an endpoint row. */
function joinedEndpoint(r: Record<string, unknown>): EndpointRow {
  const row: Record<string, unknown> = {};
  for (const c of ENDPOINT_COLUMNS.split(', ')) row[c] = r[`e_${c}`];
  return row as unknown as EndpointRow;
}

/**
 * The webhook_* tables of migration 5. Every write that reads before it writes (fan-out, claim,
 * settle, redeliver, deleting an endpoint) is one immediate transaction, so two servers (or a
 * server and `tapedeck webhooks`) on one file never fan an event out twice, never both hold a
 * delivery, and never record an attempt for a lease they lost. Secrets are kept as JSON in the
 * endpoint row (the file is 0600, secure_delete) and appear in no message this store writes.
 */
export class SqliteWebhookStore implements WebhookStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'webhooks');
  }

  addEndpoint(tenant: string, endpoint: WebhookEndpoint): Promise<boolean> {
    return this.port.run(
      'add a webhook endpoint',
      () =>
        this.port
          .sql(
            `INSERT INTO webhook_endpoints(tenant, ${ENDPOINT_COLUMNS})
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          )
          .run(
            tenant,
            endpoint.id,
            endpoint.url,
            endpoint.events === null ? null : JSON.stringify(endpoint.events),
            endpoint.status,
            endpoint.disabledReason ?? null,
            JSON.stringify(endpoint.secrets),
            endpoint.sinceSeq,
            endpoint.createdAt,
            endpoint.throttledUntil ?? null,
            endpoint.description ?? null,
          ).changes === 1,
    );
  }

  getEndpoint(tenant: string, id: string): Promise<WebhookEndpoint | undefined> {
    return this.port.run('read a webhook endpoint', () => {
      const row = this.port
        .sql(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant = ? AND id = ?`)
        .get(tenant, id) as EndpointRow | undefined;
      return row === undefined ? undefined : endpointOf(row);
    });
  }

  listEndpoints(tenant: string): Promise<WebhookEndpoint[]> {
    return this.port.run('list webhook endpoints', () =>
      (
        this.port
          .sql(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant = ? ORDER BY seq`)
          .all(tenant) as EndpointRow[]
      ).map(endpointOf),
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
    return this.port.run('update a webhook endpoint', () => {
      // A flag per member says whether it is patched: one statement for every patch shape.
      const { changes } = this.port
        .sql(
          `UPDATE webhook_endpoints SET
             url = CASE WHEN @hasUrl THEN @url ELSE url END,
             events = CASE WHEN @hasEvents THEN @events ELSE events END,
             status = CASE WHEN @hasStatus THEN @status ELSE status END,
             secrets = CASE WHEN @hasSecrets THEN @secrets ELSE secrets END,
             disabled_reason = CASE WHEN @hasReason THEN @reason ELSE disabled_reason END,
             throttled_until = CASE WHEN @hasThrottle THEN @throttle ELSE throttled_until END,
             description = CASE WHEN @hasDescription THEN @description ELSE description END
           WHERE tenant = @tenant AND id = @id`,
        )
        .run({
          tenant,
          id,
          hasUrl: patch.url === undefined ? 0 : 1,
          url: patch.url ?? null,
          hasEvents: patch.events === undefined ? 0 : 1,
          events: patch.events == null ? null : JSON.stringify(patch.events),
          hasStatus: patch.status === undefined ? 0 : 1,
          status: patch.status ?? null,
          hasSecrets: patch.secrets === undefined ? 0 : 1,
          secrets: patch.secrets === undefined ? null : JSON.stringify(patch.secrets),
          hasReason: patch.disabledReason === undefined ? 0 : 1,
          reason: patch.disabledReason ?? null,
          hasThrottle: patch.throttledUntil === undefined ? 0 : 1,
          throttle: patch.throttledUntil ?? null,
          hasDescription: patch.description === undefined ? 0 : 1,
          description: patch.description ?? null,
        });
      return changes === 1;
    });
  }

  deleteEndpoint(tenant: string, id: string): Promise<boolean> {
    return this.port.atomically('delete a webhook endpoint', () => {
      const gone =
        this.port.sql('DELETE FROM webhook_endpoints WHERE tenant = ? AND id = ?').run(tenant, id)
          .changes === 1;
      if (!gone) return false;
      // The log stays; what was still to be sent never will be. The lease stays: the attempt in
      // flight, if any, is still recorded when it settles (`abandonedStatus`).
      this.port
        .sql(
          `UPDATE webhook_deliveries SET status = 'abandoned', next_attempt_at = NULL
           WHERE tenant = ? AND endpoint = ? AND status = 'pending'`,
        )
        .run(tenant, id);
      return true;
    });
  }

  cursor(tenant: string): Promise<number> {
    return this.port.run('read the webhook cursor', () => this.cursorNow(tenant));
  }

  fanOut(tenant: string, change: FanOut): Promise<boolean> {
    return this.port.atomically('fan out webhook events', () => {
      if (this.cursorNow(tenant) !== change.afterSeq) return false;
      this.port
        .sql(
          `INSERT INTO webhook_cursors(tenant, seq) VALUES (?, ?)
           ON CONFLICT(tenant) DO UPDATE SET seq = excluded.seq`,
        )
        .run(tenant, change.toSeq);
      for (const m of change.messages)
        this.port
          .sql(
            `INSERT INTO webhook_messages(tenant, event_id, type, payload) VALUES (?, ?, ?, ?)
             ON CONFLICT DO NOTHING`,
          )
          .run(tenant, m.eventId, m.type, m.payload);
      for (const d of change.deliveries) {
        // The endpoint's URL as it is now; an endpoint deleted meanwhile gets nothing. A second
        // delivery of one event to one endpoint (UNIQUE) is no delivery at all. The event's type
        // is its message's, else the event's own (a blocked payload may have no message).
        const made = this.port
          .sql(
            `INSERT INTO webhook_deliveries(tenant, id, endpoint, url, event_id, event_type, status,
               attempts, next_attempt_at, created_at)
             SELECT @tenant, @id, e.id, e.url, @eventId,
               COALESCE(
                 (SELECT type FROM webhook_messages WHERE tenant = @tenant AND event_id = @eventId),
                 (SELECT type FROM events WHERE tenant = @tenant AND id = @eventId)),
               @status, @attempts, @next, @dueAt
             FROM webhook_endpoints AS e WHERE e.tenant = @tenant AND e.id = @endpoint
             ON CONFLICT DO NOTHING`,
          )
          .run({
            tenant,
            id: d.id,
            endpoint: d.endpoint,
            eventId: d.eventId,
            status: d.blocked === undefined ? 'pending' : 'failed',
            attempts: d.blocked === undefined ? 0 : 1,
            next: d.blocked === undefined ? d.dueAt : null,
            dueAt: d.dueAt,
          });
        if (made.changes === 1 && d.blocked !== undefined)
          this.insertAttempt(tenant, d.id, d.blocked);
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
    return this.port.atomically('claim due webhook deliveries', () => {
      // The WHERE of the UPDATE is the claim: a delivery another connection leased first no
      // longer matches, whoever committed first.
      const claimed = this.port
        .sql(
          `UPDATE webhook_deliveries SET lease_owner = @owner, lease_until = @until
           WHERE seq IN (
             SELECT d.seq FROM webhook_deliveries AS d
             JOIN webhook_endpoints AS e ON e.tenant = d.tenant AND e.id = d.endpoint
             JOIN webhook_messages AS m ON m.tenant = d.tenant AND m.event_id = d.event_id
             WHERE d.tenant = @tenant AND d.status = 'pending' AND d.next_attempt_at <= @now
               AND (d.lease_until IS NULL OR d.lease_until <= @realNow)
               AND e.status = 'enabled' AND (e.throttled_until IS NULL OR e.throttled_until <= @now)
             ORDER BY d.next_attempt_at, d.seq LIMIT @limit)
           RETURNING seq`,
        )
        .all({
          tenant,
          owner: q.owner,
          until: q.realNow + q.leaseMs,
          now: q.now,
          realNow: q.realNow,
          limit: readLimit(q.limit),
        }) as { seq: number }[];
      if (claimed.length === 0) return [];
      const rows = this.port
        .sql(
          `SELECT ${D_COLUMNS}, d.manual, m.payload, ${E_COLUMNS},
             ev.trace_id AS ev_trace_id, ev.trace_flags AS ev_trace_flags
           FROM webhook_deliveries AS d
           JOIN webhook_endpoints AS e ON e.tenant = d.tenant AND e.id = d.endpoint
           JOIN webhook_messages AS m ON m.tenant = d.tenant AND m.event_id = d.event_id
           LEFT JOIN events AS ev ON ev.tenant = d.tenant AND ev.id = d.event_id
           WHERE d.seq IN (SELECT value FROM json_each(?))
           ORDER BY d.next_attempt_at, d.seq`,
        )
        .all(JSON.stringify(claimed.map((c) => c.seq))) as (DeliveryRow & {
        manual: number;
        payload: string;
        ev_trace_id: string | null;
        ev_trace_flags: string | null;
      } & Record<string, unknown>)[];
      return rows.map((r) => ({
        delivery: deliveryOf(r),
        endpoint: endpointOf(joinedEndpoint(r)),
        payload: r.payload,
        manual: r.manual === 1,
        ...(r.ev_trace_id === null || r.ev_trace_flags === null
          ? {}
          : { trace: { traceId: r.ev_trace_id, flags: r.ev_trace_flags } }),
      }));
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
    return this.port.atomically('record a webhook attempt', () => {
      const row = this.port
        .sql(
          `SELECT endpoint, manual, status FROM webhook_deliveries
           WHERE tenant = ? AND id = ? AND lease_owner = ? AND status IN ('pending', 'abandoned')`,
        )
        .get(tenant, id, owner) as
        { endpoint: string; manual: number; status: DeliveryStatus } | undefined;
      if (row === undefined) return false;
      this.insertAttempt(tenant, id, attempt);
      // Abandoned while leased: its endpoint was deleted during the attempt.
      const abandoned = row.status === 'abandoned';
      const status = abandoned
        ? abandonedStatus(next.status)
        : settledStatus(next.status, row.manual === 1);
      this.port
        .sql(
          `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?,
             lease_owner = NULL, lease_until = NULL, manual = 0
           WHERE tenant = ? AND id = ?`,
        )
        .run(status, status === 'pending' ? (next.nextAttemptAt ?? null) : null, tenant, id);
      if (abandoned) return true;
      if (next.disable !== undefined)
        this.port
          .sql(
            `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?
             WHERE tenant = ? AND id = ?`,
          )
          .run(next.disable, tenant, row.endpoint);
      if (next.throttledUntil !== undefined)
        this.port
          .sql(
            `UPDATE webhook_endpoints SET throttled_until = MAX(COALESCE(throttled_until, ?), ?)
             WHERE tenant = ? AND id = ?`,
          )
          .run(next.throttledUntil, next.throttledUntil, tenant, row.endpoint);
      return true;
    });
  }

  release(owner: string): Promise<number> {
    return this.port.run(
      'release webhook leases',
      () =>
        this.port
          .sql(
            `UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL
             WHERE lease_owner = ?`,
          )
          .run(owner).changes,
    );
  }

  redeliver(tenant: string, id: string, at: number, realNow?: number): Promise<RedeliverResult> {
    return this.port.atomically('queue a webhook redelivery', () => {
      const row = this.port
        .sql(
          `SELECT d.lease_owner, d.lease_until, e.id IS NOT NULL AS endpoint,
                  m.event_id IS NOT NULL AS message
           FROM webhook_deliveries AS d
           LEFT JOIN webhook_endpoints AS e ON e.tenant = d.tenant AND e.id = d.endpoint
           LEFT JOIN webhook_messages AS m ON m.tenant = d.tenant AND m.event_id = d.event_id
           WHERE d.tenant = ? AND d.id = ?`,
        )
        .get(tenant, id) as
        | {
            lease_owner: string | null;
            lease_until: number | null;
            endpoint: number;
            message: number;
          }
        | undefined;
      if (row === undefined) return 'unknown';
      // Nothing to send (the payload was never stored), or nowhere to send it.
      if (row.message === 0) return 'blocked';
      if (row.endpoint === 0) return 'endpoint-gone';
      // A lease past `realNow` is a crashed process's: claimDue takes such a delivery over too.
      if (
        row.lease_owner !== null &&
        (realNow === undefined || (row.lease_until !== null && row.lease_until > realNow))
      )
        return 'in-flight';
      // A delivery still on its schedule is only brought forward (it keeps its retries); one
      // that ended (delivered, failed, abandoned) gets one manual attempt.
      this.port
        .sql(
          `UPDATE webhook_deliveries
           SET next_attempt_at = ?, manual = CASE WHEN status = 'pending' THEN manual ELSE 1 END,
               status = 'pending'
           WHERE tenant = ? AND id = ?`,
        )
        .run(at, tenant, id);
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
    return this.port.atomically('add a webhook probe', () => {
      // The newest delivered delivery (not a probe) to an enabled endpoint, with its message:
      // the probe is a copy of it, `manual` (one attempt, never retried), due at `at`.
      const made = this.port
        .sql(
          `INSERT INTO webhook_deliveries(tenant, id, endpoint, url, event_id, event_type, status,
             attempts, next_attempt_at, created_at, manual, probe)
           SELECT d.tenant, @id, d.endpoint, e.url, d.event_id, d.event_type, 'pending', 0, @at,
             @at, 1, @kind
           FROM webhook_deliveries AS d
           JOIN webhook_endpoints AS e ON e.tenant = d.tenant AND e.id = d.endpoint
           JOIN webhook_messages AS m ON m.tenant = d.tenant AND m.event_id = d.event_id
           WHERE d.tenant = @tenant AND d.status = 'delivered' AND d.probe IS NULL
             AND e.status = 'enabled' AND (@endpoint IS NULL OR d.endpoint = @endpoint)
           ORDER BY d.seq DESC LIMIT 1
           ON CONFLICT DO NOTHING`,
        )
        .run({
          tenant,
          id: probe.id,
          at: probe.at,
          kind: probe.kind,
          endpoint: probe.endpoint ?? null,
        });
      if (made.changes !== 1) return undefined;
      const row = this.port
        .sql(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant = ? AND id = ?`)
        .get(tenant, probe.id) as DeliveryRow;
      return deliveryOf(row);
    });
  }

  getDelivery(
    tenant: string,
    id: string,
  ): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] } | undefined> {
    return this.port.run('read a webhook delivery', () => {
      const row = this.port
        .sql(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant = ? AND id = ?`)
        .get(tenant, id) as DeliveryRow | undefined;
      if (row === undefined) return undefined;
      const attempts = this.port
        .sql(
          `SELECT ${ATTEMPT_COLUMNS} FROM webhook_attempts
           WHERE tenant = ? AND delivery = ? ORDER BY seq`,
        )
        .all(tenant, id) as AttemptRow[];
      return { delivery: deliveryOf(row), attempts: attempts.map(attemptOf) };
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
    return this.port.run('list webhook deliveries', () =>
      (
        this.port
          .sql(
            `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
             WHERE tenant = @tenant
               AND (@endpoint IS NULL OR endpoint = @endpoint)
               AND (@eventId IS NULL OR event_id = @eventId)
               AND (@status IS NULL OR status = @status)
               AND (@before IS NULL OR seq <
                 (SELECT seq FROM webhook_deliveries WHERE tenant = @tenant AND id = @before))
             ORDER BY seq DESC LIMIT @limit`,
          )
          .all({
            tenant,
            endpoint: q.endpoint ?? null,
            eventId: q.eventId ?? null,
            status: q.status ?? null,
            before: q.before ?? null,
            limit: readLimit(q.limit),
          }) as DeliveryRow[]
      ).map(deliveryOf),
    );
  }

  tenantsWithWork(limit: number, after = ''): Promise<string[]> {
    return this.port.run('find tenants with webhook work', () =>
      (
        this.port
          .sql(
            // From the endpoints (few) out: pending deliveries to an enabled endpoint, or an
            // event it would get (past the cursor and its sinceSeq) not yet fanned out.
            `SELECT DISTINCT e.tenant FROM webhook_endpoints AS e
             LEFT JOIN webhook_cursors AS c ON c.tenant = e.tenant
             WHERE e.tenant > ? AND e.status = 'enabled' AND (
               EXISTS (SELECT 1 FROM webhook_deliveries AS d
                       WHERE d.tenant = e.tenant AND d.status = 'pending' AND d.endpoint = e.id)
               OR EXISTS (SELECT 1 FROM events AS v
                          WHERE v.tenant = e.tenant AND v.seq > MAX(COALESCE(c.seq, 0), e.since_seq)))
             ORDER BY e.tenant LIMIT ?`,
          )
          .all(after, readLimit(limit)) as { tenant: string }[]
      ).map((r) => r.tenant),
    );
  }

  private cursorNow(tenant: string): number {
    const row = this.port.sql('SELECT seq FROM webhook_cursors WHERE tenant = ?').get(tenant) as
      { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  private insertAttempt(tenant: string, delivery: string, a: WebhookAttempt): void {
    this.port
      .sql(
        `INSERT INTO webhook_attempts(tenant, delivery, ${ATTEMPT_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        tenant,
        delivery,
        a.n,
        a.at,
        a.sentAt,
        a.outcome,
        a.status ?? null,
        a.latencyMs,
        a.error ?? null,
        a.excerpt ?? null,
        a.nextAttemptAt ?? null,
        a.manual ? 1 : 0,
      );
  }
}
