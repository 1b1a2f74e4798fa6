import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCHEDULES, nextDelayMs, resolveSchedule } from '../../../src/core/webhooks/schedule.js';
import type { RetrySchedule } from '../../../src/core/webhooks/types.js';
import { assertProperty } from '../../helpers/property.js';

const total = (s: RetrySchedule) => s.delaysMs.reduce((a, b) => a + b, 0);

describe('retry schedules', () => {
  it('sandbox: six attempts in about 2 h 36 min; production: ten in about 75 h 35 min', () => {
    expect(SCHEDULES.sandbox.delaysMs).toHaveLength(5);
    expect(total(SCHEDULES.sandbox)).toBe(((2 * 60 + 36) * 60 + 5) * 1000);
    expect(SCHEDULES.production.delaysMs).toHaveLength(9);
    expect(total(SCHEDULES.production)).toBe(((75 * 60 + 35) * 60 + 5) * 1000);
  });

  it('the config’s list of durations, with its jitter', () => {
    expect(resolveSchedule(['30s', '2m', '1h'], 0.2)).toEqual({
      delaysMs: [30_000, 120_000, 3_600_000],
      jitter: 0.2,
    });
    expect(resolveSchedule('production', 0)).toEqual({ ...SCHEDULES.production, jitter: 0 });
    expect(() => resolveSchedule(['soon'], 0)).toThrow(/webhooks\.schedule\[0\]/);
  });

  it('the first attempt waits nothing; past the table there is none', () => {
    expect(nextDelayMs(SCHEDULES.sandbox, 0, 's')).toBe(0);
    expect(nextDelayMs(SCHEDULES.sandbox, 6, 's')).toBeUndefined();
    expect(nextDelayMs({ delaysMs: [1000], jitter: 0 }, 1, 's')).toBe(1000);
  });

  const schedule = fc.record({
    delaysMs: fc.array(fc.integer({ min: 0, max: 100 * 3_600_000 }), { maxLength: 12 }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('within ±jitter of the table, the same for the same seed, undefined past the end', () => {
    assertProperty(
      fc.property(schedule, fc.nat(14), fc.string(), (s, n, seed) => {
        const delay = nextDelayMs(s, n, seed);
        expect(nextDelayMs(s, n, seed)).toBe(delay);
        const base = n === 0 ? 0 : s.delaysMs[n - 1];
        if (base === undefined) expect(delay).toBeUndefined();
        else {
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - s.jitter)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + s.jitter)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the jitter moves with the seed and the attempt (not one fixed offset)', () => {
    const s = SCHEDULES.production;
    const delays = new Set(
      Array.from({ length: 50 }, (_, i) => nextDelayMs(s, 1 + (i % 9), `seed${String(i)}`)),
    );
    expect(delays.size).toBeGreaterThan(40);
    const bySeed = new Set(Array.from({ length: 20 }, (_, i) => nextDelayMs(s, 3, String(i))));
    expect(bySeed.size).toBeGreaterThan(15);
  });

  it('keeps the order of a growing table when the jitter cannot overlap the steps', () => {
    assertProperty(
      fc.property(fc.string(), (seed) => {
        const s = { ...SCHEDULES.production, jitter: 0.1 };
        for (let n = 2; n <= s.delaysMs.length; n++)
          expect(nextDelayMs(s, n, seed)!).toBeGreaterThan(nextDelayMs(s, n - 1, seed)!);
      }),
      { numRuns: 200 },
    );
  });
});
