import type {
  IdempotencyBegin,
  IdempotencyStore,
  IdempotentResponse,
} from '../../../core/ports/idempotency.js';
import { PortState, type SqliteConnection } from './database.js';

interface KeyRow {
  fingerprint: string;
  endpoint: string;
  begun_at: number;
  status: number | null;
  headers: string | null;
  body: Uint8Array | null;
}

/** Idempotency keys (their hashes) of the state file; `key` holds the hash. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'idempotency');
  }

  begin(
    tenant: string,
    keyHash: string,
    fingerprint: string,
    endpoint: string,
    at: number,
    notBefore: number,
  ): Promise<IdempotencyBegin> {
    // Immediate: the look-up and the claim are one step, also against another process.
    return this.port.atomically('claim an idempotency key', (): IdempotencyBegin => {
      const row = this.port
        .sql(
          `SELECT fingerprint, endpoint, begun_at, status, headers, body FROM idempotency_keys
           WHERE tenant = ? AND key = ?`,
        )
        .get(tenant, keyHash) as KeyRow | undefined;
      if (row === undefined || row.begun_at < notBefore) {
        // Absent, or begun before the retention window: claimed afresh (overwritten).
        this.port
          .sql(
            `INSERT INTO idempotency_keys(tenant, key, fingerprint, endpoint, begun_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(tenant, key) DO UPDATE SET fingerprint = excluded.fingerprint,
               endpoint = excluded.endpoint, begun_at = excluded.begun_at,
               status = NULL, headers = NULL, body = NULL`,
          )
          .run(tenant, keyHash, fingerprint, endpoint, at);
        return { kind: 'new' };
      }
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch', endpoint: row.endpoint };
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

  complete(tenant: string, keyHash: string, response: IdempotentResponse): Promise<boolean> {
    return this.port.run(
      'store an idempotent response',
      () =>
        this.port
          .sql(
            `UPDATE idempotency_keys SET status = ?, headers = ?, body = ?
             WHERE tenant = ? AND key = ? AND status IS NULL`,
          )
          .run(response.status, JSON.stringify(response.headers), response.body, tenant, keyHash)
          .changes === 1,
    );
  }

  release(tenant: string, keyHash: string): Promise<boolean> {
    return this.port.run(
      'release an idempotency key',
      () =>
        this.port
          .sql('DELETE FROM idempotency_keys WHERE tenant = ? AND key = ? AND status IS NULL')
          .run(tenant, keyHash).changes === 1,
    );
  }

  releaseInFlight(): Promise<number> {
    // Every tenant's at once (start-up, after a crash): the one statement not led by a tenant.
    return this.port.run(
      'release in-flight idempotency keys',
      () => this.port.sql('DELETE FROM idempotency_keys WHERE status IS NULL').run().changes,
    );
  }

  expire(tenant: string, before: number): Promise<number> {
    return this.port.run(
      'expire idempotency keys',
      () =>
        this.port
          .sql('DELETE FROM idempotency_keys WHERE tenant = ? AND begun_at < ?')
          .run(tenant, before).changes,
    );
  }

  clear(tenant: string): Promise<void> {
    return this.port.run('clear idempotency keys', () => {
      this.port.sql('DELETE FROM idempotency_keys WHERE tenant = ?').run(tenant);
    });
  }
}
