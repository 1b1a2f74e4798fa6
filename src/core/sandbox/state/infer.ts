/** The resource model of a sandbox: from the spec, the recordings, or both, then overrides. */
import type { NamedCassette } from '../../cassette/model.js';
import { TapedeckError } from '../../errors.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import type { ApiProfile, ResourceOverride } from '../profile/types.js';
import type { ResourceModel } from './model.js';

export interface InferInput {
  readonly spec?: CompiledSpec;
  readonly cassettes: readonly NamedCassette[];
  readonly profile: ApiProfile;
  /** Config's `sandbox.resources` (wins over the profile's `resources.overrides`). */
  readonly overrides: Readonly<Record<string, ResourceOverride>>;
  /** Config's `sandbox.notResources`: `"GET /v1/customers/search"`. */
  readonly notResources: readonly string[];
}

export function inferModel(input: InferInput): ResourceModel {
  void input;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
