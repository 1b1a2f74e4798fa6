/**
 * The resource model of a sandbox (docs/design/issue-13-plan.md §1): from the spec (what is a
 * collection, an item, an action), enriched by the recordings (observed ids), or from the
 * recordings alone; then the profile's and config's corrections.
 */
import type { NamedCassette } from '../../cassette/model.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import type { ApiProfile, ResourceOverride } from '../profile/types.js';
import { enrichWithRecordings, inferFromRecordings } from './infer-recordings.js';
import { inferFromSpec } from './infer-spec.js';
import type { ResourceModel } from './model.js';
import { applyOverrides } from './overrides.js';

export interface InferInput {
  readonly spec?: CompiledSpec;
  readonly cassettes: readonly NamedCassette[];
  readonly profile: ApiProfile;
  /** Config's `sandbox.resources` (wins over the profile's `resources.overrides`). */
  readonly overrides: Readonly<Record<string, ResourceOverride>>;
  /** Config's `sandbox.notResources`: `"GET /v1/customers/search"`, or a path for every method. */
  readonly notResources: readonly string[];
}

function withoutNotResources(model: ResourceModel, notResources: readonly string[]): ResourceModel {
  if (notResources.length === 0) return model;
  const excluded = new Set(notResources.map((s) => s.trim()));
  const out = model.routes.filter(
    (r) => excluded.has(`${r.method} ${r.path}`) || excluded.has(r.path),
  );
  if (out.length === 0) return model;
  return {
    ...model,
    routes: model.routes.filter((r) => !out.includes(r)),
    notModelled: [
      ...model.notModelled,
      ...out.map((r) => ({
        method: r.method,
        path: r.path,
        reason: 'listed in sandbox.notResources',
      })),
    ],
  };
}

export function inferModel(input: InferInput): ResourceModel {
  const base =
    input.spec === undefined
      ? withoutNotResources(inferFromRecordings(input.cassettes, input.profile), input.notResources)
      : enrichWithRecordings(
          inferFromSpec(input.spec, input.profile, input.notResources).model,
          input.cassettes,
          input.spec.model.basePaths,
        );
  return applyOverrides(base, input.profile, input.overrides);
}
