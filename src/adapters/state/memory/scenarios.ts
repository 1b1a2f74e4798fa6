import type { ArmedScenario, ScenarioStore } from '../../../core/ports/scenarios.js';
import { armCount, newArmId } from '../rules.js';
import { Open, PerTenant, type TenantScoped } from './shared.js';

/**
 * Arms and request counters per tenant. Every method runs to its end before another starts
 * (one thread, nothing awaited inside), so `consume` is atomic as the SQLite UPDATE is.
 */
export class MemoryScenarioStore implements ScenarioStore, TenantScoped {
  /** Arms by id; a Map keeps insertion order, which is oldest first. */
  private readonly arms = new PerTenant<ArmedScenario>();
  private readonly counters = new PerTenant<number>();
  readonly open = new Open('scenarios');

  arm(
    tenant: string,
    arm: { readonly scenario: string; readonly operation?: string; readonly count?: number },
    at: number,
  ): Promise<ArmedScenario> {
    return this.open.run(() => {
      const remaining = armCount(arm.count);
      const armed: ArmedScenario = {
        id: newArmId(),
        tenant,
        scenario: arm.scenario,
        ...(arm.operation === undefined ? {} : { operation: arm.operation }),
        ...(remaining === undefined ? {} : { remaining }),
        armedAt: at,
      };
      const arms = this.arms.of(tenant);
      // Spent arms stay (remaining 0) until the tenant arms again, so a firing can be given back.
      for (const [id, a] of arms) if (a.remaining === 0) arms.delete(id);
      arms.set(armed.id, armed);
      return { ...armed };
    });
  }

  armed(tenant: string): Promise<ArmedScenario[]> {
    return this.open.run(() =>
      [...this.arms.peek(tenant).values()].filter((a) => a.remaining !== 0).map((a) => ({ ...a })),
    );
  }

  consume(tenant: string, armId: string): Promise<boolean> {
    return this.open.run(() => {
      const arms = this.arms.peek(tenant);
      const arm = arms.get(armId);
      if (arm === undefined || arm.remaining === 0) return false;
      if (arm.remaining === undefined) return true;
      // `set` on an existing key keeps its place: the arms stay oldest first.
      arms.set(armId, { ...arm, remaining: arm.remaining - 1 });
      return true;
    });
  }

  giveBack(tenant: string, armId: string): Promise<void> {
    return this.open.run(() => {
      const arms = this.arms.peek(tenant);
      const arm = arms.get(armId);
      if (arm?.remaining !== undefined) arms.set(armId, { ...arm, remaining: arm.remaining + 1 });
    });
  }

  disarm(
    tenant: string,
    which: { readonly id: string } | { readonly scenario: string },
  ): Promise<number> {
    return this.open.run(() => {
      const arms = this.arms.peek(tenant);
      // Spent arms (remaining 0) go too, but only live ones are counted.
      let n = 0;
      for (const [id, arm] of arms)
        if ('id' in which ? id === which.id : arm.scenario === which.scenario) {
          arms.delete(id);
          if (arm.remaining !== 0) n++;
        }
      return n;
    });
  }

  count(tenant: string, scenario: string): Promise<number> {
    return this.open.run(() => {
      const counters = this.counters.of(tenant);
      const n = (counters.get(scenario) ?? 0) + 1;
      counters.set(scenario, n);
      return n;
    });
  }

  clear(tenant: string): Promise<void> {
    return this.open.run(() => this.dropTenant(tenant));
  }

  dropTenant(tenant: string): void {
    this.arms.drop(tenant);
    this.counters.drop(tenant);
  }
}
