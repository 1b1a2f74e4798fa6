import type { TenantKeyRecord, TenantRecord, TenantStore } from '../../../core/ports/tenants.js';
import { notYet } from '../not-yet.js';
import { PortState, type SqliteConnection } from './database.js';

export class SqliteTenantStore implements TenantStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'tenants');
  }

  create(): Promise<boolean> {
    return notYet();
  }
  get(): Promise<TenantRecord | undefined> {
    return notYet();
  }
  getByName(): Promise<TenantRecord | undefined> {
    return notYet();
  }
  list(): Promise<TenantRecord[]> {
    return notYet();
  }
  resolveKey(): Promise<TenantRecord | undefined> {
    return notYet();
  }
  addKey(): Promise<boolean> {
    return notYet();
  }
  listKeys(): Promise<TenantKeyRecord[]> {
    return notYet();
  }
  updateKeys(): Promise<number> {
    return notYet();
  }
  update(): Promise<boolean> {
    return notYet();
  }
  delete(id: string): Promise<boolean> {
    return this.port.atomically('delete a tenant', (db) => {
      for (const table of ['resources', 'idempotency_keys', 'outbox'])
        db.prepare(`DELETE FROM ${table} WHERE tenant = ?`).run(id);
      return db.prepare('DELETE FROM tenants WHERE id = ?').run(id).changes === 1;
    });
  }
}
