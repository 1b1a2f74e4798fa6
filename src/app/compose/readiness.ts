/**
 * `tapedeck readiness`: the report of a tenant's readiness from the state directory, against the
 * criteria (`--criteria`, `readiness.criteria`, else the defaults), and its sign-off. It loads
 * the sandbox's inputs as `tapedeck sandbox` does (spec, cassettes, profile, scenarios), for the
 * declared surface and the content hashes the evidence was gathered against; no server needed,
 * and beside a running one (SQLite in WAL mode).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { systemClock } from '../../adapters/system/system.js';
import type { Clock } from '../../core/ports/clock.js';
import type { Signoff } from '../../core/ports/readiness.js';
import { evaluate } from '../../core/readiness/evaluate.js';
import type { ReadinessReport } from '../../core/readiness/types.js';
import type { TapedeckConfig } from '../config/config.js';
import { loadCriteria } from '../readiness/criteria.js';
import {
  declaredRoutes,
  declaredSurface,
  gatherEvidence,
  inputVersions,
  specInput,
} from '../readiness/evidence.js';
import { reportWithSignoff, signReport } from '../readiness/signoff.js';
import { findTenant } from '../webhooks/admin.js';
import { loadSandboxModel } from './sandbox.js';

export interface ReadinessQuery {
  /** Its name or its id. */
  readonly tenant: string;
  /** Real ms: only the traffic from then on. */
  readonly since?: number;
}

export interface ReadinessRun {
  /** The report now, with the status of the tenant's newest sign-off. */
  report(query: ReadinessQuery): Promise<ReadinessReport>;
  /** Builds the report now and signs it off (a report that is not ready is refused). */
  sign(
    query: ReadinessQuery & { readonly by: string; readonly note?: string },
  ): Promise<{ report: ReadinessReport; signoff: Signoff }>;
  readonly clock: Clock;
  close(): Promise<void>;
}

/**
 * Loads the criteria and the sandbox's inputs first (a bad file fails before the state opens),
 * then opens the state directory.
 */
export async function composeReadiness(
  config: TapedeckConfig,
  options: { readonly clock?: Clock; readonly cassettesRequired?: boolean } = {},
): Promise<ReadinessRun> {
  const clock = options.clock ?? systemClock;
  const criteria = loadCriteria(config.readiness.criteria);
  const sandbox = await loadSandboxModel(config, {
    cassettesRequired: options.cassettesRequired === true,
  });
  const specFile = config.sandbox.spec;
  const versions = inputVersions({
    ...(specFile === undefined
      ? {}
      : {
          spec: specInput(specFile, sandbox.spec?.source.files ?? [specFile], (f) =>
            readFileSync(f),
          ),
        }),
    cassettes: sandbox.cassettes.map(({ name }) => ({
      name,
      bytes: readFileSync(join(config.cassettes, `${name}.json`)),
    })),
    criteria: criteria.version,
  });
  const surface = declaredSurface(sandbox.model, sandbox.spec?.model, sandbox.scenarios);
  const routes = declaredRoutes(sandbox.model, sandbox.spec?.model);
  const state = openSqliteState(config.stateDir);

  async function build(query: ReadinessQuery): Promise<ReadinessReport> {
    const tenant = await findTenant(state.tenants, query.tenant);
    const now = clock.now();
    const evidence = await gatherEvidence({
      state,
      tenant: { id: tenant.id, name: tenant.name },
      ...(query.since === undefined ? {} : { since: query.since }),
      until: now,
      surface,
      routes,
      versions,
    });
    return evaluate(criteria.criteria, evidence, now);
  }

  return {
    clock,
    report: async (query) => reportWithSignoff(state.readiness, await build(query)),
    async sign(query) {
      const report = await build(query);
      const signoff = await signReport(state.readiness, report, {
        by: query.by,
        at: clock.now(),
        ...(query.note === undefined ? {} : { note: query.note }),
      });
      return { report: await reportWithSignoff(state.readiness, report), signoff };
    },
    close: () => state.close(),
  };
}
