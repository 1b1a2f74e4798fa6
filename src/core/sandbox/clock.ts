import { TapedeckError } from '../errors.js';
import type { TenantClockState } from '../ports/tenants.js';

/**
 * A tenant's clock (docs/sandbox.md, "The tenant clock"): real time plus an offset, or frozen at
 * one instant. Idempotency retention, idle expiry and `created` timestamps read it. Pure: the
 * real time is passed in.
 */

/** The most one `advance` may move a clock: two years (of 365 days). */
export const MAX_ADVANCE_MS = 2 * 365 * 24 * 60 * 60 * 1000;

/**
 * How far ahead of real time a clock may run in all: a hundred years. Two years a call would
 * otherwise add up, call after call, past the last instant a date can name (year 275760).
 */
export const MAX_OFFSET_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** The tenant's time (ms) when the real time is `realNow`. */
export function tenantNow(state: TenantClockState, realNow: number): number {
  return state.frozenAt ?? realNow + state.offsetMs;
}

/** Stops the clock at the tenant's time now; freezing a frozen clock changes nothing. */
export function freeze(state: TenantClockState, realNow: number): TenantClockState {
  return state.frozenAt === undefined
    ? { offsetMs: state.offsetMs, frozenAt: realNow + state.offsetMs }
    : state;
}

/**
 * Moves the clock forward by `ms` (0 to two years): a frozen clock stays frozen, later. Clocks
 * never go back (a resource created after it would look older than one created before).
 */
export function advance(state: TenantClockState, ms: number): TenantClockState {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_ADVANCE_MS) {
    throw new TapedeckError(
      'TD_USAGE',
      'A tenant clock advances by 0 to 2 years at a time (e.g. 2h, 30m, 7d, 90s).',
    );
  }
  if (state.offsetMs + ms > MAX_OFFSET_MS) {
    throw new TapedeckError(
      'TD_USAGE',
      'A tenant clock runs at most 100 years ahead of real time.',
      { hint: '`tapedeck clock --tenant NAME now` (or {"now": true}) puts it back on real time.' },
    );
  }
  return state.frozenAt === undefined
    ? { offsetMs: state.offsetMs + ms }
    : { offsetMs: state.offsetMs + ms, frozenAt: state.frozenAt + ms };
}

/** "now": the clock runs again at real time (unfrozen, no offset). */
export function resume(_state: TenantClockState, _realNow: number): TenantClockState {
  return { offsetMs: 0 };
}

export const DAY_MS = 86_400_000;

/** The tenant-day of a tenant time (days since the epoch, UTC): what daily quotas count by. */
export function tenantDay(tenantMs: number): number {
  return Math.floor(tenantMs / DAY_MS);
}

/** Milliseconds from a tenant time to the tenant's next midnight (UTC): at least 1. */
export function msToNextDay(tenantMs: number): number {
  return (tenantDay(tenantMs) + 1) * DAY_MS - tenantMs;
}
