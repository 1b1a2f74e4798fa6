import { TapedeckError } from '../../core/errors.js';
import type { Detector } from '../../core/redaction/detectors.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { TenantResolver } from '../../core/sandbox/tenant.js';
import type { Layer } from '../pipeline/context.js';

export type { ResolvedTenant, TenantResolver } from '../../core/sandbox/tenant.js';

export interface TenantLayerOptions {
  readonly profile: ApiProfile;
  readonly resolver: TenantResolver;
  /** The admin token: refused as a tenant key (401 `admin-token`). */
  readonly adminToken?: string | undefined;
  readonly errors: ProfileErrors;
  /** Built-in live-key shapes (core/redaction/detectors.ts LIVE_KEY_DETECTORS). */
  readonly liveDetectors: readonly Detector[];
}

/**
 * Layer 2 of `tapedeck sandbox`: the request's test key → `context.tenant`, or a 400/401 in
 * the profile's shape (docs/sandbox.md, "Keys").
 */
export function tenantLayer(_o: TenantLayerOptions): Layer {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
