import { TapedeckError } from '../errors.js';

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

const DURATION = /^(\d{1,12})(ms|s|m|h|d)$/;

/**
 * A duration as people write it, to milliseconds: `90s`, `30m`, `2h`, `7d`, `250ms`, or `0`.
 * One number and one unit; anything else is a TD_USAGE error naming the accepted forms.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const m = DURATION.exec(trimmed);
  if (m === null) {
    throw new TapedeckError(
      'TD_USAGE',
      `The ${what} must be a number and a unit (ms, s, m, h or d): 90s, 30m, 2h, 7d.`,
    );
  }
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms))
    throw new TapedeckError('TD_USAGE', `The ${what} is too long to count in milliseconds.`);
  return ms;
}
