import type Database from 'better-sqlite3';
import { TapedeckError } from '../../../core/errors.js';

/** One numbered step of the schema. Steps are never edited once released: add a new one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}

/**
 * The schema of the state file, step by step. The version lives in `PRAGMA user_version` (0 for
 * a new file, and for files written before versions existed, whose tables step 1 adopts).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'journal and drift history',
    up(db) {
      // IF NOT EXISTS: files written before numbered migrations already have these tables, with
      // exactly these columns; their `meta` table held the version that user_version now holds.
      db.exec(`
        CREATE TABLE IF NOT EXISTS journal (
          id INTEGER PRIMARY KEY,
          at INTEGER NOT NULL,
          session TEXT NOT NULL,
          method TEXT NOT NULL,
          path TEXT NOT NULL,
          layer TEXT NOT NULL,
          status INTEGER NOT NULL,
          cassette TEXT,
          position INTEGER,
          duration_ms REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS drift_findings (
          fingerprint TEXT PRIMARY KEY,
          first_seen INTEGER NOT NULL,
          last_seen INTEGER NOT NULL,
          times_seen INTEGER NOT NULL
        );
        DROP TABLE IF EXISTS meta;
      `);
    },
  },
  {
    version: 2,
    name: 'tenants, resources, idempotency keys, webhook outbox',
    up(db) {
      // Every tenant-scoped table leads its keys with the tenant, so every lookup is per tenant.
      // `seq` (an INTEGER PRIMARY KEY) keeps list order: plain rowids may be renumbered by VACUUM.
      db.exec(`
        CREATE TABLE tenants (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          key_hash TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE resources (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          type TEXT NOT NULL,
          id TEXT NOT NULL,
          value TEXT NOT NULL,
          UNIQUE (tenant, type, id)
        );
        CREATE TABLE idempotency_keys (
          tenant TEXT NOT NULL,
          key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          begun_at INTEGER NOT NULL,
          status INTEGER,
          headers TEXT,
          body BLOB,
          PRIMARY KEY (tenant, key)
        );
        CREATE TABLE outbox (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          id TEXT NOT NULL,
          destination TEXT NOT NULL,
          payload TEXT NOT NULL,
          status TEXT NOT NULL,
          next_attempt_at INTEGER,
          attempts INTEGER NOT NULL,
          last_attempt TEXT,
          UNIQUE (tenant, id)
        );
        CREATE INDEX outbox_due ON outbox (tenant, status, next_attempt_at);
      `);
    },
  },
  {
    version: 3,
    name: 'sandbox: keys per tenant, clocks, usage, parents and versions, sequences, snapshots, events, the journal tenant',
    up(db) {
      // Tenants were a sketch with one key each: rebuilt, their key hash moved to tenant_keys.
      // v2 names were not unique: a repeated name gets its tenant id appended, so none is lost.
      db.exec(`
        CREATE TABLE tenants_v3 (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL,
          last_used_at INTEGER NOT NULL,
          seed_set TEXT NOT NULL DEFAULT 'recordings',
          seeded_at INTEGER,
          id_seed TEXT NOT NULL,
          id_counter INTEGER NOT NULL DEFAULT 0,
          clock_offset_ms INTEGER NOT NULL DEFAULT 0,
          clock_frozen_at INTEGER,
          quotas TEXT,
          resource_count INTEGER NOT NULL DEFAULT 0,
          bytes_stored INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO tenants_v3(seq, id, name, created_at, last_used_at, id_seed)
          SELECT seq, id,
            name || CASE WHEN EXISTS (SELECT 1 FROM tenants AS t WHERE t.name = tenants.name AND t.seq < tenants.seq)
              THEN ' (' || id || ')' ELSE '' END,
            created_at, created_at, id
          FROM tenants;
        -- Looked up by hash before the tenant is known: the one table not led by the tenant.
        CREATE TABLE tenant_keys (
          hash TEXT PRIMARY KEY,
          tenant TEXT NOT NULL,
          hint TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER,
          revoked_at INTEGER
        );
        INSERT INTO tenant_keys(hash, tenant, hint, created_at)
          SELECT key_hash, id, '(migrated)', created_at FROM tenants;
        DROP TABLE tenants;
        ALTER TABLE tenants_v3 RENAME TO tenants;
        CREATE INDEX tenant_keys_tenant ON tenant_keys (tenant);

        -- parent: the scope ('' = top level); bytes: the UTF-8 length of value, for the quota.
        ALTER TABLE resources ADD COLUMN parent TEXT NOT NULL DEFAULT '';
        ALTER TABLE resources ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE resources ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE resources ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE resources SET version = 1, bytes = length(CAST(value AS BLOB));
        CREATE INDEX resources_page ON resources (tenant, type, parent, deleted, seq);
        UPDATE tenants SET
          resource_count = (SELECT COUNT(*) FROM resources AS r WHERE r.tenant = tenants.id AND r.deleted = 0),
          bytes_stored = (SELECT COALESCE(SUM(r.bytes), 0) FROM resources AS r WHERE r.tenant = tenants.id);

        ALTER TABLE idempotency_keys ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';
        CREATE INDEX idempotency_begun ON idempotency_keys (tenant, begun_at);

        CREATE TABLE sequences (
          tenant TEXT NOT NULL,
          name TEXT NOT NULL,
          value INTEGER NOT NULL,
          PRIMARY KEY (tenant, name)
        );
        CREATE TABLE snapshots (
          tenant TEXT NOT NULL,
          name TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          body TEXT NOT NULL,
          resources INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (tenant, name)
        );
        CREATE TABLE usage (
          tenant TEXT NOT NULL,
          day INTEGER NOT NULL,
          requests INTEGER NOT NULL,
          PRIMARY KEY (tenant, day)
        );
        CREATE TABLE events (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          id TEXT NOT NULL,
          type TEXT NOT NULL,
          at INTEGER NOT NULL,
          resource_type TEXT NOT NULL,
          resource_id TEXT NOT NULL,
          data TEXT NOT NULL,
          idempotency_key_hash TEXT,
          UNIQUE (tenant, id)
        );
        CREATE INDEX events_tenant ON events (tenant, seq);

        ALTER TABLE journal ADD COLUMN tenant TEXT;
        CREATE INDEX journal_tenant ON journal (tenant, id);
      `);
    },
  },
  {
    version: 4,
    name: 'scenarios: arms and request counters per tenant, the journal scenario and why it fired',
    up(db) {
      // `seq` keeps arms oldest first (the order they fire in), whatever the tenant clock said
      // when each was armed. `remaining` NULL: until disarmed.
      db.exec(`
        CREATE TABLE scenario_arms (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          tenant TEXT NOT NULL,
          scenario TEXT NOT NULL,
          operation TEXT,
          remaining INTEGER,
          armed_at INTEGER NOT NULL
        );
        CREATE INDEX scenario_arms_tenant ON scenario_arms (tenant, seq);
        CREATE TABLE scenario_counters (
          tenant TEXT NOT NULL,
          scenario TEXT NOT NULL,
          n INTEGER NOT NULL,
          PRIMARY KEY (tenant, scenario)
        );
        ALTER TABLE journal ADD COLUMN scenario TEXT;
        ALTER TABLE journal ADD COLUMN fired_by TEXT;
      `);
    },
  },
  {
    version: 5,
    name: 'webhooks: endpoints, the fan-out cursor, messages, deliveries and their attempts',
    up(db) {
      // The `events` table is the outbox: a cursor per tenant says how far fan-out has read it.
      // `secrets` is JSON (newest first); the file is 0600 with secure_delete, as for keys.
      // A delivery's lease (`lease_owner`, `lease_until` in real ms) keeps two servers on one
      // file from sending it at once. Times without `real` are tenant-clock ms.
      db.exec(`
        CREATE TABLE webhook_endpoints (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          id TEXT NOT NULL,
          url TEXT NOT NULL,
          events TEXT,
          status TEXT NOT NULL,
          disabled_reason TEXT,
          secrets TEXT NOT NULL,
          since_seq INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          throttled_until INTEGER,
          UNIQUE (tenant, id)
        );
        CREATE TABLE webhook_cursors (
          tenant TEXT PRIMARY KEY,
          seq INTEGER NOT NULL
        );
        CREATE TABLE webhook_messages (
          tenant TEXT NOT NULL,
          event_id TEXT NOT NULL,
          type TEXT NOT NULL,
          payload TEXT NOT NULL,
          PRIMARY KEY (tenant, event_id)
        );
        CREATE TABLE webhook_deliveries (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          id TEXT NOT NULL,
          endpoint TEXT NOT NULL,
          url TEXT NOT NULL,
          event_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          next_attempt_at INTEGER,
          lease_owner TEXT,
          lease_until INTEGER,
          manual INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL,
          UNIQUE (tenant, id),
          UNIQUE (tenant, endpoint, event_id)
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant, status, next_attempt_at);
        CREATE TABLE webhook_attempts (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          delivery TEXT NOT NULL,
          n INTEGER NOT NULL,
          at INTEGER NOT NULL,
          sent_at INTEGER NOT NULL,
          outcome TEXT NOT NULL,
          status INTEGER,
          latency_ms REAL NOT NULL,
          error TEXT,
          excerpt TEXT,
          next_attempt_at INTEGER,
          manual INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX webhook_attempts_delivery ON webhook_attempts (tenant, delivery, seq);
        ALTER TABLE events ADD COLUMN previous TEXT;
        ALTER TABLE events ADD COLUMN idempotency_key TEXT;
      `);
    },
  },
  {
    version: 6,
    name: "an endpoint's description; the evidence of a run: journal facts, request ids on events, probes, sign-offs",
    up(db) {
      // The journal's filterable facts are columns; the rest of an entry's issue-16 facts are
      // one JSON object (`detail`), read back whole. `id` stays the entry's seq. No index on
      // `request_id` or `at`: the sandbox writes a row per request, and the two cost its reads
      // about a tenth of their throughput (bench --only sandbox). A request id is looked up within
      // a tenant (the tenant index), and age is pruned from the oldest ids (rows come in time order).
      db.exec(`
        ALTER TABLE journal ADD COLUMN request_id TEXT;
        ALTER TABLE journal ADD COLUMN tenant_at INTEGER;
        ALTER TABLE journal ADD COLUMN operation TEXT;
        ALTER TABLE journal ADD COLUMN detail TEXT;

        ALTER TABLE events ADD COLUMN request_id TEXT;
        ALTER TABLE events ADD COLUMN trace_id TEXT;
        ALTER TABLE events ADD COLUMN trace_flags TEXT;

        ALTER TABLE webhook_endpoints ADD COLUMN description TEXT;
        ALTER TABLE webhook_deliveries ADD COLUMN probe TEXT;

        CREATE TABLE readiness_signoffs (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          signed_by TEXT NOT NULL,
          note TEXT,
          at INTEGER NOT NULL,
          report_hash TEXT NOT NULL,
          criteria_hash TEXT NOT NULL,
          spec_hash TEXT,
          cassettes TEXT NOT NULL,
          verdicts TEXT NOT NULL
        );
        CREATE INDEX readiness_signoffs_tenant ON readiness_signoffs (tenant, seq);
      `);
    },
  },
  {
    version: 7,
    name: 'probes: a second delivery of one event to one endpoint',
    up(db) {
      // A probe (issue 16) delivers an event an endpoint already got, again: the one delivery
      // per event and endpoint that fan-out relies on holds for the deliveries it makes (probe
      // NULL) only. SQLite drops no table constraint, so the table is made again, rows and seq
      // kept (the attempts name deliveries by id, not seq).
      db.exec(`
        CREATE TABLE webhook_deliveries_v7 (
          seq INTEGER PRIMARY KEY,
          tenant TEXT NOT NULL,
          id TEXT NOT NULL,
          endpoint TEXT NOT NULL,
          url TEXT NOT NULL,
          event_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          next_attempt_at INTEGER,
          lease_owner TEXT,
          lease_until INTEGER,
          manual INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL,
          probe TEXT,
          UNIQUE (tenant, id)
        );
        INSERT INTO webhook_deliveries_v7 (seq, tenant, id, endpoint, url, event_id, event_type,
            status, attempts, next_attempt_at, lease_owner, lease_until, manual, created_at, probe)
          SELECT seq, tenant, id, endpoint, url, event_id, event_type, status, attempts,
            next_attempt_at, lease_owner, lease_until, manual, created_at, probe
          FROM webhook_deliveries;
        DROP TABLE webhook_deliveries;
        ALTER TABLE webhook_deliveries_v7 RENAME TO webhook_deliveries;
        CREATE UNIQUE INDEX webhook_deliveries_made ON webhook_deliveries (tenant, endpoint, event_id)
          WHERE probe IS NULL;
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant, status, next_attempt_at);
      `);
    },
  },
];

/**
 * Brings the file's schema to the latest step, all pending steps in one immediate transaction:
 * a crash or a failing step leaves the old version and the old tables. A file newer than
 * `steps` knows is refused, never opened: this code could corrupt what it does not understand.
 */
export function migrate(
  db: Database.Database,
  file: string,
  steps: readonly Migration[] = MIGRATIONS,
): number {
  const apply = db.transaction(() => {
    // Read inside the transaction: another process may have migrated since this one looked.
    const { current, latest } = versionsOf(db, file, steps);
    for (const step of steps) {
      if (step.version <= current) continue;
      step.up(db);
      // Not a bound parameter: PRAGMA takes none; the version is an integer from this file.
      db.pragma(`user_version = ${step.version}`);
    }
    return Math.max(current, latest);
  });
  return apply.immediate();
}

/**
 * Refuses a file newer than `steps` know before anything else touches it: switching to WAL
 * mode, the first thing an open does, already rewrites the file's header and adds -wal/-shm.
 * `migrate` checks again inside its transaction, for a file migrated by another process since.
 */
export function refuseNewer(
  db: Database.Database,
  file: string,
  steps: readonly Migration[] = MIGRATIONS,
): void {
  versionsOf(db, file, steps);
}

/** The file's schema version and the latest `steps` know; a file newer than the code throws. */
function versionsOf(
  db: Database.Database,
  file: string,
  steps: readonly Migration[],
): { current: number; latest: number } {
  const latest = steps.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) throw newerThanCode(file, current, latest);
  return { current, latest };
}

function newerThanCode(file: string, found: number, latest: number): TapedeckError {
  return new TapedeckError(
    'TD_STATE_SCHEMA_NEWER',
    `The state store ${file} has schema version ${found}, and this tapedeck knows versions up to ${latest}: a newer tapedeck wrote it.`,
    {
      details: { file, found, supported: latest },
      hint: 'Run the tapedeck version that wrote it (upgrade this one), or point stateDir at another directory. Deleting the file starts fresh but loses its journal, drift history and sandbox state.',
    },
  );
}
