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
