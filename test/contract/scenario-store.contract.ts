import { describe, expect, it } from 'vitest';
import { newTenant, firstKey } from './tenant-store.contract.js';
import type { StateHarness } from './state-harness.js';

/** The behaviour every ScenarioStore (arms and request counters per tenant) must have. */
export function scenarioStoreContract(name: string, harness: StateHarness): void {
  describe(`${name} (ScenarioStore contract)`, () => {
    it('arms with an arm_ id, keeps what was armed, and lists a tenant’s arms oldest first', async () => {
      const { scenarios } = (await harness.open()).state;
      expect(await scenarios.armed('t1')).toEqual([]);
      const a = await scenarios.arm('t1', { scenario: 'card_declined', count: 2 }, 5000);
      // Armed later on the tenant clock but earlier: order is the order of arming.
      const b = await scenarios.arm(
        't1',
        { scenario: 'gateway_502', operation: 'POST /v1/charges' },
        4000,
      );
      expect(a).toEqual({
        id: a.id,
        tenant: 't1',
        scenario: 'card_declined',
        remaining: 2,
        armedAt: 5000,
      });
      expect(b).toEqual({
        id: b.id,
        tenant: 't1',
        scenario: 'gateway_502',
        operation: 'POST /v1/charges',
        armedAt: 4000,
      });
      expect(a.id).toMatch(/^arm_[0-9a-f]{16}$/);
      expect(b.id).not.toBe(a.id);
      expect(await scenarios.armed('t1')).toEqual([a, b]);
    });

    it('consumes a counted arm to its end, then removes it; an unlimited one stays', async () => {
      const { scenarios } = (await harness.open()).state;
      const counted = await scenarios.arm('t1', { scenario: 's', count: 2 }, 1);
      const forever = await scenarios.arm('t1', { scenario: 'u' }, 1);
      expect(await scenarios.consume('t1', counted.id)).toBe(true);
      expect((await scenarios.armed('t1'))[0]?.remaining).toBe(1);
      expect(await scenarios.consume('t1', counted.id)).toBe(true);
      expect(await scenarios.consume('t1', counted.id)).toBe(false);
      for (let i = 0; i < 5; i++) expect(await scenarios.consume('t1', forever.id)).toBe(true);
      expect(await scenarios.armed('t1')).toEqual([forever]);
      expect(await scenarios.consume('t1', 'arm_unknown')).toBe(false);
    });

    it('takes a firing back in its place, even the last one; never after a disarm', async () => {
      const { scenarios } = (await harness.open()).state;
      const first = await scenarios.arm('t1', { scenario: 's', count: 1 }, 1);
      const second = await scenarios.arm('t1', { scenario: 'u', count: 2 }, 2);
      const forever = await scenarios.arm('t1', { scenario: 'v' }, 3);
      expect(await scenarios.consume('t1', first.id)).toBe(true);
      expect(await scenarios.armed('t1')).toEqual([second, forever]);
      await scenarios.giveBack('t1', first.id);
      // Back where it was (oldest first), with its one firing.
      expect(await scenarios.armed('t1')).toEqual([first, second, forever]);
      expect(await scenarios.consume('t1', first.id)).toBe(true);
      expect(await scenarios.consume('t1', first.id)).toBe(false);

      expect(await scenarios.consume('t1', second.id)).toBe(true);
      await scenarios.giveBack('t1', second.id);
      expect((await scenarios.armed('t1'))[0]).toEqual(second);
      await scenarios.giveBack('t1', forever.id);
      expect((await scenarios.armed('t1'))[1]).toEqual(forever);

      // A disarm wins over a late give-back; another tenant's give-back touches nothing.
      expect(await scenarios.disarm('t1', { id: second.id })).toBe(1);
      await scenarios.giveBack('t1', second.id);
      await scenarios.giveBack('t2', forever.id);
      expect(await scenarios.armed('t1')).toEqual([forever]);
      // A spent arm is not counted by a disarm.
      expect(await scenarios.disarm('t1', { scenario: 's' })).toBe(0);
    });

    it('gives exactly `remaining` firings to concurrent consumers', async () => {
      const { scenarios } = (await harness.open()).state;
      const arm = await scenarios.arm('t1', { scenario: 's', count: 3 }, 1);
      const taken = await Promise.all(
        Array.from({ length: 20 }, () => scenarios.consume('t1', arm.id)),
      );
      expect(taken.filter(Boolean)).toHaveLength(3);
      expect(await scenarios.armed('t1')).toEqual([]);
    });

    it('disarms one arm by id, or every arm of a scenario, answering how many went', async () => {
      const { scenarios } = (await harness.open()).state;
      const a = await scenarios.arm('t1', { scenario: 'x' }, 1);
      await scenarios.arm('t1', { scenario: 'y', count: 1 }, 2);
      await scenarios.arm('t1', { scenario: 'y', operation: 'GET /v1/a' }, 3);
      const z = await scenarios.arm('t1', { scenario: 'z' }, 4);
      expect(await scenarios.disarm('t1', { scenario: 'y' })).toBe(2);
      expect(await scenarios.disarm('t1', { scenario: 'y' })).toBe(0);
      expect(await scenarios.disarm('t1', { id: a.id })).toBe(1);
      expect(await scenarios.disarm('t1', { id: a.id })).toBe(0);
      expect(await scenarios.armed('t1')).toEqual([z]);
      expect(await scenarios.consume('t1', a.id)).toBe(false);
    });

    it('counts requests per tenant per scenario: 1, 2, 3 …', async () => {
      const { scenarios } = (await harness.open()).state;
      expect(await scenarios.count('t1', 'every3')).toBe(1);
      expect(await scenarios.count('t1', 'every3')).toBe(2);
      expect(await scenarios.count('t1', 'chance')).toBe(1);
      expect(await scenarios.count('t2', 'every3')).toBe(1);
      expect(await scenarios.count('t1', 'every3')).toBe(3);
      const counted = await Promise.all(
        Array.from({ length: 10 }, () => scenarios.count('t1', 'many')),
      );
      expect([...counted].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('keeps tenants apart: another tenant cannot see, consume or disarm an arm', async () => {
      const { scenarios } = (await harness.open()).state;
      const a = await scenarios.arm('A', { scenario: 's', count: 1 }, 1);
      await scenarios.arm('B', { scenario: 's' }, 1);
      expect(await scenarios.consume('B', a.id)).toBe(false);
      expect(await scenarios.disarm('B', { id: a.id })).toBe(0);
      expect((await scenarios.armed('B')).map((x) => x.tenant)).toEqual(['B']);
      expect(await scenarios.armed('A')).toEqual([a]);
      expect(await scenarios.disarm('A', { scenario: 's' })).toBe(1);
      expect(await scenarios.armed('B')).toHaveLength(1);
    });

    it('clears one tenant’s arms and counters (reset), leaving the others', async () => {
      const { scenarios } = (await harness.open()).state;
      await scenarios.arm('A', { scenario: 's' }, 1);
      await scenarios.count('A', 's');
      const b = await scenarios.arm('B', { scenario: 's' }, 1);
      await scenarios.count('B', 's');
      await scenarios.clear('A');
      expect(await scenarios.armed('A')).toEqual([]);
      expect(await scenarios.count('A', 's')).toBe(1);
      expect(await scenarios.armed('B')).toEqual([b]);
      expect(await scenarios.count('B', 's')).toBe(2);
    });

    it('drops a deleted tenant’s arms and counters', async () => {
      const { state } = await harness.open();
      for (const id of ['gone', 'kept']) {
        await state.tenants.create(newTenant(id), firstKey(id));
        await state.scenarios.arm(id, { scenario: 's' }, 1);
        await state.scenarios.count(id, 's');
      }
      expect(await state.tenants.delete('gone')).toBe(true);
      expect(await state.scenarios.armed('gone')).toEqual([]);
      expect(await state.scenarios.count('gone', 's')).toBe(1);
      expect(await state.scenarios.armed('kept')).toHaveLength(1);
      expect(await state.scenarios.count('kept', 's')).toBe(2);
    });

    it('refuses a firing count that is not a whole number from 1, arming nothing', async () => {
      const { scenarios } = (await harness.open()).state;
      for (const count of [0, -1, 1.5, NaN, Infinity])
        await expect(scenarios.arm('t1', { scenario: 's', count }, 1)).rejects.toThrow(
          /whole number from 1/,
        );
      expect(await scenarios.armed('t1')).toEqual([]);
    });

    if (harness.persistent) {
      it('gives exactly `remaining` firings across two connections to the same storage', async () => {
        const opened = await harness.open();
        const other = await opened.reopen();
        const arm = await opened.state.scenarios.arm('t1', { scenario: 's', count: 3 }, 1);
        const taken = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : opened.state).scenarios.consume('t1', arm.id),
          ),
        );
        expect(taken.filter(Boolean)).toHaveLength(3);
        expect(await other.scenarios.armed('t1')).toEqual([]);
      });

      it('keeps arms, what is left of them, and counters across close and reopen', async () => {
        const opened = await harness.open();
        const { scenarios } = opened.state;
        const a = await scenarios.arm('t1', { scenario: 's', count: 3 }, 7);
        const b = await scenarios.arm('t1', { scenario: 'u', operation: 'op' }, 8);
        await scenarios.consume('t1', a.id);
        await scenarios.count('t1', 'every');
        await scenarios.count('t1', 'every');
        await opened.state.close();
        const again = (await opened.reopen()).scenarios;
        expect(await again.armed('t1')).toEqual([{ ...a, remaining: 2 }, b]);
        expect(await again.count('t1', 'every')).toBe(3);
      });
    }
  });
}
