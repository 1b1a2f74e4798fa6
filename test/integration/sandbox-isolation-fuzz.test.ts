import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertySeed, rerunHint, seededRandom } from '../helpers/property.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

/**
 * Tenant isolation under random traffic: 3 tenants × 400 seeded random operations (create, read
 * their own, read another's id, update, delete, list pages, an action, idempotent POSTs whose keys
 * every tenant reuses, cassette repeats), each answer checked against a reference model of that
 * tenant. No answer holds another tenant's id; another's id gets the bytes of a never-existing
 * id's 404 (but for the id); list entries are the tenant's own, in its own order; each tenant's
 * cassette positions start at the first recording; one idempotency key, separate results.
 */

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
const OPS_PER_TENANT = 400;
const ID = /wid_[0-9A-Za-z]{14}/g;

interface Widget {
  name: string;
  size: number;
  status: 'draft' | 'published';
}

interface Tenant {
  readonly name: string;
  readonly key: string;
  readonly live: Map<string, Widget>;
  /** Creation order, oldest first (live ids only). */
  readonly order: string[];
  readonly ever: Set<string>;
  readonly idempotent: Map<string, string>;
  statusCalls: number;
  never404?: string;
}

describe('sandbox isolation (seeded random traffic, 3 tenants)', () => {
  let sandbox: RunningSandbox;
  const tenants: Tenant[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: fixture('specs/widgets.yaml'),
      cassettes: fixture('sandbox/widgets-cassettes'),
      profile: fixture('sandbox/widgets-profile.json'),
    });
    for (const name of ['alpha', 'beta', 'gamma']) {
      const key = await sandbox.createTenant(name, { seed: 'empty' });
      tenants.push({
        name,
        key,
        live: new Map(),
        order: [],
        ever: new Set(),
        idempotent: new Map(),
        statusCalls: 0,
      });
    }
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('keeps every tenant to its own objects, lists, positions and idempotency keys', async () => {
    const random = seededRandom(propertySeed());
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const everyId = new Map<string, string>(); // id → tenant name
    const send = async (
      t: Tenant,
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const response = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${t.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      // No answer names an object of another tenant, except the id the request itself named.
      for (const id of text.match(ID) ?? []) {
        const owner = everyId.get(id);
        if (owner !== undefined && owner !== t.name && !path.includes(id))
          throw new Error(`${t.name} got ${owner}'s ${id} from ${method} ${path} (${rerunHint()})`);
      }
      return {
        status: response.status,
        text,
        json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
      };
    };
    const own = (t: Tenant) => [...t.live.keys()];
    const check = (cond: boolean, what: string) => {
      if (!cond) throw new Error(`${what} (${rerunHint()})`);
    };

    // A tenant's first request is a recorded one: its cassette positions must survive the
    // seeding its first modelled request would otherwise do after it.
    for (const t of tenants) {
      const r = await send(t, 'GET', '/v1/status');
      t.statusCalls++;
      expect(r.json).toEqual({ ok: true, version: 'recorded' });
    }
    const never = 'wid_NeverExisted01';
    for (const t of tenants) {
      const r = await send(t, 'GET', `/v1/widgets/${never}`);
      check(r.status === 404, `${t.name}: a never-existing id is not a 404 but ${r.status}`);
      t.never404 = r.text.replaceAll(never, '<id>');
    }

    const schedule: Tenant[] = [];
    for (const t of tenants) for (let i = 0; i < OPS_PER_TENANT; i++) schedule.push(t);
    schedule.sort(() => random() - 0.5);
    const counts: Record<string, number> = {};
    for (const t of schedule) {
      const others = tenants.filter((o) => o !== t && o.live.size > 0);
      const ops = [
        'create',
        'create',
        'get',
        'get-other',
        'update',
        'delete',
        'list',
        'publish',
        'idempotent',
        'status',
      ];
      let op = pick(ops);
      if (['get', 'update', 'delete', 'publish'].includes(op) && t.live.size === 0) op = 'create';
      if (op === 'get-other' && others.length === 0) op = 'create';
      counts[op] = (counts[op] ?? 0) + 1;
      switch (op) {
        case 'create': {
          const widget: Widget = {
            name: `${t.name}-${Math.floor(random() * 1e6)}`,
            size: Math.floor(random() * 100),
            status: 'draft',
          };
          const r = await send(t, 'POST', '/v1/widgets', { name: widget.name, size: widget.size });
          check(r.status === 200, `${t.name}: create answered ${r.status}`);
          const id = r.json!['id'] as string;
          check(!everyId.has(id), `${t.name}: id ${id} was already given out`);
          everyId.set(id, t.name);
          t.live.set(id, widget);
          t.order.push(id);
          t.ever.add(id);
          break;
        }
        case 'get': {
          const id = pick(own(t));
          const r = await send(t, 'GET', `/v1/widgets/${id}`);
          check(r.status === 200, `${t.name}: get own ${id} answered ${r.status}`);
          const want = t.live.get(id)!;
          expect({
            name: r.json!['name'],
            size: r.json!['size'],
            status: r.json!['status'],
          }).toEqual(want);
          break;
        }
        case 'get-other': {
          const other = pick(others);
          const id = pick(own(other));
          const r = await send(t, pick(['GET', 'POST']), `/v1/widgets/${id}`, undefined);
          check(r.status === 404, `${t.name}: another tenant's ${id} answered ${r.status}`);
          check(
            r.text.replaceAll(id, '<id>') === t.never404,
            `${t.name}: another's ${id} is not answered like a never-existing id: ${r.text}`,
          );
          break;
        }
        case 'update': {
          const id = pick(own(t));
          const name = `${t.name}-u${Math.floor(random() * 1e6)}`;
          const r = await send(t, 'POST', `/v1/widgets/${id}`, { name });
          check(r.status === 200, `${t.name}: update answered ${r.status}`);
          t.live.get(id)!.name = name;
          check(
            r.json!['name'] === name && r.json!['size'] === t.live.get(id)!.size,
            `${t.name}: update lost a field`,
          );
          break;
        }
        case 'delete': {
          const id = pick(own(t));
          const r = await send(t, 'DELETE', `/v1/widgets/${id}`);
          check(r.status === 204, `${t.name}: delete answered ${r.status}`);
          t.live.delete(id);
          t.order.splice(t.order.indexOf(id), 1);
          for (const [key, created] of t.idempotent) if (created === id) t.idempotent.delete(key);
          const again = await send(t, 'GET', `/v1/widgets/${id}`);
          check(again.status === 404, `${t.name}: a deleted widget answered ${again.status}`);
          break;
        }
        case 'list': {
          const limit = 1 + Math.floor(random() * 7);
          const newest = [...t.order].reverse();
          const cursor = newest.length > 0 && random() < 0.5 ? pick(newest) : undefined;
          const r = await send(
            t,
            'GET',
            `/v1/widgets?limit=${limit}${cursor ? `&starting_after=${cursor}` : ''}`,
          );
          check(r.status === 200, `${t.name}: list answered ${r.status}`);
          const start = cursor === undefined ? 0 : newest.indexOf(cursor) + 1;
          const want = newest.slice(start, start + limit);
          const got = (r.json!['data'] as { id: string }[]).map((w) => w.id);
          expect(got, `${t.name}: list page`).toEqual(want);
          expect(r.json!['has_more']).toBe(start + limit < newest.length);
          break;
        }
        case 'publish': {
          const id = pick(own(t));
          const widget = t.live.get(id)!;
          const r = await send(t, 'POST', `/v1/widgets/${id}/publish`);
          if (widget.status === 'draft') {
            check(r.status === 200, `${t.name}: publish of a draft answered ${r.status}`);
            widget.status = 'published';
          } else
            check(
              r.status === 409,
              `${t.name}: publish of a published widget answered ${r.status}`,
            );
          break;
        }
        case 'idempotent': {
          // Keys every tenant uses: each tenant gets its own result for the same key.
          const key = pick(['order-1', 'order-2', 'order-3']);
          const r = await send(
            t,
            'POST',
            '/v1/widgets',
            { name: `idem-${key}`, size: 1 },
            { 'idempotency-key': key },
          );
          check(r.status === 200, `${t.name}: idempotent create answered ${r.status}`);
          const id = r.json!['id'] as string;
          const first = t.idempotent.get(key);
          if (first === undefined && !t.ever.has(id)) {
            check(
              !everyId.has(id),
              `${t.name}: idempotent create reused ${everyId.get(id)}'s ${id}`,
            );
            everyId.set(id, t.name);
            t.idempotent.set(key, id);
            t.live.set(id, { name: `idem-${key}`, size: 1, status: 'draft' });
            t.order.push(id);
            t.ever.add(id);
          } else {
            // A replay: the first answer's id, this tenant's own, even after the widget changed.
            check(t.ever.has(id), `${t.name}: a replay answered an id it never created`);
            if (first !== undefined)
              check(id === first, `${t.name}: key ${key} answered ${id}, first ${first}`);
          }
          break;
        }
        case 'status': {
          const r = await send(t, 'GET', '/v1/status');
          check(r.status === 200, `${t.name}: the recorded status answered ${r.status}`);
          t.statusCalls++;
          // Positions are per tenant: every tenant's first call gets the first recording.
          if (t.statusCalls === 1)
            expect(r.json, `${t.name}: first status`).toEqual({ ok: true, version: 'recorded' });
          if (t.statusCalls === 2)
            expect(r.json, `${t.name}: second status`).toEqual({ ok: true, version: 'recorded-2' });
          break;
        }
      }
    }
    // Enough of each kind ran to mean something.
    for (const op of [
      'create',
      'get',
      'get-other',
      'update',
      'delete',
      'list',
      'publish',
      'idempotent',
      'status',
    ])
      expect(counts[op] ?? 0, `${op} ran`).toBeGreaterThan(20);
    // Finally every tenant's whole list is exactly its own live widgets, newest first.
    for (const t of tenants) {
      const r = await send(t, 'GET', '/v1/widgets?limit=100');
      expect((r.json!['data'] as { id: string }[]).map((w) => w.id)).toEqual(
        [...t.order].reverse().slice(0, 100),
      );
    }
  }, 120_000);
});
