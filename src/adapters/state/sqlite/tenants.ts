import type { TenantRecord, TenantStore } from '../../../core/ports/tenants.js';
import { PortState, type SqliteConnection } from './database.js';

interface TenantRow {
  id: string;
  name: string;
  key_hash: string;
  created_at: number;
}

const COLUMNS = 'id, name, key_hash, created_at';

function tenantOf(r: TenantRow): TenantRecord {
  return { id: r.id, name: r.name, keyHash: r.key_hash, createdAt: r.created_at };
}

export class SqliteTenantStore implements TenantStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'tenants');
  }

  create(tenant: TenantRecord): Promise<boolean> {
    return this.port.run('create a tenant', (db) => {
      const { changes } = db
        .prepare(`INSERT INTO tenants(${COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
        .run(tenant.id, tenant.name, tenant.keyHash, tenant.createdAt);
      return changes === 1;
    });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return this.one('id', id);
  }

  getByKeyHash(keyHash: string): Promise<TenantRecord | undefined> {
    return this.one('key_hash', keyHash);
  }

  list(): Promise<TenantRecord[]> {
    return this.port.run('list tenants', (db) =>
      (
        db.prepare(`SELECT ${COLUMNS} FROM tenants ORDER BY created_at, id`).all() as TenantRow[]
      ).map(tenantOf),
    );
  }

  delete(id: string): Promise<boolean> {
    return this.port.atomically('delete a tenant', (db) => {
      for (const table of ['resources', 'idempotency_keys', 'outbox'])
        db.prepare(`DELETE FROM ${table} WHERE tenant = ?`).run(id);
      return db.prepare('DELETE FROM tenants WHERE id = ?').run(id).changes === 1;
    });
  }

  private one(column: 'id' | 'key_hash', value: string): Promise<TenantRecord | undefined> {
    return this.port.run('read a tenant', (db) => {
      const row = db.prepare(`SELECT ${COLUMNS} FROM tenants WHERE ${column} = ?`).get(value) as
        TenantRow | undefined;
      return row === undefined ? undefined : tenantOf(row);
    });
  }
}
