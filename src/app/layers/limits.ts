import { TapedeckError } from '../../core/errors.js';
import type { Scheduler, TenantQuotas, UsageStore } from '../../core/ports/index.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { Layer } from '../pipeline/context.js';

export interface LimitsLayerOptions {
  readonly profile: ApiProfile;
  readonly errors: ProfileErrors;
  readonly usage: UsageStore;
  readonly scheduler: Scheduler;
  readonly defaults: TenantQuotas;
}

/**
 * Layer 3 of `tapedeck sandbox`: requests per tenant-day (`quotas.requestsPerDay`), counted in
 * memory and flushed to the usage table every second. Issue 14 adds the token bucket here.
 */
export function limitsLayer(_o: LimitsLayerOptions): Layer {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
