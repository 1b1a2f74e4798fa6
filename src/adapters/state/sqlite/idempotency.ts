import { notYet } from '../not-yet.js';
import type {
  IdempotencyBegin,
  IdempotencyStore,
  IdempotentResponse,
} from '../../../core/ports/idempotency.js';
import { PortState, type SqliteConnection } from './database.js';

interface KeyRow {
  fingerprint: string;
  status: number | null;
  headers: string | null;
  body: Uint8Array | null;
}

export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'idempotency');
  }

  begin(
    tenant: string,
    key: string,
    fingerprint: string,
    _endpoint: string,
    at: number,
  ): Promise<IdempotencyBegin> {
    // Immediate: the look-up and the claim are one step, also against another process.
    return this.port.atomically('claim an idempotency key', (db): IdempotencyBegin => {
      const row = db
        .prepare(
          'SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE tenant = ? AND key = ?',
        )
        .get(tenant, key) as KeyRow | undefined;
      if (row === undefined) {
        db.prepare(
          'INSERT INTO idempotency_keys(tenant, key, fingerprint, begun_at) VALUES (?, ?, ?, ?)',
        ).run(tenant, key, fingerprint, at);
        return { kind: 'new' };
      }
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch', endpoint: '' };
      if (row.status === null) return { kind: 'in-flight' };
      return {
        kind: 'completed',
        response: {
          status: row.status,
          headers: JSON.parse(row.headers ?? '[]') as [string, string][],
          // better-sqlite3 hands BLOBs back as Buffers; the port speaks Uint8Array.
          body: Uint8Array.from(row.body ?? new Uint8Array()),
        },
      };
    });
  }

  complete(tenant: string, key: string, response: IdempotentResponse): Promise<boolean> {
    return this.port.run(
      'store an idempotent response',
      (db) =>
        db
          .prepare(
            `UPDATE idempotency_keys SET status = ?, headers = ?, body = ?
             WHERE tenant = ? AND key = ? AND status IS NULL`,
          )
          .run(response.status, JSON.stringify(response.headers), response.body, tenant, key)
          .changes === 1,
    );
  }

  release(tenant: string, key: string): Promise<boolean> {
    return this.port.run(
      'release an idempotency key',
      (db) =>
        db
          .prepare('DELETE FROM idempotency_keys WHERE tenant = ? AND key = ? AND status IS NULL')
          .run(tenant, key).changes === 1,
    );
  }

  releaseInFlight(): Promise<number> {
    return notYet();
  }

  clear(): Promise<void> {
    return notYet();
  }

  expire(tenant: string, before: number): Promise<number> {
    return this.port.run(
      'expire idempotency keys',
      (db) =>
        db
          .prepare('DELETE FROM idempotency_keys WHERE tenant = ? AND begun_at < ?')
          .run(tenant, before).changes,
    );
  }
}
