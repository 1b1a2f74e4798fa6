import { describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../../src/adapters/http/body-codec.js';
import { openMemoryState } from '../../../src/adapters/state/memory/index.js';
import { applyAction, type StateLayerOptions } from '../../../src/app/layers/state.js';
import { tenantSeeder } from '../../../src/app/sandbox/seed.js';
import type { ResolvedTenant } from '../../../src/core/sandbox/tenant.js';
import { widgetsDeps } from './widgets-model.js';

/** issue 14's entry point: a named action on a tenant's object, in one apply, outside a request. */
describe('applyAction', () => {
  it('runs a declared action on the tenant’s object, refuses a forbidden one, and 404s another tenant’s', async () => {
    const state = openMemoryState();
    const engine = await widgetsDeps();
    const tenant = (id: string): ResolvedTenant => ({
      id,
      name: id,
      idSeed: `seed-${id}`,
      seedSet: 'empty',
      seededAt: undefined,
      clock: { offsetMs: 0 },
      quotas: { resources: 100, requestsPerDay: 100, bytes: 1_000_000 },
      now: () => Date.UTC(2026, 0, 2),
    });
    const a = tenant('t_a');
    const b = tenant('t_b');
    for (const t of [a, b])
      await state.tenants.create(
        {
          id: t.id,
          name: t.name,
          createdAt: 0,
          lastUsedAt: 0,
          seedSet: 'empty',
          idSeed: t.idSeed,
          clock: t.clock,
        },
        { hash: `h-${t.id}`, tenant: t.id, hint: 'x', createdAt: 0 },
      );
    const seeded: string[] = [];
    const o: StateLayerOptions = {
      engine,
      resources: state.resources,
      codec: new NodeBodyCodec(),
      redactValue: (v) => v,
      seeder: tenantSeeder({
        model: engine.model,
        cassettes: [],
        seeds: { names: ['recordings', 'empty'], dirs: {} },
        resources: state.resources,
        onSeeded: (id) => seeded.push(id),
      }),
    };
    await state.resources.apply(
      a.id,
      {
        puts: [
          {
            type: 'widgets',
            id: 'wid_a',
            value: { id: 'wid_a', object: 'widget', status: 'draft', name: 'n' },
          },
        ],
        deletes: [],
      },
      0,
    );
    const published = await applyAction(o, a, 'widgets', 'wid_a', 'publish');
    expect(published).toMatchObject({ ok: true, value: { status: 'published' } });
    expect((await state.resources.get(a.id, 'widgets', 'wid_a'))?.value).toMatchObject({
      status: 'published',
    });
    expect(seeded).toEqual(['t_a']);
    const again = await applyAction(o, a, 'widgets', 'wid_a', 'publish');
    expect(again.ok).toBe(false);
    expect(again.reply.status).toBe(400);
    const other = await applyAction(o, b, 'widgets', 'wid_a', 'publish');
    expect(other.ok).toBe(false);
    expect(other.reply.status).toBe(404);
    // An action without a route of its own still merges its item fields (issue 14's outcomes).
    const painted = await applyAction(o, a, 'widgets', 'wid_a', 'recolor', { color: 'red' });
    expect(painted).toMatchObject({ ok: true, value: { color: 'red', status: 'published' } });
  });
});
