import type { ArmedScenario, ScenarioStore } from '../../../core/ports/scenarios.js';
import { TapedeckError } from '../../../core/errors.js';

// CONTRACTS PLACEHOLDER (issue 14, package D1 replaces this file and adds the SQLite store).
const notYet = (): Promise<never> =>
  Promise.reject(new TapedeckError('TD_INTERNAL', 'The scenario store is not built yet.'));

export class MemoryScenarioStore implements ScenarioStore {
  arm(): Promise<ArmedScenario> {
    return notYet();
  }
  armed(): Promise<ArmedScenario[]> {
    return notYet();
  }
  consume(): Promise<boolean> {
    return notYet();
  }
  disarm(): Promise<number> {
    return notYet();
  }
  count(): Promise<number> {
    return notYet();
  }
  clear(): Promise<void> {
    return notYet();
  }
}
