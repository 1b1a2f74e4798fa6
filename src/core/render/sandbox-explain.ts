/** `tapedeck sandbox --explain`: the model and the resolved profile, as text or as JSON. */
import type { NamedCassette } from '../cassette/model.js';
import { TapedeckError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { ApiProfile } from '../sandbox/profile/types.js';
import type { ResourceModel } from '../sandbox/state/model.js';

/** Where the model and profile came from, as the first line and the profile block tell it. */
export interface ExplainSources {
  /** The spec file as given (`stripe.json`), and its number of paths. */
  readonly spec?: { readonly file: string; readonly paths: number };
  /** The cassettes loaded (counted per resource type for the `from` column). */
  readonly cassettes: readonly NamedCassette[];
  /** `preset` or the profile file as given. */
  readonly profile: { readonly from: 'preset' } | { readonly from: 'file'; readonly file: string };
  /** How keys look (`sk_test_ + 22 + 6 checksum (131 bits)`), from core/sandbox/keys.ts. */
  readonly keyFormat?: string;
  /** Names of the built-in live-key detectors the tenant layer also applies. */
  readonly liveDetectors?: readonly string[];
}

export function renderExplain(
  model: ResourceModel,
  profile: ApiProfile,
  sources: ExplainSources,
): string {
  void model;
  void profile;
  void sources;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}

/** The model + resolved profile, in the shape of `sandbox.resources` overrides (pasteable). */
export function explainJson(model: ResourceModel, profile: ApiProfile): JsonValue {
  void model;
  void profile;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
