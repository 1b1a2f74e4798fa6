import { describe, expect, it } from 'vitest';
import type { Signoff } from '../../src/core/ports/readiness.js';
import type { StateHarness } from './state-harness.js';
import { firstKey, newTenant } from './tenant-store.contract.js';

function signoff(tenant: string, by: string, at: number, extra: Partial<Signoff> = {}): Signoff {
  return {
    tenant,
    by,
    at,
    reportHash: `sha256:r${at}`,
    criteriaHash: 'sha256:c',
    cassettes: { 'flows/checkout.json': 'sha256:k' },
    verdicts: { 'retry-after': 'pass', pagination: 'not-exercised' },
    ...extra,
  };
}

/** The behaviour every ReadinessStore (sign-offs of partner readiness) must have. */
export function readinessStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (ReadinessStore contract)`, () => {
    it('answers the newest sign-off of a tenant, and the history newest first', async () => {
      const { readiness } = (await harness.open()).state;
      expect(await readiness.latest('t1')).toBeUndefined();
      await readiness.sign(signoff('t1', 'Ada', 1_000, { note: 'first pass' }));
      await readiness.sign(signoff('t1', 'Grace', 2_000, { specHash: 'sha256:s' }));
      await readiness.sign(signoff('t2', 'Linus', 3_000));
      expect(await readiness.latest('t1')).toEqual(
        signoff('t1', 'Grace', 2_000, { specHash: 'sha256:s' }),
      );
      const history = await readiness.history('t1', 10);
      expect(history.map((s) => s.by)).toEqual(['Grace', 'Ada']);
      expect(history[1]).toEqual(signoff('t1', 'Ada', 1_000, { note: 'first pass' }));
      expect((await readiness.history('t1', 1)).map((s) => s.by)).toEqual(['Grace']);
      expect((await readiness.history('t2', 10)).map((s) => s.by)).toEqual(['Linus']);
    });

    it('keeps what was signed, whatever the caller changes afterwards', async () => {
      const { readiness } = (await harness.open()).state;
      const given = signoff('t1', 'Ada', 1_000);
      await readiness.sign(given);
      (given.verdicts as Record<string, string>)['retry-after'] = 'fail';
      const read = await readiness.latest('t1');
      expect(read?.verdicts['retry-after']).toBe('pass');
      (read!.cassettes as Record<string, string>)['x'] = 'y';
      expect((await readiness.latest('t1'))?.cassettes).toEqual({
        'flows/checkout.json': 'sha256:k',
      });
    });

    it("drops a deleted tenant's sign-offs, and only theirs", async () => {
      const { state } = await harness.open();
      for (const id of ['ten_a', 'ten_b']) await state.tenants.create(newTenant(id), firstKey(id));
      await state.readiness.sign(signoff('ten_a', 'Ada', 1_000));
      await state.readiness.sign(signoff('ten_b', 'Bob', 1_000));
      await state.tenants.delete('ten_a');
      expect(await state.readiness.latest('ten_a')).toBeUndefined();
      expect((await state.readiness.latest('ten_b'))?.by).toBe('Bob');
    });

    if (harness.persistent) {
      it('keeps sign-offs across close and reopen', async () => {
        const opened = await harness.open();
        await opened.state.readiness.sign(signoff('t1', 'Ada', 1_000));
        await opened.state.close();
        const again = await opened.reopen();
        expect((await again.readiness.latest('t1'))?.by).toBe('Ada');
      });
    }
  });
}
