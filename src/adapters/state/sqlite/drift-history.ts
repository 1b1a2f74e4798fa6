import type Database from 'better-sqlite3';
import type { DriftHistoryStore } from '../../../core/ports/drift-history.js';
import { PortState, type SqliteConnection } from './database.js';

export class SqliteDriftHistory implements DriftHistoryStore {
  private readonly port: PortState;
  private readonly upsert: Database.Statement<[string, number, number], { first_seen: number }>;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'drift history');
    this.upsert = connection.db.prepare(
      `INSERT INTO drift_findings(fingerprint, first_seen, last_seen, times_seen) VALUES (?, ?, ?, 1)
       ON CONFLICT(fingerprint) DO UPDATE SET
         first_seen = MIN(first_seen, excluded.first_seen),
         last_seen = MAX(last_seen, excluded.last_seen),
         times_seen = times_seen + 1
       RETURNING first_seen`,
    );
  }

  record(fingerprints: readonly string[], at: number): Promise<ReadonlyMap<string, number>> {
    return this.port.atomically('write drift history', () => {
      const out = new Map<string, number>();
      for (const fp of new Set(fingerprints)) out.set(fp, this.upsert.get(fp, at, at)!.first_seen);
      return out;
    });
  }
}
