import { describe, expect, it } from 'vitest';
import type { Cassette, Interaction } from '../../src/core/cassette/model.js';
import type { CassetteStore } from '../../src/core/ports/index.js';

export interface StoreFixture {
  readonly store: CassetteStore;
  /** Writes raw text under a cassette name, bypassing the store (a hand edit). */
  putRaw(name: string, text: string): void;
}

function interaction(i: number): Interaction {
  return {
    request: { method: 'GET', path: `/items/${i}`, query: {}, headers: {} },
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { encoding: 'json', json: { i } },
    },
    latencyMs: i,
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
}

const append =
  (...items: Interaction[]) =>
  (current: Cassette | undefined): Cassette => ({
    version: 1,
    interactions: [...(current?.interactions ?? []), ...items],
  });

/** The behaviour every CassetteStore must have. Run it against each implementation. */
export function cassetteStoreContract(name: string, make: () => StoreFixture): void {
  describe(`${name} (CassetteStore contract)`, () => {
    it('is empty at first and loads nothing for an unknown name', async () => {
      const { store } = make();
      expect(await store.list()).toEqual([]);
      expect(await store.load('nope')).toBeUndefined();
    });

    it('creates, reads back and lists cassettes by name, nested names included, sorted', async () => {
      const { store } = make();
      await store.update('b', append(interaction(1)));
      await store.update('a/nested', append(interaction(2)));
      expect(await store.list()).toEqual(['a/nested', 'b']);
      expect((await store.load('a/nested'))?.interactions).toEqual([interaction(2)]);
    });

    it('serializes concurrent updates of one cassette without losing any', async () => {
      const { store } = make();
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.update('busy', append(interaction(i)))),
      );
      const loaded = await store.load('busy');
      expect(loaded?.interactions.map((x) => x.latencyMs).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 25 }, (_, i) => i),
      );
    });

    it('keeps the old content when an update function throws', async () => {
      const { store } = make();
      await store.update('keep', append(interaction(1)));
      await expect(
        store.update('keep', () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await store.load('keep'))?.interactions).toHaveLength(1);
      await store.update('keep', append(interaction(2)));
      expect((await store.load('keep'))?.interactions).toHaveLength(2);
    });

    it('reports a malformed cassette in loadAll without hiding the valid ones', async () => {
      const fixture = make();
      await fixture.store.update('good', append(interaction(1)));
      fixture.putRaw('bad', '{"version": 1, "interactions": [{"request": 3}]}');
      const { cassettes, problems } = await fixture.store.loadAll();
      expect(cassettes.map((c) => c.name)).toEqual(['good']);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.name).toBe('bad');
      expect(problems[0]!.error.code).toBe('TD_CASSETTE_INVALID');
      expect(problems[0]!.error.message).toContain('/interactions/0/request');
    });

    it('refuses to update a malformed cassette rather than overwrite it', async () => {
      const fixture = make();
      fixture.putRaw('bad', '{"version": 1, "interactions": 7}');
      await expect(fixture.store.update('bad', append(interaction(1)))).rejects.toMatchObject({
        code: 'TD_CASSETTE_INVALID',
      });
    });

    it('rejects names that escape the store', async () => {
      const { store } = make();
      await expect(store.update('../outside', append(interaction(1)))).rejects.toMatchObject({
        code: 'TD_CASSETTE_NAME_INVALID',
      });
      await expect(store.load('/etc/passwd')).rejects.toMatchObject({
        code: 'TD_CASSETTE_NAME_INVALID',
      });
    });
  });
}
