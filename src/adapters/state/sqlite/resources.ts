import type Database from 'better-sqlite3';
import type { JsonValue } from '../../../core/json.js';
import { notYet } from '../not-yet.js';
import type {
  ChangeResult,
  ListPage,
  ResourceSnapshot,
  ResourceStore,
  StoredResource,
} from '../../../core/ports/resources.js';
import { PortState, type SqliteConnection } from './database.js';

interface ResourceRow {
  type: string;
  id: string;
  value: string;
}

function resourceOf(r: ResourceRow): StoredResource {
  return { type: r.type, id: r.id, value: JSON.parse(r.value) as JsonValue };
}

export class SqliteResourceStore implements ResourceStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'resources');
  }

  put(tenant: string, resource: StoredResource): Promise<void> {
    return this.port.run('store a resource', (db) => {
      putRow(db, tenant, resource);
    });
  }

  get(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return this.port.run('read a resource', (db) => {
      const row = db
        .prepare('SELECT type, id, value FROM resources WHERE tenant = ? AND type = ? AND id = ?')
        .get(tenant, type, id) as ResourceRow | undefined;
      return row === undefined ? undefined : resourceOf(row);
    });
  }

  list(tenant: string, type: string): Promise<StoredResource[]> {
    return this.port.run('list resources', (db) =>
      (
        db
          .prepare(
            'SELECT type, id, value FROM resources WHERE tenant = ? AND type = ? ORDER BY seq',
          )
          .all(tenant, type) as ResourceRow[]
      ).map(resourceOf),
    );
  }

  delete(tenant: string, type: string, id: string): Promise<boolean> {
    return this.port.run(
      'delete a resource',
      (db) =>
        db
          .prepare('DELETE FROM resources WHERE tenant = ? AND type = ? AND id = ?')
          .run(tenant, type, id).changes === 1,
    );
  }

  snapshot(tenant: string): Promise<ResourceSnapshot> {
    return this.port.run('snapshot resources', (db) =>
      (
        db
          .prepare('SELECT type, id, value FROM resources WHERE tenant = ? ORDER BY seq')
          .all(tenant) as ResourceRow[]
      ).map(resourceOf),
    );
  }

  restore(tenant: string, snapshot: ResourceSnapshot): Promise<void> {
    return this.port.atomically('restore resources', (db) => {
      db.prepare('DELETE FROM resources WHERE tenant = ?').run(tenant);
      for (const resource of snapshot) putRow(db, tenant, resource);
    });
  }

  page(): Promise<ListPage> {
    return notYet();
  }
  apply(): Promise<ChangeResult> {
    return notYet();
  }
  sequence(): Promise<number> {
    return notYet();
  }
  reserveIds(): Promise<number> {
    return notYet();
  }
  saveSnapshot(): Promise<void> {
    return notYet();
  }
  loadSnapshot(): Promise<boolean> {
    return notYet();
  }
  listSnapshots(): Promise<{ name: string; createdAt: number; resources: number }[]> {
    return notYet();
  }

  clear(tenant: string): Promise<void> {
    return this.port.run('clear resources', (db) => {
      db.prepare('DELETE FROM resources WHERE tenant = ?').run(tenant);
    });
  }
}

function putRow(db: Database.Database, tenant: string, r: StoredResource): void {
  db.prepare(
    `INSERT INTO resources(tenant, type, id, value) VALUES (?, ?, ?, ?)
     ON CONFLICT(tenant, type, id) DO UPDATE SET value = excluded.value`,
  ).run(tenant, r.type, r.id, JSON.stringify(r.value));
}
