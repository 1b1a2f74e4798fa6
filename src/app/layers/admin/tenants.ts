import { TapedeckError } from '../../../core/errors.js';
import type { TenantAdmin } from '../../sandbox/tenants.js';
import type { AdminRoute } from './router.js';

/**
 *   POST   tenants                    {name, seed?}   create (the key, once)
 *   GET    tenants                                    list
 *   GET    tenants/:name                              show
 *   POST   tenants/:name/keys         {overlap?}      rotate
 *   DELETE tenants/:name/keys/:hint | tenants/:name/keys?all=1   revoke
 *   POST   tenants/:name/reset | tenants/:name/snapshots {name} | tenants/:name/snapshots/:snap/restore
 *   DELETE tenants/:name
 */
export function tenantRoutes(_admin: TenantAdmin): AdminRoute[] {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
