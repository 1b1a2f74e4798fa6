/** A scenario armed for a tenant (admin API or `tapedeck scenarios arm`). */
export interface ArmedScenario {
  /** `arm_…`, unique in the state file. */
  readonly id: string;
  readonly tenant: string;
  readonly scenario: string;
  /** Only requests to this operation (`POST /v1/payment_intents` or an operation id); every one of the scenario's otherwise. */
  readonly operation?: string;
  /** Firings left; undefined: until disarmed. */
  readonly remaining?: number;
  /** Tenant clock, ms. */
  readonly armedAt: number;
}

/**
 * What makes scenario firing deterministic across restarts: arms and per-scenario request
 * counters (every Kth, seeded chance), per tenant. Every write is atomic and durable before it
 * resolves. Every implementation passes test/contract/scenario-store.contract.ts.
 */
export interface ScenarioStore {
  arm(
    tenant: string,
    arm: { readonly scenario: string; readonly operation?: string; readonly count?: number },
    at: number,
  ): Promise<ArmedScenario>;
  /** The tenant's arms, oldest first. */
  armed(tenant: string): Promise<ArmedScenario[]>;
  /**
   * Takes one firing of an arm: decrements `remaining` (removing the arm at 0) atomically.
   * False when the arm is gone (another request took its last firing, or it was disarmed).
   */
  consume(tenant: string, armId: string): Promise<boolean>;
  /**
   * Gives back one firing `consume` took, for a request whose outcome never ran (a layer below
   * threw, or an idempotent replay answered): the arm has it again, in its place among the
   * tenant's arms, even when it was the last. Nothing for an arm that is unlimited, disarmed or
   * cleared since (a disarm wins), nor for a spent arm dropped when the tenant armed again.
   */
  giveBack(tenant: string, armId: string): Promise<void>;
  /** Removes one arm, or every arm of a scenario; resolves how many were removed. */
  disarm(
    tenant: string,
    which: { readonly id: string } | { readonly scenario: string },
  ): Promise<number>;
  /** Counts one more request of the tenant for the scenario; resolves its number (1, 2, …). */
  count(tenant: string, scenario: string): Promise<number>;
  /** Drops the tenant's arms and counters (tenant reset and delete). */
  clear(tenant: string): Promise<void>;
}
