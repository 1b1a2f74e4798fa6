import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { systemClock } from '../../adapters/system/system.js';
import type { Clock } from '../../core/ports/index.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { ScenarioCatalogue } from '../../core/sandbox/scenarios/types.js';
import type { TapedeckConfig } from '../config/config.js';
import { ScenarioAdmin } from '../sandbox/scenario-admin.js';
import { loadConfiguredCatalogue, loadSandboxProfile } from './sandbox.js';

/**
 * The catalogue as the server loads it, without the model: the config's scenarios, the files
 * of `sandbox.scenariosDir` and the preset's. Enough to check an arm's scenario and operation
 * (`tapedeck scenarios arm`); what only the model can tell, `loadSandboxModel` checks.
 */
export function loadScenarioCatalogue(config: TapedeckConfig): {
  catalogue: ScenarioCatalogue;
  profile: ApiProfile;
} {
  const { profile, from } = loadSandboxProfile(config);
  const catalogue = loadConfiguredCatalogue(config, profile, from);
  return { catalogue, profile };
}

/**
 * `tapedeck scenarios arm|disarm|armed`: the arm use cases on the state directory (SQLite,
 * beside a running server: each write is one transaction it sees at once).
 */
export function composeScenarioAdmin(
  config: TapedeckConfig,
  options: { readonly clock?: Clock } = {},
): { admin: ScenarioAdmin; close(): Promise<void> } {
  const { catalogue } = loadScenarioCatalogue(config);
  const state = openSqliteState(config.stateDir);
  const admin = new ScenarioAdmin({ state, clock: options.clock ?? systemClock, catalogue });
  return { admin, close: () => state.close() };
}
