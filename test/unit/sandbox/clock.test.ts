import { describe, expect, it } from 'vitest';
import { isTapedeckError } from '../../../src/core/errors.js';
import {
  advance,
  freeze,
  MAX_ADVANCE_MS,
  MAX_OFFSET_MS,
  resume,
  tenantNow,
} from '../../../src/core/sandbox/clock.js';
import { parseDuration } from '../../../src/core/sandbox/duration.js';
import { layerRig } from '../../helpers/sandbox-layers.js';

const REAL = Date.UTC(2026, 0, 1, 12);
const HOUR = 3_600_000;

function usageError(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch (error) {
    return isTapedeckError(error, 'TD_USAGE');
  }
}

describe('tenant clock', () => {
  it('runs at real time plus its offset', () => {
    expect(tenantNow({ offsetMs: 0 }, REAL)).toBe(REAL);
    expect(tenantNow({ offsetMs: HOUR }, REAL)).toBe(REAL + HOUR);
  });

  it('freezes at the tenant time now, and stays there as real time passes', () => {
    const frozen = freeze({ offsetMs: HOUR }, REAL);
    expect(tenantNow(frozen, REAL)).toBe(REAL + HOUR);
    expect(tenantNow(frozen, REAL + 5 * HOUR)).toBe(REAL + HOUR);
    expect(freeze(frozen, REAL + 5 * HOUR)).toBe(frozen);
  });

  it('advances a running and a frozen clock alike, never backwards', () => {
    expect(tenantNow(advance({ offsetMs: 0 }, 2 * HOUR), REAL)).toBe(REAL + 2 * HOUR);
    const frozen = advance(freeze({ offsetMs: 0 }, REAL), 2 * HOUR);
    expect(frozen.frozenAt).toBe(REAL + 2 * HOUR);
    expect(tenantNow(frozen, REAL + 7 * HOUR)).toBe(REAL + 2 * HOUR);
    expect(usageError(() => advance({ offsetMs: 0 }, -1))).toBe(true);
    expect(usageError(() => advance({ offsetMs: 0 }, MAX_ADVANCE_MS + 1))).toBe(true);
    expect(usageError(() => advance({ offsetMs: 0 }, 1.5))).toBe(true);
    expect(advance({ offsetMs: 0 }, MAX_ADVANCE_MS).offsetMs).toBe(MAX_ADVANCE_MS);
  });

  it('stops at a hundred years ahead in all, however many advances add up to it', () => {
    const near = { offsetMs: MAX_OFFSET_MS - HOUR };
    expect(advance(near, HOUR).offsetMs).toBe(MAX_OFFSET_MS);
    expect(usageError(() => advance(near, HOUR + 1))).toBe(true);
    expect(usageError(() => advance({ ...near, frozenAt: REAL + near.offsetMs }, 2 * HOUR))).toBe(
      true,
    );
  });

  it('answers a clock pushed to the end of dates with a usage error, not a crash', async () => {
    // 137,000 advances of two years each would get there; the state is set directly here.
    const rig = layerRig();
    const { tenant } = await rig.admin.create('acme');
    await rig.state.tenants.update(tenant.id, { clock: { offsetMs: 8.64e15 - REAL } });
    await expect(rig.admin.clock('acme', { advanceMs: MAX_ADVANCE_MS })).rejects.toMatchObject({
      code: 'TD_USAGE',
    });
  });

  it('"now" unfreezes and drops the offset', () => {
    const moved = advance(freeze({ offsetMs: 0 }, REAL), 30 * 24 * HOUR);
    const back = resume(moved, REAL + HOUR);
    expect(back).toEqual({ offsetMs: 0 });
    expect(tenantNow(back, REAL + HOUR)).toBe(REAL + HOUR);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 2 * HOUR],
    ['7d', 7 * 24 * HOUR],
    ['250ms', 250],
    ['0', 0],
    ['0h', 0],
    [' 24h ', 24 * HOUR],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '2', 'h', '2 h', '-2h', '1.5h', '2w', '2h30m', '2H', 'tdk_test_x'])(
    'refuses %j with one line naming the forms, without echoing it',
    (text) => {
      try {
        parseDuration(text, 'overlap');
        expect.unreachable();
      } catch (error) {
        expect(isTapedeckError(error, 'TD_USAGE')).toBe(true);
        const message = (error as Error).message;
        expect(message).toContain('The overlap must be');
        expect(message).toContain('2h');
        if (text.length > 2) expect(message).not.toContain(text.trim());
      }
    },
  );
});
