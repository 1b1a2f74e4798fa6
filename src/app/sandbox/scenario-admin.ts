import { TapedeckError } from '../../core/errors.js';
import type { ArmedScenario, Clock, RuntimeState, TenantRecord } from '../../core/ports/index.js';
import { tenantNow } from '../../core/sandbox/clock.js';
import type { LoadedScenario, ScenarioCatalogue } from '../../core/sandbox/scenarios/types.js';

/** An arm as the admin API and `tapedeck scenarios armed --json` show it (times ISO 8601, tenant clock). */
export interface ArmView {
  readonly id: string;
  readonly scenario: string;
  readonly operation?: string;
  /** Firings left; absent: until disarmed. */
  readonly remaining?: number;
  readonly armedAt: string;
}

export interface ScenarioAdminDeps {
  readonly state: Pick<RuntimeState, 'tenants' | 'scenarios'>;
  /** Real time; an arm's time is the tenant's clock. */
  readonly clock: Clock;
  /** The loaded (or compiled: it has `scenarios` too) catalogue arms are checked against. */
  readonly catalogue: ScenarioCatalogue;
  /** Called after an arm or a disarm, with the tenant id: the scenario layer's cache of arms. */
  readonly onChange?: (tenantId: string) => void;
}

/** Scenario and tenant names a message may show: only what a valid name looks like. */
const PLAIN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** An operation a message may show: `METHOD /path/{param}` or an operation id, bounded. */
const OPERATION = /^(?:[A-Z]{3,7} \/[A-Za-z0-9_.~{}/:-]{0,200}|[A-Za-z0-9_.-]{1,100}|\*)$/;
/** How many known names an unknown-name message lists before "and N more". */
const LISTED = 40;

function shown(text: string, pattern: RegExp): string {
  return pattern.test(text) ? `"${text}"` : '(this value)';
}

/** `a, b, c` — or the first LISTED of them and how many more. */
export function listNames(
  names: readonly string[],
  empty = '(none: the catalogue is empty)',
): string {
  if (names.length === 0) return empty;
  const head = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${head} and ${names.length - LISTED} more` : head;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function armView(arm: ArmedScenario): ArmView {
  return {
    id: arm.id,
    scenario: arm.scenario,
    ...(arm.operation === undefined ? {} : { operation: arm.operation }),
    ...(arm.remaining === undefined ? {} : { remaining: arm.remaining }),
    armedAt: iso(arm.armedAt),
  };
}

/**
 * Arming scenarios for a tenant: the use cases the admin routes (`/__tapedeck/tenants/NAME/scenarios`)
 * and `tapedeck scenarios arm|disarm|armed` share, with their checks. A tenant is named by its
 * name (as everywhere else) or its id. Bad input is TD_USAGE naming the field (the admin routes
 * answer 400), an unknown tenant TD_TENANT_NOT_FOUND (404).
 */
export class ScenarioAdmin {
  private readonly byName: ReadonlyMap<string, LoadedScenario>;

  constructor(private readonly deps: ScenarioAdminDeps) {
    this.byName = new Map(deps.catalogue.scenarios.map((s) => [s.name, s]));
  }

  private async tenant(name: string): Promise<TenantRecord> {
    const { tenants } = this.deps.state;
    const found = PLAIN.test(name)
      ? ((await tenants.getByName(name)) ?? (await tenants.get(name)))
      : undefined;
    if (found === undefined)
      throw new TapedeckError('TD_TENANT_NOT_FOUND', `There is no tenant ${shown(name, PLAIN)}.`, {
        hint: '`tapedeck tenants list` (or GET /__tapedeck/tenants) shows the tenants there are.',
      });
    return found;
  }

  /** The scenario of that name; an unknown one is TD_USAGE naming the known ones. */
  scenario(name: string): LoadedScenario {
    const found = this.byName.get(name);
    if (found === undefined)
      throw new TapedeckError(
        'TD_USAGE',
        `There is no scenario ${shown(name, PLAIN)}. Known scenarios: ${listNames([...this.byName.keys()])}.`,
        {
          details: { field: 'scenario' },
          hint:
            this.byName.size === 0
              ? "The catalogue is the config's sandbox.scenarios, scenarios/*.json and the profile's preset: pass the sandbox's own --profile (e.g. --profile stripe) and --spec, or run where its tapedeck.config.json is."
              : '`tapedeck scenarios` (or GET /__tapedeck/scenarios) lists the catalogue with what each one does.',
        },
      );
    return found;
  }

  async arm(
    tenantName: string,
    arm: { readonly scenario: string; readonly operation?: string; readonly count?: number },
  ): Promise<ArmedScenario> {
    const record = await this.tenant(tenantName);
    const scenario = this.scenario(arm.scenario);
    // Only a scenario that declares the trigger fires by arm (the scenario layer reads arms only
    // then): arming another would be accepted and never fire.
    if (!scenario.triggers.some((t) => 'armed' in t)) {
      const armable = this.deps.catalogue.scenarios
        .filter((s) => s.triggers.some((t) => 'armed' in t))
        .map((s) => s.name);
      throw new TapedeckError(
        'TD_USAGE',
        `Scenario "${scenario.name}" cannot be armed: it declares no {"armed": true} trigger. Armable scenarios: ${listNames(armable, `(none of the ${this.byName.size})`)}.`,
        {
          details: { field: 'scenario' },
          hint: `Add {"armed": true} to its triggers, or choose it for one request with the header Prefer: scenario=${scenario.name}.`,
        },
      );
    }
    if (arm.operation !== undefined && !scenario.operations.includes('*')) {
      if (!scenario.operations.includes(arm.operation))
        throw new TapedeckError(
          'TD_USAGE',
          `Scenario "${scenario.name}" does not apply to the operation ${shown(arm.operation, OPERATION)}: it applies to ${scenario.operations.join(', ')}.`,
          {
            details: { field: 'operation' },
            hint: 'Name one of its operations, or none to arm it for all of them.',
          },
        );
    }
    if (arm.operation !== undefined && !OPERATION.test(arm.operation))
      throw new TapedeckError(
        'TD_USAGE',
        'An operation is `METHOD /path/{param}` (the route template) or an operation id.',
        { details: { field: 'operation' }, hint: 'e.g. "POST /v1/payment_intents".' },
      );
    if (arm.count !== undefined && (!Number.isSafeInteger(arm.count) || arm.count < 1))
      throw new TapedeckError(
        'TD_USAGE',
        'The count of firings is a whole number from 1 (none: until disarmed).',
        { details: { field: 'count' }, hint: 'e.g. 3 for the next three matching requests.' },
      );
    const at = tenantNow(record.clock, this.deps.clock.now());
    const armed = await this.deps.state.scenarios.arm(record.id, arm, at);
    this.deps.onChange?.(record.id);
    return armed;
  }

  async armed(tenantName: string): Promise<ArmedScenario[]> {
    const record = await this.tenant(tenantName);
    return this.deps.state.scenarios.armed(record.id);
  }

  /**
   * Removes one arm (an unknown id is TD_USAGE: a typo should not look like success) or every
   * arm of a scenario of the catalogue (none there: 0).
   */
  async disarm(
    tenantName: string,
    which: { readonly id: string } | { readonly scenario: string },
  ): Promise<number> {
    const record = await this.tenant(tenantName);
    if ('scenario' in which) this.scenario(which.scenario);
    const n = await this.deps.state.scenarios.disarm(record.id, which);
    if ('id' in which && n === 0)
      throw new TapedeckError(
        'TD_USAGE',
        /^arm_[0-9a-f]{1,32}$/.test(which.id)
          ? `Tenant "${record.name}" has no arm "${which.id}".`
          : `Tenant "${record.name}" has no arm of that id (arm ids look like arm_0123456789abcdef).`,
        {
          details: { field: 'arm' },
          hint: '`tapedeck scenarios armed --tenant NAME` (or GET /__tapedeck/tenants/NAME/scenarios) lists its arms.',
        },
      );
    this.deps.onChange?.(record.id);
    return n;
  }
}
