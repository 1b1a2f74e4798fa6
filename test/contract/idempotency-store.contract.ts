import { describe, expect, it } from 'vitest';
import type { IdempotentResponse } from '../../src/core/ports/index.js';
import type { StateHarness } from './state-harness.js';

const response: IdempotentResponse = {
  status: 201,
  headers: [
    ['content-type', 'application/json'],
    ['set-cookie', 'a=1'],
    ['set-cookie', 'b=2'],
  ],
  // Bytes that are not UTF-8, to show the body comes back byte for byte.
  body: new Uint8Array([0x7b, 0x7d, 0x00, 0xff, 0xfe]),
};

/** The behaviour every IdempotencyStore must have. Run it against each implementation. */
export function idempotencyStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (IdempotencyStore contract)`, () => {
    it('claims a new key, then reports it in flight, then replays the stored response', async () => {
      const { idempotency } = (await harness.open()).state;
      expect(await idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0)).toEqual({ kind: 'new' });
      expect(await idempotency.begin('t1', 'k', 'fp', 'POST /x', 1001, 0)).toEqual({
        kind: 'in-flight',
      });
      expect(await idempotency.complete('t1', 'k', response)).toBe(true);
      expect(await idempotency.begin('t1', 'k', 'fp', 'POST /x', 1002, 0)).toEqual({
        kind: 'completed',
        response,
      });
      // Completed once: a second answer cannot overwrite the first.
      expect(await idempotency.complete('t1', 'k', { ...response, status: 500 })).toBe(false);
      expect(await idempotency.begin('t1', 'k', 'fp', 'POST /x', 1003, 0)).toMatchObject({
        response: { status: 201 },
      });
    });

    it('reports a key reused with another request as a mismatch, in flight or completed', async () => {
      const { idempotency } = (await harness.open()).state;
      await idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0);
      expect(await idempotency.begin('t1', 'k', 'other', 'POST /x', 1001, 0)).toEqual({
        kind: 'mismatch',
        endpoint: 'POST /x',
      });
      await idempotency.complete('t1', 'k', response);
      expect(await idempotency.begin('t1', 'k', 'other', 'POST /x', 1002, 0)).toEqual({
        kind: 'mismatch',
        endpoint: 'POST /x',
      });
    });

    it('names the endpoint the key was first used on, to tell other parameters from another endpoint', async () => {
      const { idempotency } = (await harness.open()).state;
      await idempotency.begin('t1', 'k', 'fp', 'POST /v1/customers', 1000, 0);
      expect(await idempotency.begin('t1', 'k', 'fp-2', 'POST /v1/refunds', 1001, 0)).toEqual({
        kind: 'mismatch',
        endpoint: 'POST /v1/customers',
      });
    });

    it('counts a key begun before notBefore as absent: it is claimed afresh, in flight or completed', async () => {
      const { idempotency } = (await harness.open()).state;
      await idempotency.begin('t1', 'done', 'fp', 'POST /x', 1000, 0);
      await idempotency.complete('t1', 'done', response);
      await idempotency.begin('t1', 'stuck', 'fp', 'POST /x', 1000, 0);
      // Still within retention (begun at 1000, not before 1000): kept.
      expect((await idempotency.begin('t1', 'done', 'other', 'POST /y', 2000, 1000)).kind).toBe(
        'mismatch',
      );
      expect(await idempotency.begin('t1', 'done', 'other', 'POST /y', 2000, 1001)).toEqual({
        kind: 'new',
      });
      expect(await idempotency.begin('t1', 'stuck', 'fp', 'POST /x', 2000, 1001)).toEqual({
        kind: 'new',
      });
      // The fresh claim is the one stored now: its own fingerprint, endpoint and time.
      expect(await idempotency.begin('t1', 'done', 'fp', 'POST /x', 2001, 1001)).toEqual({
        kind: 'mismatch',
        endpoint: 'POST /y',
      });
      expect(await idempotency.begin('t1', 'done', 'other', 'POST /y', 2002, 2000)).toEqual({
        kind: 'in-flight',
      });
    });

    it("releases every tenant's in-flight keys at start-up, never a completed one", async () => {
      const { idempotency } = (await harness.open()).state;
      await idempotency.begin('t1', 'a', 'fp', 'POST /x', 1000, 0);
      await idempotency.begin('t2', 'a', 'fp', 'POST /x', 1000, 0);
      await idempotency.begin('t2', 'b', 'fp', 'POST /x', 1000, 0);
      await idempotency.complete('t2', 'b', response);
      expect(await idempotency.releaseInFlight()).toBe(2);
      expect(await idempotency.releaseInFlight()).toBe(0);
      expect(await idempotency.begin('t1', 'a', 'other', 'POST /x', 1001, 0)).toEqual({
        kind: 'new',
      });
      expect(await idempotency.begin('t2', 'a', 'other', 'POST /x', 1001, 0)).toEqual({
        kind: 'new',
      });
      expect(await idempotency.begin('t2', 'b', 'fp', 'POST /x', 1001, 0)).toEqual({
        kind: 'completed',
        response,
      });
    });

    it("clears one tenant's keys, completed and in flight, and no other's", async () => {
      const { idempotency } = (await harness.open()).state;
      for (const t of ['t1', 't2']) {
        await idempotency.begin(t, 'a', 'fp', 'POST /x', 1000, 0);
        await idempotency.complete(t, 'a', response);
        await idempotency.begin(t, 'b', 'fp', 'POST /x', 1000, 0);
      }
      await idempotency.clear('t1');
      expect(await idempotency.begin('t1', 'a', 'other', 'POST /x', 1001, 0)).toEqual({
        kind: 'new',
      });
      expect(await idempotency.begin('t1', 'b', 'other', 'POST /x', 1001, 0)).toEqual({
        kind: 'new',
      });
      expect(await idempotency.begin('t2', 'a', 'fp', 'POST /x', 1001, 0)).toEqual({
        kind: 'completed',
        response,
      });
      expect(await idempotency.begin('t2', 'b', 'fp', 'POST /x', 1001, 0)).toEqual({
        kind: 'in-flight',
      });
    });

    it('lets exactly one of two concurrent first uses claim the key', async () => {
      const { idempotency } = (await harness.open()).state;
      const results = await Promise.all([
        idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0),
        idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0),
      ]);
      expect(results.map((r) => r.kind).sort()).toEqual(['in-flight', 'new']);
    });

    it('releases an in-flight key (never a completed one), and completes no unknown key', async () => {
      const { idempotency } = (await harness.open()).state;
      expect(await idempotency.complete('t1', 'nope', response)).toBe(false);
      await idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0);
      expect(await idempotency.release('t1', 'k')).toBe(true);
      expect(await idempotency.begin('t1', 'k', 'other', 'POST /x', 1001, 0)).toEqual({
        kind: 'new',
      });
      await idempotency.complete('t1', 'k', response);
      expect(await idempotency.release('t1', 'k')).toBe(false);
      expect((await idempotency.begin('t1', 'k', 'fp', 'POST /x', 1002, 0)).kind).toBe('mismatch');
    });

    it('expires keys begun before a time, per tenant', async () => {
      const { idempotency } = (await harness.open()).state;
      await idempotency.begin('t1', 'old', 'fp', 'POST /x', 1000, 0);
      await idempotency.begin('t1', 'new', 'fp', 'POST /x', 5000, 0);
      await idempotency.begin('t2', 'old', 'fp', 'POST /x', 1000, 0);
      expect(await idempotency.expire('t1', 5000)).toBe(1);
      expect(await idempotency.begin('t1', 'old', 'other', 'POST /x', 6000, 0)).toEqual({
        kind: 'new',
      });
      expect(await idempotency.begin('t1', 'new', 'other', 'POST /x', 6000, 0)).toEqual({
        kind: 'mismatch',
        endpoint: 'POST /x',
      });
      expect(await idempotency.begin('t2', 'old', 'other', 'POST /x', 6000, 0)).toEqual({
        kind: 'mismatch',
        endpoint: 'POST /x',
      });
    });

    it('never lets one tenant see or touch the keys of another', async () => {
      const { idempotency } = (await harness.open()).state;
      await idempotency.begin('t1', 'k', 'fp-1', 'POST /x', 1000, 0);
      await idempotency.complete('t1', 'k', response);
      expect(await idempotency.begin('t2', 'k', 'fp-2', 'POST /x', 1000, 0)).toEqual({
        kind: 'new',
      });
      expect(await idempotency.release('t2', 'k')).toBe(true);
      expect(await idempotency.complete('t2', 'k', { ...response, status: 500 })).toBe(false);
      expect(await idempotency.begin('t1', 'k', 'fp-1', 'POST /x', 1001, 0)).toEqual({
        kind: 'completed',
        response,
      });
    });

    if (harness.persistent) {
      it('keeps completed keys across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0);
        await opened.state.idempotency.complete('t1', 'k', response);
        await opened.state.close();
        const again = await opened.reopen();
        expect(await again.idempotency.begin('t1', 'k', 'fp', 'POST /x', 2000, 0)).toEqual({
          kind: 'completed',
          response,
        });
      });
    }
  });
}
