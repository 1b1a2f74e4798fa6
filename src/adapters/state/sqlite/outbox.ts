import type { DeliveryAttempt, OutboxDelivery, WebhookOutbox } from '../../../core/ports/outbox.js';
import { PortState, type SqliteConnection } from './database.js';

interface DeliveryRow {
  id: string;
  destination: string;
  payload: string;
  status: OutboxDelivery['status'];
  next_attempt_at: number | null;
  attempts: number;
  last_attempt: string | null;
}

const COLUMNS = 'id, destination, payload, status, next_attempt_at, attempts, last_attempt';

function deliveryOf(r: DeliveryRow): OutboxDelivery {
  return {
    id: r.id,
    destination: r.destination,
    payload: r.payload,
    status: r.status,
    nextAttemptAt: r.next_attempt_at ?? undefined,
    attempts: r.attempts,
    ...(r.last_attempt === null
      ? {}
      : { lastAttempt: JSON.parse(r.last_attempt) as DeliveryAttempt }),
  };
}

export class SqliteWebhookOutbox implements WebhookOutbox {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'webhook outbox');
  }

  enqueue(
    tenant: string,
    delivery: { readonly id: string; readonly destination: string; readonly payload: string },
    at: number,
  ): Promise<boolean> {
    return this.port.run(
      'queue a webhook delivery',
      () =>
        this.port
          .sql(
            `INSERT INTO outbox(tenant, id, destination, payload, status, next_attempt_at, attempts)
             VALUES (?, ?, ?, ?, 'pending', ?, 0) ON CONFLICT DO NOTHING`,
          )
          .run(tenant, delivery.id, delivery.destination, delivery.payload, at).changes === 1,
    );
  }

  due(tenant: string, now: number, limit: number): Promise<OutboxDelivery[]> {
    return this.port.run('read due webhook deliveries', () =>
      (
        this.port
          .sql(
            `SELECT ${COLUMNS} FROM outbox
             WHERE tenant = ? AND status = 'pending' AND next_attempt_at <= ?
             ORDER BY next_attempt_at, seq LIMIT ?`,
          )
          .all(tenant, now, Math.max(1, Math.floor(limit))) as DeliveryRow[]
      ).map(deliveryOf),
    );
  }

  markAttempt(tenant: string, id: string, attempt: DeliveryAttempt): Promise<boolean> {
    const status = attempt.outcome === 'retry' ? 'pending' : attempt.outcome;
    const next = attempt.outcome === 'retry' ? attempt.nextAttemptAt : null;
    return this.port.run(
      'record a webhook attempt',
      () =>
        this.port
          .sql(
            `UPDATE outbox SET status = ?, next_attempt_at = ?, attempts = attempts + 1, last_attempt = ?
             WHERE tenant = ? AND id = ? AND status = 'pending'`,
          )
          .run(status, next, JSON.stringify(attempt), tenant, id).changes === 1,
    );
  }

  get(tenant: string, id: string): Promise<OutboxDelivery | undefined> {
    return this.port.run('read a webhook delivery', () => {
      const row = this.port
        .sql(`SELECT ${COLUMNS} FROM outbox WHERE tenant = ? AND id = ?`)
        .get(tenant, id) as DeliveryRow | undefined;
      return row === undefined ? undefined : deliveryOf(row);
    });
  }
}
