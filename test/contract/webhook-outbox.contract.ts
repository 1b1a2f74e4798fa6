import { describe, expect, it } from 'vitest';
import type { StateHarness } from './state-harness.js';

const event = (id: string) => ({
  id,
  destination: 'https://hooks.example/in',
  payload: `{"id":"${id}"}`,
});

/** The behaviour every WebhookOutbox must have. Run it against each implementation. */
export function webhookOutboxContract(name: string, harness: StateHarness): void {
  describe(`${name} (WebhookOutbox contract)`, () => {
    it('queues deliveries and hands out those due, earliest first, ties in queue order', async () => {
      const { outbox } = (await harness.open()).state;
      expect(await outbox.enqueue('t1', event('e3'), 300)).toBe(true);
      expect(await outbox.enqueue('t1', event('e1'), 100)).toBe(true);
      expect(await outbox.enqueue('t1', event('e2'), 100)).toBe(true);
      expect(await outbox.enqueue('t1', event('e1'), 50)).toBe(false);
      expect(await outbox.due('t1', 99, 10)).toEqual([]);
      expect((await outbox.due('t1', 100, 10)).map((d) => d.id)).toEqual(['e1', 'e2']);
      expect((await outbox.due('t1', 1000, 2)).map((d) => d.id)).toEqual(['e1', 'e2']);
      expect(await outbox.get('t1', 'e1')).toEqual({
        ...event('e1'),
        status: 'pending',
        nextAttemptAt: 100,
        attempts: 0,
      });
    });

    it('keeps a delivery due until an attempt settles it, counting attempts', async () => {
      const { outbox } = (await harness.open()).state;
      await outbox.enqueue('t1', event('e1'), 100);
      const retry = { at: 100, outcome: 'retry', nextAttemptAt: 700, responseStatus: 503 } as const;
      expect(await outbox.markAttempt('t1', 'e1', retry)).toBe(true);
      expect(await outbox.due('t1', 699, 10)).toEqual([]);
      const [again] = await outbox.due('t1', 700, 10);
      expect(again).toEqual({
        ...event('e1'),
        status: 'pending',
        nextAttemptAt: 700,
        attempts: 1,
        lastAttempt: retry,
      });
      const delivered = { at: 700, outcome: 'delivered', responseStatus: 204 } as const;
      expect(await outbox.markAttempt('t1', 'e1', delivered)).toBe(true);
      expect(await outbox.due('t1', 10_000, 10)).toEqual([]);
      expect(await outbox.get('t1', 'e1')).toEqual({
        ...event('e1'),
        status: 'delivered',
        nextAttemptAt: undefined,
        attempts: 2,
        lastAttempt: delivered,
      });
      // Settled: a late attempt changes nothing.
      expect(await outbox.markAttempt('t1', 'e1', { at: 800, outcome: 'failed' })).toBe(false);
    });

    it('stops offering a delivery that failed for good', async () => {
      const { outbox } = (await harness.open()).state;
      await outbox.enqueue('t1', event('e1'), 0);
      expect(await outbox.markAttempt('t1', 'e1', { at: 5, outcome: 'failed' })).toBe(true);
      expect(await outbox.due('t1', 10_000, 10)).toEqual([]);
      expect(await outbox.get('t1', 'e1')).toMatchObject({ status: 'failed', attempts: 1 });
      expect(await outbox.markAttempt('t1', 'nope', { at: 5, outcome: 'failed' })).toBe(false);
    });

    it('never shows or settles one tenant the deliveries of another', async () => {
      const { outbox } = (await harness.open()).state;
      await outbox.enqueue('t1', event('e1'), 0);
      expect(await outbox.enqueue('t2', event('e1'), 0)).toBe(true);
      await outbox.enqueue('t2', event('e2'), 0);
      expect((await outbox.due('t1', 10, 10)).map((d) => d.id)).toEqual(['e1']);
      expect(await outbox.get('t1', 'e2')).toBeUndefined();
      expect(await outbox.markAttempt('t1', 'e2', { at: 1, outcome: 'failed' })).toBe(false);
      await outbox.markAttempt('t1', 'e1', { at: 1, outcome: 'delivered', responseStatus: 200 });
      expect((await outbox.due('t2', 10, 10)).map((d) => d.id)).toEqual(['e1', 'e2']);
    });

    if (harness.persistent) {
      it('keeps pending deliveries across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.outbox.enqueue('t1', event('e1'), 100);
        await opened.state.close();
        const again = await opened.reopen();
        expect((await again.outbox.due('t1', 100, 10)).map((d) => d.id)).toEqual(['e1']);
      });
    }
  });
}
