import { describe, expect, it } from 'vitest';
import type { StateHarness } from './state-harness.js';

const DAY = 86_400_000;
const T0 = 1_700_000_000_000;

/** The behaviour every DriftHistoryStore must have. Run it against each implementation. */
export function driftHistoryContract(name: string, harness: StateHarness): void {
  describe(`${name} (DriftHistoryStore contract)`, () => {
    it('dates each finding by when it was first seen', async () => {
      const { driftHistory } = (await harness.open()).state;
      expect([...(await driftHistory.record(['a', 'b'], T0))]).toEqual([
        ['a', T0],
        ['b', T0],
      ]);
      const later = await driftHistory.record(['b', 'c', 'c'], T0 + 3 * DAY);
      expect([...later]).toEqual([
        ['b', T0],
        ['c', T0 + 3 * DAY],
      ]);
      expect((await driftHistory.record([], T0)).size).toBe(0);
    });

    it('moves first-seen back when a run reports an older time', async () => {
      const { driftHistory } = (await harness.open()).state;
      await driftHistory.record(['a'], T0 + DAY);
      expect((await driftHistory.record(['a'], T0)).get('a')).toBe(T0);
      expect((await driftHistory.record(['a'], T0 + 2 * DAY)).get('a')).toBe(T0);
    });

    if (harness.persistent) {
      it('keeps history across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.driftHistory.record(['fp'], 1000);
        await opened.state.close();
        const again = await opened.reopen();
        expect((await again.driftHistory.record(['fp'], 5000)).get('fp')).toBe(1000);
      });
    }
  });
}
