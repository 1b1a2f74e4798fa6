import { expect } from 'vitest';
import type {
  ListQuery,
  RuntimeState,
  StateChange,
  StoredResource,
} from '../../src/core/ports/index.js';
import { rerunHint, seededRandom } from '../helpers/property.js';
import { firstKey, newTenant } from './tenant-store.contract.js';

/**
 * Memory and SQLite, step by step on the same seeded random calls (two tenants sharing type,
 * id, parent, sequence and snapshot names): every answer, refusal and rejection must be the
 * same. The contract suites pin each behaviour; this catches the combinations they do not list.
 */
export async function assertParity(
  a: RuntimeState,
  b: RuntimeState,
  seed: number,
  steps: number,
): Promise<void> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const TENANTS = ['t1', 't2'];
  const TYPES = ['customers', 'cards'];
  const IDS = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];
  const PARENTS = [undefined, undefined, 'customers/x1', 'customers/x2'];
  let events = 0;
  for (const state of [a, b])
    for (const t of TENANTS)
      expect(await state.tenants.create(newTenant(t), firstKey(t, 1000, `hash-${t}`))).toBe(true);

  const resource = (): StoredResource => {
    const id = pick(IDS);
    const parent = pick(PARENTS);
    return {
      type: pick(TYPES),
      id,
      value: {
        id,
        plan: pick(['gold', 'free']),
        n: int(3),
        on: random() < 0.5,
        note: null,
        pad: 'é'.repeat(int(4)),
      },
      ...(parent === undefined ? {} : { parent }),
      ...(random() < 0.15 ? { deleted: true } : {}),
    };
  };

  /** A change whose versions are right most of the time, read from `a` (both hold the same). */
  const change = async (t: string): Promise<StateChange> => {
    const puts: (StoredResource & { expectVersion?: number })[] = [];
    for (let i = int(3); i > 0; i--) {
      const r = resource();
      const current = await a.resources.get(t, r.type, r.id);
      const expectVersion = random() < 0.85 ? current?.version : int(3) || undefined;
      puts.push({ ...r, ...(expectVersion === undefined ? {} : { expectVersion }) });
    }
    const deletes: { type: string; id: string; expectVersion: number }[] = [];
    if (random() < 0.4) {
      const type = pick(TYPES);
      const id = pick(IDS);
      const current = await a.resources.get(t, type, id);
      deletes.push({ type, id, expectVersion: random() < 0.85 ? (current?.version ?? 1) : 9 });
    }
    return {
      puts,
      deletes,
      ...(random() < 0.5
        ? { sequences: [{ name: pick(['s', 'customers/x1#n']), value: int(50) }] }
        : {}),
      ...(random() < 0.5
        ? {
            events: [
              {
                id: random() < 0.05 && events > 0 ? `evt_${events}` : `evt_${++events}`,
                type: 'thing.happened',
                at: events,
                resourceType: 'customers',
                resourceId: pick(IDS),
                data: { n: events },
              },
            ],
          }
        : {}),
      ...(random() < 0.4 ? { quotas: { resources: int(8), bytes: 200 + int(800) } } : {}),
      ...(random() < 0.1 ? { seed: { at: events } } : {}),
    };
  };

  const query = (): ListQuery => {
    const where: Record<string, string | number | boolean | null> = {};
    if (random() < 0.3) where['plan'] = pick(['gold', 'free']);
    if (random() < 0.2) where['n'] = int(3);
    if (random() < 0.1) where['on'] = random() < 0.5;
    if (random() < 0.1) where['note'] = null;
    const parent = pick(PARENTS);
    const cursor = () => (random() < 0.9 ? pick(IDS) : 'nope');
    return {
      type: pick(TYPES),
      order: pick(['asc', 'desc'] as const),
      limit: 1 + int(4),
      ...(parent === undefined ? {} : { parent }),
      ...(Object.keys(where).length === 0 ? {} : { where }),
      ...(random() < 0.3 ? { after: cursor() } : {}),
      ...(random() < 0.2 ? { before: cursor() } : {}),
      ...(random() < 0.2 ? { offset: int(4) } : {}),
      ...(random() < 0.3 ? { withTotal: true } : {}),
    };
  };

  const settle = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      () => ({ rejected: true }),
    );

  for (let step = 0; step < steps; step++) {
    const t = pick(TENANTS);
    const op = int(12);
    let label: string;
    let run: (s: RuntimeState) => Promise<unknown>;
    switch (op) {
      case 0: {
        const r = resource();
        label = `put ${JSON.stringify(r)}`;
        run = (s) => s.resources.put(t, r);
        break;
      }
      case 1: {
        const [type, id] = [pick(TYPES), pick(IDS)];
        label = `delete ${type} ${id}`;
        run = (s) => s.resources.delete(t, type, id);
        break;
      }
      case 2:
      case 3:
      case 4: {
        const c = await change(t);
        label = `apply ${JSON.stringify(c)}`;
        run = (s) => s.resources.apply(t, c, step);
        break;
      }
      case 5:
      case 6: {
        const q = query();
        label = `page ${JSON.stringify(q)}`;
        run = (s) => s.resources.page(t, q);
        break;
      }
      case 7: {
        const name = pick(['one', 'two']);
        label = `save snapshot ${name}`;
        run = (s) => s.resources.saveSnapshot(t, name, step);
        break;
      }
      case 8: {
        const name = pick(['one', 'two', 'none']);
        label = `load snapshot ${name}`;
        run = (s) => s.resources.loadSnapshot(t, name);
        break;
      }
      case 9: {
        label = random() < 0.5 ? 'clear' : "restore the other tenant's snapshot";
        run =
          label === 'clear'
            ? (s) => s.resources.clear(t)
            : async (s) =>
                s.resources.restore(t, await s.resources.snapshot(t === 't1' ? 't2' : 't1'));
        break;
      }
      case 10: {
        const n = 1 + int(3);
        label = `reserve ${n}`;
        run = (s) => s.resources.reserveIds(t, n);
        break;
      }
      default: {
        label = 'reads';
        run = async (s) => ({
          tenant: await s.tenants.get(t),
          snapshot: await s.resources.snapshot(t),
          lists: await Promise.all(TYPES.map((type) => s.resources.list(t, type))),
          sequences: [
            await s.resources.sequence(t, 's'),
            await s.resources.sequence(t, 'customers/x1#n'),
          ],
          snapshots: await s.resources.listSnapshots(t),
          events: (await s.events.list(t, 0, 1000)).map(({ seq: _seq, ...e }) => e),
        });
      }
    }
    const [fromA, fromB] = [await settle(run(a)), await settle(run(b))];
    expect(fromB, `step ${step} (${t}): ${label} (${rerunHint()})`).toEqual(fromA);
  }
}
