import type { Scheduler, ScheduledTask } from '../../core/ports/index.js';
import type { TenantAdmin } from './tenants.js';

const HOUR_MS = 3_600_000;

/**
 * Idle-tenant expiry: once now (start-up), then every `everyMs` (an hour) through the
 * scheduler. A failed sweep is reported to `onError` and the next one runs as planned.
 */
export function scheduleExpiry(
  admin: TenantAdmin,
  scheduler: Scheduler,
  everyMs: number = HOUR_MS,
  onError: (error: unknown) => void = () => undefined,
): ScheduledTask {
  let task: ScheduledTask | undefined;
  let stopped = false;
  const sweep = () => {
    admin
      .expireIdle()
      .catch(onError)
      .finally(() => {
        if (!stopped) task = scheduler.setTimeout(sweep, everyMs);
      });
  };
  sweep();
  return {
    cancel() {
      stopped = true;
      task?.cancel();
    },
  };
}
