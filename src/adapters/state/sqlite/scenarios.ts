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
    return this.port.atomically('arm a scenario', () => {
      // Spent arms stay (remaining 0) until the tenant arms again, so a firing can be given back.
      this.port.sql('DELETE FROM scenario_arms WHERE tenant = ? AND remaining = 0').run(tenant);
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
             WHERE tenant = ? AND (remaining IS NULL OR remaining > 0) ORDER BY seq`,
          )
          .all(tenant) as ArmRow[]
      ).map(armOf),
    );
  }

  /**
   * Decrements a counted arm (a spent one stays at 0 until the tenant arms again, so `giveBack`
   * can restore it in its place); an unlimited one is left as it is. The WHERE clause is the
   * check: of two requests racing for the last firing, the second's UPDATE matches no row.
   */
  consume(tenant: string, armId: string): Promise<boolean> {
    return this.port.atomically('take a firing of an armed scenario', () => {
      if (
        this.port
          .sql(
            `UPDATE scenario_arms SET remaining = remaining - 1
             WHERE tenant = ? AND id = ? AND remaining > 0`,
          )
          .run(tenant, armId).changes === 1
      )
        return true;
      return (
        this.port
          .sql('SELECT 1 FROM scenario_arms WHERE tenant = ? AND id = ? AND remaining IS NULL')
          .get(tenant, armId) !== undefined
      );
    });
  }

  giveBack(tenant: string, armId: string): Promise<void> {
    return this.port.run('give back a firing of an armed scenario', () => {
      this.port
        .sql(
          `UPDATE scenario_arms SET remaining = remaining + 1
           WHERE tenant = ? AND id = ? AND remaining IS NOT NULL`,
        )
        .run(tenant, armId);
    });
  }

  disarm(
    tenant: string,
    which: { readonly id: string } | { readonly scenario: string },
  ): Promise<number> {
    // Spent arms (remaining 0) go too, but only live ones are counted.
    const live = (rows: unknown[]) =>
      (rows as { remaining: number | null }[]).filter((r) => r.remaining !== 0).length;
    return this.port.run('disarm a scenario', () =>
      live(
        'id' in which
          ? this.port
              .sql('DELETE FROM scenario_arms WHERE tenant = ? AND id = ? RETURNING remaining')
              .all(tenant, which.id)
          : this.port
              .sql(
                'DELETE FROM scenario_arms WHERE tenant = ? AND scenario = ? RETURNING remaining',
              )
              .all(tenant, which.scenario),
      ),
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
