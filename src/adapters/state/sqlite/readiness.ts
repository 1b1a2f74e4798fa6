import type { ReadinessStore, Signoff } from '../../../core/ports/readiness.js';
import { PortState, type SqliteConnection } from './database.js';

interface SignoffRow {
  tenant: string;
  signed_by: string;
  note: string | null;
  at: number;
  report_hash: string;
  criteria_hash: string;
  spec_hash: string | null;
  cassettes: string;
  verdicts: string;
}

function signoffOf(r: SignoffRow): Signoff {
  return {
    tenant: r.tenant,
    by: r.signed_by,
    at: r.at,
    reportHash: r.report_hash,
    criteriaHash: r.criteria_hash,
    cassettes: JSON.parse(r.cassettes) as Record<string, string>,
    verdicts: JSON.parse(r.verdicts) as Record<string, string>,
    ...(r.note === null ? {} : { note: r.note }),
    ...(r.spec_hash === null ? {} : { specHash: r.spec_hash }),
  };
}

const SELECT =
  'SELECT tenant, signed_by, note, at, report_hash, criteria_hash, spec_hash, cassettes, verdicts FROM readiness_signoffs';

/** The readiness_signoffs table: appended, never updated. */
export class SqliteReadinessStore implements ReadinessStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'readiness');
  }

  sign(s: Signoff): Promise<void> {
    return this.port.run('record a sign-off', () => {
      this.port
        .sql(
          `INSERT INTO readiness_signoffs(tenant, signed_by, note, at, report_hash, criteria_hash, spec_hash, cassettes, verdicts)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          s.tenant,
          s.by,
          s.note ?? null,
          s.at,
          s.reportHash,
          s.criteriaHash,
          s.specHash ?? null,
          JSON.stringify(s.cassettes),
          JSON.stringify(s.verdicts),
        );
    });
  }

  latest(tenant: string): Promise<Signoff | undefined> {
    return this.port.run('read the latest sign-off', () => {
      const row = this.port
        .sql(`${SELECT} WHERE tenant = ? ORDER BY seq DESC LIMIT 1`)
        .get(tenant) as SignoffRow | undefined;
      return row === undefined ? undefined : signoffOf(row);
    });
  }

  history(tenant: string, limit: number): Promise<Signoff[]> {
    return this.port.run('read sign-offs', () =>
      (
        this.port
          .sql(`${SELECT} WHERE tenant = ? ORDER BY seq DESC LIMIT ?`)
          .all(tenant, Math.max(1, Math.floor(limit))) as SignoffRow[]
      ).map(signoffOf),
    );
  }
}
