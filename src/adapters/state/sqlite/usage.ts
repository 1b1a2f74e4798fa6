import type { UsageStore } from '../../../core/ports/usage.js';
import { finite } from '../rules.js';
import { PortState, type SqliteConnection } from './database.js';

/** Requests per tenant per day, in the usage table. */
export class SqliteUsageStore implements UsageStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'usage');
  }

  add(tenant: string, day: number, n: number): Promise<number> {
    return this.port.run('count requests', () => {
      const row = this.port
        .sql(
          `INSERT INTO usage(tenant, day, requests) VALUES (?, ?, ?)
           ON CONFLICT(tenant, day) DO UPDATE SET requests = requests + excluded.requests
           RETURNING requests`,
        )
        .get(tenant, day, finite('a request count', n)) as { requests: number };
      return row.requests;
    });
  }

  get(tenant: string, day: number): Promise<number> {
    return this.port.run('read request counts', () => {
      const row = this.port
        .sql('SELECT requests FROM usage WHERE tenant = ? AND day = ?')
        .get(tenant, day) as { requests: number } | undefined;
      return row?.requests ?? 0;
    });
  }
}
