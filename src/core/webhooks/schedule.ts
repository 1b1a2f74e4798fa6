/**
 * Retry schedules (docs/design/issue-15-plan.md §2 "Schedule"): `sandbox` (compressed) and
 * `production` (Standard Webhooks' table), or the config's own list. Built by wp15-core.
 */
import type { RetrySchedule } from './types.js';

export const SCHEDULES: Readonly<Record<'sandbox' | 'production', RetrySchedule>> = {
  sandbox: { delaysMs: [], jitter: 0 },
  production: { delaysMs: [], jitter: 0 },
};

/**
 * The wait after `attemptsMade` attempts before the next one, jittered by a hash of `seed`
 * (stable across restarts); undefined when the schedule has no attempt left.
 */
export function nextDelayMs(
  schedule: RetrySchedule,
  attemptsMade: number,
  seed: string,
): number | undefined {
  void schedule;
  void attemptsMade;
  void seed;
  throw new Error('built by wp15-core');
}
