import { describe, expect, it } from 'vitest';
import type { StateHarness } from './state-harness.js';

/** The behaviour every UsageStore (requests per tenant per day) must have. */
export function usageStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (UsageStore contract)`, () => {
    it('counts requests per tenant and day, answering each new total', async () => {
      const { usage } = (await harness.open()).state;
      expect(await usage.get('t1', 20_000)).toBe(0);
      expect(await usage.add('t1', 20_000, 1)).toBe(1);
      expect(await usage.add('t1', 20_000, 3)).toBe(4);
      expect(await usage.add('t1', 20_001, 1)).toBe(1);
      expect(await usage.add('t2', 20_000, 2)).toBe(2);
      expect(await usage.get('t1', 20_000)).toBe(4);
      expect(await usage.get('t1', 20_001)).toBe(1);
      expect(await usage.get('t2', 20_000)).toBe(2);
      expect(await usage.get('t2', 20_001)).toBe(0);
    });

    it('refuses a count that is not a finite number, keeping the day as it was', async () => {
      const { usage } = (await harness.open()).state;
      await usage.add('t1', 20_000, 2);
      await expect(usage.add('t1', 20_000, NaN)).rejects.toThrow();
      await expect(usage.add('t1', 20_000, Infinity)).rejects.toThrow();
      expect(await usage.get('t1', 20_000)).toBe(2);
    });

    if (harness.persistent) {
      it('keeps counts across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.usage.add('t1', 5, 7);
        await opened.state.close();
        const again = await opened.reopen();
        expect(await again.usage.get('t1', 5)).toBe(7);
      });
    }
  });
}
