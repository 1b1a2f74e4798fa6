import type { JsonValue } from '../../../core/json.js';
import type { EventStore, StoredEvent } from '../../../core/ports/events.js';
import type { SandboxEvent } from '../../../core/ports/resources.js';
import { readLimit } from '../rules.js';
import { PortState, type SqliteConnection } from './database.js';

interface EventRow {
  seq: number;
  id: string;
  type: string;
  at: number;
  resource_type: string;
  resource_id: string;
  data: string;
  idempotency_key_hash: string | null;
  previous: string | null;
  idempotency_key: string | null;
  request_id: string | null;
  trace_id: string | null;
  trace_flags: string | null;
}

function eventOf(r: EventRow): StoredEvent {
  return {
    seq: r.seq,
    id: r.id,
    type: r.type,
    at: r.at,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    data: JSON.parse(r.data) as JsonValue,
    ...(r.idempotency_key_hash === null ? {} : { idempotencyKeyHash: r.idempotency_key_hash }),
    ...(r.previous === null ? {} : { previous: JSON.parse(r.previous) as JsonValue }),
    ...(r.idempotency_key === null ? {} : { idempotencyKey: r.idempotency_key }),
    ...(r.request_id === null ? {} : { requestId: r.request_id }),
    // The flags travel with the trace id only: one without the other is no trace to continue.
    ...(r.trace_id === null || r.trace_flags === null
      ? {}
      : { traceId: r.trace_id, traceFlags: r.trace_flags }),
  };
}

/**
 * Writes one event row: called by `SqliteResourceStore.apply` inside its transaction (migration
 * 6 added the request id and the trace columns).
 */
export function insertEvent(port: PortState, tenant: string, e: SandboxEvent): void {
  port
    .sql(
      `INSERT INTO events(tenant, id, type, at, resource_type, resource_id, data,
         idempotency_key_hash, previous, idempotency_key, request_id, trace_id, trace_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      tenant,
      e.id,
      e.type,
      e.at,
      e.resourceType,
      e.resourceId,
      JSON.stringify(e.data),
      e.idempotencyKeyHash ?? null,
      e.previous === undefined ? null : JSON.stringify(e.previous),
      e.idempotencyKey ?? null,
      e.requestId ?? null,
      e.traceId === undefined || e.traceFlags === undefined ? null : e.traceId,
      e.traceId === undefined || e.traceFlags === undefined ? null : e.traceFlags,
    );
}

/** The events table; rows are written by `SqliteResourceStore.apply`. */
export class SqliteEventStore implements EventStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'events');
  }

  list(tenant: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.port.run('list events', () =>
      (
        this.port
          .sql(
            `SELECT seq, id, type, at, resource_type, resource_id, data, idempotency_key_hash,
               previous, idempotency_key, request_id, trace_id, trace_flags
             FROM events WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?`,
          )
          .all(tenant, afterSeq, readLimit(limit)) as EventRow[]
      ).map(eventOf),
    );
  }

  lastSeq(tenant: string): Promise<number> {
    return this.port.run('read the last event seq', () => {
      const row = this.port
        .sql('SELECT MAX(seq) AS seq FROM events WHERE tenant = ?')
        .get(tenant) as { seq: number | null };
      return row.seq ?? 0;
    });
  }
}
