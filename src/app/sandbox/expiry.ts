import type { Scheduler, ScheduledTask } from '../../core/ports/index.js';
import type { TenantAdmin } from './tenants.js';

/** Idle-tenant expiry: once at start-up, then hourly through the scheduler. */
export function scheduleExpiry(
  _admin: TenantAdmin,
  _scheduler: Scheduler,
  _everyMs?: number,
): ScheduledTask {
  return { cancel() {} };
}
