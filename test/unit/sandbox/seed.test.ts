import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openMemoryState } from '../../../src/adapters/state/memory/index.js';
import { tenantSeeder } from '../../../src/app/sandbox/seed.js';
import type { NamedCassette } from '../../../src/core/cassette/model.js';
import type { RuntimeState } from '../../../src/core/ports/index.js';
import { seedFromRecordings, seedSequences } from '../../../src/core/sandbox/state/seed.js';
import type { ResourceModel } from '../../../src/core/sandbox/state/model.js';
import type { ResolvedTenant } from '../../../src/core/sandbox/tenant.js';
import { tempDir } from '../../helpers/tmp.js';
import { widgetsModel, widgetsProfile } from './widgets-model.js';

const model = widgetsModel(widgetsProfile());
const cassette: NamedCassette = {
  name: 'widgets',
  cassette: JSON.parse(
    readFileSync(
      fileURLToPath(
        new URL('../../fixtures/sandbox/widgets-cassettes/widgets.json', import.meta.url),
      ),
      'utf8',
    ),
  ) as NamedCassette['cassette'],
};

async function tenantIn(state: RuntimeState, id: string, seedSet: string): Promise<ResolvedTenant> {
  await state.tenants.create(
    { id, name: id, createdAt: 0, lastUsedAt: 0, seedSet, idSeed: id, clock: { offsetMs: 0 } },
    { hash: `h-${id}`, tenant: id, hint: 'x', createdAt: 0 },
  );
  return {
    id,
    name: id,
    idSeed: id,
    seedSet,
    seededAt: undefined,
    clock: { offsetMs: 0 },
    quotas: { resources: 100, requestsPerDay: 100, bytes: 1_000_000 },
    now: () => 1000,
  };
}

describe('seeding', () => {
  it('recordings: creates, reads and updates put objects (last write wins); deletes remove them', () => {
    const seeded = seedFromRecordings(model, [cassette]);
    expect(seeded.map((r) => r.id)).toEqual(['wid_R3c0rded000001', 'wid_R3c0rded000002']);
    expect(seeded[0]!.value).toMatchObject({ size: 4 });
    expect(seedSequences(model, seeded)).toEqual([]);
  });

  it('seeds a tenant once, in one apply, from its set; a second claim is a no-op', async () => {
    const state = openMemoryState();
    const dir = tempDir();
    writeFileSync(
      join(dir, 'widgets.json'),
      JSON.stringify({ resources: [{ type: 'widgets', value: { id: 'wid_demo', name: 'Demo' } }] }),
    );
    const seededIds: string[] = [];
    const seeder = tenantSeeder({
      model,
      cassettes: [cassette],
      seeds: { names: ['recordings', 'empty', 'demo'], dirs: { demo: dir } },
      resources: state.resources,
      onSeeded: (id) => seededIds.push(id),
    });
    const rec = await tenantIn(state, 'rec', 'recordings');
    const demo = await tenantIn(state, 'demo', 'demo');
    const empty = await tenantIn(state, 'empty', 'empty');
    await Promise.all([
      seeder.ensureSeeded(rec),
      seeder.ensureSeeded(rec),
      seeder.ensureSeeded(demo),
    ]);
    await seeder.ensureSeeded(empty);
    // A stale view of the tenant (seededAt still unset) claims again: refused, nothing doubled.
    await seeder.ensureSeeded({ ...rec });
    expect(seededIds.sort()).toEqual(['demo', 'empty', 'rec']);
    expect((await state.resources.list('rec', 'widgets')).map((r) => r.id)).toEqual([
      'wid_R3c0rded000001',
      'wid_R3c0rded000002',
    ]);
    expect((await state.resources.get('demo', 'widgets', 'wid_demo'))?.value).toEqual({
      object: 'widget',
      id: 'wid_demo',
      name: 'Demo',
    });
    expect(await state.resources.list('empty', 'widgets')).toEqual([]);
  });

  it('refuses a provider seed file that is not a seed file, naming the file and the pointer', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ resources: [{ type: 'gadgets', value: {} }] }),
    );
    const state = openMemoryState();
    expect(() =>
      tenantSeeder({
        model,
        cassettes: [],
        seeds: { names: ['recordings', 'empty', 'bad'], dirs: { bad: dir } },
        resources: state.resources,
        onSeeded: () => {},
      }),
    ).toThrow(/bad\.json: \/resources\/0\/type must name a modelled type/);
  });

  it('a provider seed of a scoped type is stored under its scope, where its route reads it', async () => {
    const scoped: ResourceModel = {
      types: new Map([
        [
          'issues',
          {
            name: 'issues',
            idField: 'number',
            idShape: { kind: 'sequence', scope: 'parent', start: 1 },
            idSource: 'profile',
            serverOwned: [],
            timestamps: {},
            constants: {},
            deleteStyle: 'remove',
            references: [],
            source: ['spec'],
          },
        ],
      ]),
      routes: [
        {
          method: 'GET',
          path: '/repos/{owner}/{repo}/issues/{issue_number}',
          role: 'retrieve',
          type: 'issues',
          idParam: 'issue_number',
          parents: [{ param: 'owner' }, { param: 'repo' }],
          successStatus: 200,
          body: 'none',
          filters: [],
        },
      ],
      notModelled: [],
      from: 'spec',
    };
    const dir = tempDir();
    writeFileSync(
      join(dir, 'issues.json'),
      JSON.stringify({
        resources: [{ type: 'issues', parent: 'octo/hello', value: { number: 7, title: 'x' } }],
      }),
    );
    const state = openMemoryState();
    const seeder = tenantSeeder({
      model: scoped,
      cassettes: [],
      seeds: { names: ['recordings', 'empty', 'gh'], dirs: { gh: dir } },
      resources: state.resources,
      onSeeded: () => {},
    });
    await seeder.ensureSeeded(await tenantIn(state, 'gh', 'gh'));
    expect(await state.resources.get('gh', 'issues', 'octo/hello/7')).toMatchObject({
      value: { number: 7, title: 'x' },
      parent: 'octo/hello',
    });
    expect(await state.resources.sequence('gh', 'id:issues:octo/hello')).toBe(7);
    // Without its scope it could never be read: refused at start, naming the place.
    writeFileSync(
      join(dir, 'issues.json'),
      JSON.stringify({ resources: [{ type: 'issues', value: { number: 8 } }] }),
    );
    expect(() =>
      tenantSeeder({
        model: scoped,
        cassettes: [],
        seeds: { names: ['recordings', 'empty', 'gh'], dirs: { gh: dir } },
        resources: state.resources,
        onSeeded: () => {},
      }),
    ).toThrow(/issues\.json: \/resources\/0\/parent must name the scope/);
  });
});
