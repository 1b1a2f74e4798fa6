/**
 * The flow that makes an event happen (docs/design/issue-15-plan.md §2 "Trigger"): declared
 * (config, then profile), else derived from the model. Built by wp15-core.
 */
import type { JsonValue } from '../json.js';
import type { ApiProfile } from '../sandbox/profile/types.js';
import type { ResourceModel } from '../sandbox/state/model.js';
import type { TriggerDecl, TriggerStep } from './types.js';

/** The declared flow for `event` (the first in `declared`), else one derived from the model. */
export function triggerFor(
  event: string,
  declared: readonly TriggerDecl[],
  model: ResourceModel,
  profile: ApiProfile,
): TriggerDecl | undefined {
  void event;
  void declared;
  void model;
  void profile;
  throw new Error('built by wp15-core');
}

/** A step with `{steps.NAME.a.b}` filled from the answers of the steps before it. */
export function resolveStep(
  step: TriggerStep,
  results: ReadonlyMap<string, JsonValue>,
): TriggerStep {
  void step;
  void results;
  throw new Error('built by wp15-core');
}
