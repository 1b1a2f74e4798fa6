import type { ArmedScenario, ScenarioStore } from '../../../core/ports/scenarios.js';
import { armCount, newArmId } from '../rules.js';
import { PortState, type SqliteConnection } from './database.js';

interface ArmRow {
  id: string;
  tenant: string;
  scenario: string;
  operation: string | null;
  remaining: number | null;
  armed_at: number;
}

function armOf(r: ArmRow): ArmedScenario {
  return {
    id: r.id,
    tenant: r.tenant,
    scenario: r.scenario,
    ...(r.operation === null ? {} : { operation: r.operation }),
    ...(r.remaining === null ? {} : { remaining: r.remaining }),
    armedAt: r.armed_at,
  };
}

/**
 * The scenario_arms and scenario_counters tables. Each write is one statement or one immediate
 * transaction, so two servers (or a server and `tapedeck scenarios arm`) on the same file never
 * hand out the same firing twice or skip a count.
 */
export class SqliteScenarioStore implements ScenarioStore {
  private readonly port: PortState;

  constructor(connection: SqliteConnection) {
    this.port = new PortState(connection, 'scenarios');
  }

  arm(
    tenant: string,
    arm: { readonly scenario: string; readonly operation?: string; readonly count?: number },
    at: number,
  ): Promise<ArmedScenario> {
    return this.port.run('arm a scenario', () => {
      const row = this.port
        .sql(
          `INSERT INTO scenario_arms(id, tenant, scenario, operation, remaining, armed_at)
           VALUES (?, ?, ?, ?, ?, ?)
           RETURNING id, tenant, scenario, operation, remaining, armed_at`,
        )
        .get(
          newArmId(),
          tenant,
          arm.scenario,
          arm.operation ?? null,
          armCount(arm.count) ?? null,
          at,
        ) as ArmRow;
      return armOf(row);
    });
  }

  armed(tenant: string): Promise<ArmedScenario[]> {
    return this.port.run('list armed scenarios', () =>
      (
        this.port
          .sql(
            `SELECT id, tenant, scenario, operation, remaining, armed_at FROM scenario_arms
             WHERE tenant = ? ORDER BY seq`,
          )
          .all(tenant) as ArmRow[]
      ).map(armOf),
    );
  }

  /**
   * The last firing deletes the row; any other decrements it (or, unlimited, leaves it). The
   * WHERE clauses are the check: of two requests racing for the last firing, the second's
   * statements match no row.
   */
  consume(tenant: string, armId: string): Promise<boolean> {
    return this.port.atomically('take a firing of an armed scenario', () => {
      if (
        this.port
          .sql('DELETE FROM scenario_arms WHERE tenant = ? AND id = ? AND remaining <= 1')
          .run(tenant, armId).changes === 1
      )
        return true;
      return (
        this.port
          .sql(
            `UPDATE scenario_arms SET remaining = remaining - 1
             WHERE tenant = ? AND id = ? AND remaining IS NOT NULL AND remaining > 1`,
          )
          .run(tenant, armId).changes === 1 ||
        this.port
          .sql('SELECT 1 FROM scenario_arms WHERE tenant = ? AND id = ? AND remaining IS NULL')
          .get(tenant, armId) !== undefined
      );
    });
  }

  disarm(
    tenant: string,
    which: { readonly id: string } | { readonly scenario: string },
  ): Promise<number> {
    return this.port.run('disarm a scenario', () =>
      'id' in which
        ? this.port
            .sql('DELETE FROM scenario_arms WHERE tenant = ? AND id = ?')
            .run(tenant, which.id).changes
        : this.port
            .sql('DELETE FROM scenario_arms WHERE tenant = ? AND scenario = ?')
            .run(tenant, which.scenario).changes,
    );
  }

  count(tenant: string, scenario: string): Promise<number> {
    return this.port.run('count a scenario request', () => {
      const row = this.port
        .sql(
          `INSERT INTO scenario_counters(tenant, scenario, n) VALUES (?, ?, 1)
           ON CONFLICT(tenant, scenario) DO UPDATE SET n = n + 1
           RETURNING n`,
        )
        .get(tenant, scenario) as { n: number };
      return row.n;
    });
  }

  clear(tenant: string): Promise<void> {
    return this.port.atomically('clear armed scenarios and counters', () => {
      this.port.sql('DELETE FROM scenario_arms WHERE tenant = ?').run(tenant);
      this.port.sql('DELETE FROM scenario_counters WHERE tenant = ?').run(tenant);
    });
  }
}
