/**
 * Retry schedules (docs/design/issue-15-plan.md §2 "Schedule"): `sandbox` (compressed) and
 * `production` (Standard Webhooks' table), or the config's own list. The jitter is drawn from a
 * hash of the seed, so a restart schedules the same instants.
 */
import { parseDuration } from '../sandbox/duration.js';
import type { RetrySchedule } from './types.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

/** The jitter of the built-in schedules (the config's `webhooks.jitter` default). */
const DEFAULT_JITTER = 0.1;

export const SCHEDULES: Readonly<Record<'sandbox' | 'production', RetrySchedule>> = {
  // Six attempts in about 2 h 36 min: Stripe's test mode retries a few times over a few hours.
  sandbox: { delaysMs: [5 * S, MIN, 5 * MIN, 30 * MIN, 2 * H], jitter: DEFAULT_JITTER },
  // Standard Webhooks' recommendation: ten attempts over about 75 h 35 min.
  production: {
    delaysMs: [5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H],
    jitter: DEFAULT_JITTER,
  },
};

/** The config's `webhooks.schedule` and `jitter` as a schedule (a list: durations such as `30s`). */
export function resolveSchedule(
  setting: 'sandbox' | 'production' | readonly string[],
  jitter: number,
): RetrySchedule {
  const delaysMs =
    typeof setting === 'string'
      ? SCHEDULES[setting].delaysMs
      : setting.map((text, i) => parseDuration(text, `webhooks.schedule[${String(i)}]`));
  return { delaysMs, jitter };
}

/** 32-bit FNV-1a of the text's UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The wait after `attemptsMade` attempts before the next one, jittered by a hash of `seed`
 * (stable across restarts); undefined when the schedule has no attempt left. The first attempt
 * (none made yet) waits nothing: it is due at the event's time.
 */
export function nextDelayMs(
  schedule: RetrySchedule,
  attemptsMade: number,
  seed: string,
): number | undefined {
  if (attemptsMade <= 0) return 0;
  const base = schedule.delaysMs[attemptsMade - 1];
  if (base === undefined) return undefined;
  const jitter = Math.min(1, Math.max(0, schedule.jitter));
  // u in [-1, 1), from `seed` and the attempt number only.
  const u = (fnv1a(`${seed}\u0000${String(attemptsMade)}`) / 2 ** 32) * 2 - 1;
  return Math.max(0, Math.round(base * (1 + jitter * u)));
}
