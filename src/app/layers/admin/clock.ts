import { TapedeckError } from '../../../core/errors.js';
import type { TenantAdmin } from '../../sandbox/tenants.js';
import type { AdminRoute } from './router.js';

/**
 *   GET  tenants/:name/clock                                     show
 *   POST tenants/:name/clock  {freeze:true}|{advance:"2h"}|{now:true}
 */
export function clockRoutes(_admin: TenantAdmin): AdminRoute[] {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
