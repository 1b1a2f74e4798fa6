import type {
  TenantClockState,
  TenantKeyRecord,
  TenantQuotas,
  TenantRecord,
  TenantStore,
} from '../../../core/ports/tenants.js';
import { PortState, type SqliteConnection } from './database.js';

interface TenantRow {
  id: string;
  name: string;
  created_at: number;
  last_used_at: number;
  seed_set: string;
  seeded_at: number | null;
  id_seed: string;
  clock_offset_ms: number;
  clock_frozen_at: number | null;
  quotas: string | null;
  resource_count: number;
  bytes_stored: number;
}

interface KeyRow {
  hash: string;
  tenant: string;
  hint: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const COLUMNS =
  'id, name, created_at, last_used_at, seed_set, seeded_at, id_seed, clock_offset_ms, clock_frozen_at, quotas, resource_count, bytes_stored';
const T_COLUMNS = COLUMNS.split(', ')
  .map((c) => `t.${c}`)
  .join(', ');
const KEY_COLUMNS = 'hash, tenant, hint, created_at, expires_at, revoked_at';

export function tenantOf(r: TenantRow): TenantRecord {
  const clock: TenantClockState =
    r.clock_frozen_at === null
      ? { offsetMs: r.clock_offset_ms }
      : { offsetMs: r.clock_offset_ms, frozenAt: r.clock_frozen_at };
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    seedSet: r.seed_set,
    ...(r.seeded_at === null ? {} : { seededAt: r.seeded_at }),
    idSeed: r.id_seed,
    clock,
    ...(r.quotas === null ? {} : { quotas: JSON.parse(r.quotas) as Partial<TenantQuotas> }),
    usage: { resources: r.resource_count, bytes: r.bytes_stored },
  };
}

function keyOf(r: KeyRow): TenantKeyRecord {
  return {
    hash: r.hash,
    tenant: r.tenant,
    hint: r.hint,
    createdAt: r.created_at,
    ...(r.expires_at === null ? {} : { expiresAt: r.expires_at }),
    ...(r.revoked_at === null ? {} : { revokedAt: r.revoked_at }),
  };
}

/**
 * Every table holding a tenant's data, which deleting the tenant empties of it, the journal's
 * rows of the tenant included (the plan, §3.4: "everything of the tenant … journal rows").
 */
const TENANT_TABLES = [
  'resources',
  'idempotency_keys',
  // Migration 2's sketch of a webhook outbox, unused since issue 15: an old file's rows go too.
  'outbox',
  'sequences',
  'snapshots',
  'usage',
  'events',
  'tenant_keys',
  'journal',
  'scenario_arms',
  'scenario_counters',
  'webhook_endpoints',
  'webhook_cursors',
  'webhook_messages',
  'webhook_deliveries',
  'webhook_attempts',
  'readiness_signoffs',
] as const;

export class SqliteTenantStore implements TenantStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'tenants');
  }

  create(tenant: Omit<TenantRecord, 'usage'>, key: TenantKeyRecord): Promise<boolean> {
    return this.port.atomically('create a tenant', () => {
      if (this.port.sql('SELECT 1 FROM tenant_keys WHERE hash = ?').get(key.hash) !== undefined)
        return false;
      const { changes } = this.port
        .sql(
          `INSERT INTO tenants(id, name, created_at, last_used_at, seed_set, seeded_at, id_seed,
             clock_offset_ms, clock_frozen_at, quotas)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(
          tenant.id,
          tenant.name,
          tenant.createdAt,
          tenant.lastUsedAt,
          tenant.seedSet,
          tenant.seededAt ?? null,
          tenant.idSeed,
          tenant.clock.offsetMs,
          tenant.clock.frozenAt ?? null,
          tenant.quotas === undefined ? null : JSON.stringify(tenant.quotas),
        );
      if (changes !== 1) return false;
      // The key is the new tenant's, whatever `key.tenant` says.
      this.insertKey({ ...key, tenant: tenant.id });
      return true;
    });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return this.port.run('read a tenant', () => {
      const row = this.port.sql(`SELECT ${COLUMNS} FROM tenants WHERE id = ?`).get(id) as
        TenantRow | undefined;
      return row === undefined ? undefined : tenantOf(row);
    });
  }

  getByName(name: string): Promise<TenantRecord | undefined> {
    return this.port.run('read a tenant', () => {
      const row = this.port.sql(`SELECT ${COLUMNS} FROM tenants WHERE name = ?`).get(name) as
        TenantRow | undefined;
      return row === undefined ? undefined : tenantOf(row);
    });
  }

  list(): Promise<TenantRecord[]> {
    return this.port.run('list tenants', () =>
      (
        this.port.sql(`SELECT ${COLUMNS} FROM tenants ORDER BY created_at, id`).all() as TenantRow[]
      ).map(tenantOf),
    );
  }

  resolveKey(hash: string, at: number): Promise<TenantRecord | undefined> {
    return this.port.run('resolve a tenant key', () => {
      const row = this.port
        .sql(
          `SELECT ${T_COLUMNS} FROM tenant_keys AS k JOIN tenants AS t ON t.id = k.tenant
           WHERE k.hash = ? AND (k.revoked_at IS NULL OR k.revoked_at > ?)
             AND (k.expires_at IS NULL OR k.expires_at > ?)`,
        )
        .get(hash, at, at) as TenantRow | undefined;
      return row === undefined ? undefined : tenantOf(row);
    });
  }

  addKey(key: TenantKeyRecord): Promise<boolean> {
    return this.port.atomically('add a tenant key', () => {
      if (this.port.sql('SELECT 1 FROM tenants WHERE id = ?').get(key.tenant) === undefined)
        return false;
      return this.insertKey(key);
    });
  }

  listKeys(tenant: string): Promise<TenantKeyRecord[]> {
    return this.port.run('list tenant keys', () =>
      (
        this.port
          .sql(`SELECT ${KEY_COLUMNS} FROM tenant_keys WHERE tenant = ? ORDER BY created_at, rowid`)
          .all(tenant) as KeyRow[]
      ).map(keyOf),
    );
  }

  updateKeys(
    tenant: string,
    patch: {
      readonly hashes?: readonly string[];
      readonly expiresAt?: number;
      readonly revokedAt?: number;
    },
  ): Promise<number> {
    return this.port.run('update tenant keys', () => {
      // One statement whatever the number of hashes: they travel as one JSON array parameter.
      const { changes } = this.port
        .sql(
          `UPDATE tenant_keys SET expires_at = COALESCE(?, expires_at), revoked_at = COALESCE(?, revoked_at)
           WHERE tenant = ? AND (? IS NULL OR hash IN (SELECT value FROM json_each(?)))`,
        )
        .run(
          patch.expiresAt ?? null,
          patch.revokedAt ?? null,
          tenant,
          patch.hashes === undefined ? null : 1,
          JSON.stringify(patch.hashes ?? []),
        );
      return changes;
    });
  }

  update(
    tenant: string,
    patch: {
      readonly clock?: TenantClockState;
      readonly lastUsedAt?: number;
      readonly seededAt?: number | null;
      readonly quotas?: Partial<TenantQuotas>;
    },
  ): Promise<boolean> {
    return this.port.run('update a tenant', () => {
      // A flag per member says whether it is patched: one statement for every patch shape.
      const { changes } = this.port
        .sql(
          `UPDATE tenants SET
             clock_offset_ms = CASE WHEN @clock THEN @offset ELSE clock_offset_ms END,
             clock_frozen_at = CASE WHEN @clock THEN @frozen ELSE clock_frozen_at END,
             last_used_at = COALESCE(@lastUsed, last_used_at),
             seeded_at = CASE WHEN @seeded THEN @seededAt ELSE seeded_at END,
             quotas = CASE WHEN @hasQuotas THEN @quotas ELSE quotas END
           WHERE id = @id`,
        )
        .run({
          id: tenant,
          clock: patch.clock === undefined ? 0 : 1,
          offset: patch.clock?.offsetMs ?? 0,
          frozen: patch.clock?.frozenAt ?? null,
          lastUsed: patch.lastUsedAt ?? null,
          seeded: patch.seededAt === undefined ? 0 : 1,
          seededAt: patch.seededAt ?? null,
          hasQuotas: patch.quotas === undefined ? 0 : 1,
          quotas: patch.quotas === undefined ? null : JSON.stringify(patch.quotas),
        });
      return changes === 1;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.port.atomically('delete a tenant', () => {
      for (const table of TENANT_TABLES)
        this.port.sql(`DELETE FROM ${table} WHERE tenant = ?`).run(id);
      return this.port.sql('DELETE FROM tenants WHERE id = ?').run(id).changes === 1;
    });
  }

  private insertKey(key: TenantKeyRecord): boolean {
    return (
      this.port
        .sql(
          `INSERT INTO tenant_keys(${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(
          key.hash,
          key.tenant,
          key.hint,
          key.createdAt,
          key.expiresAt ?? null,
          key.revokedAt ?? null,
        ).changes === 1
    );
  }
}
