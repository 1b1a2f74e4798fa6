import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../../src/core/json.js';
import type { ListPage, StoredResource } from '../../../src/core/ports/resources.js';
import {
  pageQuery,
  plan,
  readsFor,
  refKey,
  routeRequest,
  sequencesFor,
  storedId,
  type Plan,
  type RoutedRequest,
  type StateEngineDeps,
} from '../../../src/core/sandbox/state/engine.js';
import { widgetsDeps } from './widgets-model.js';

/**
 * The engine is pure: these tests feed it what a store would have read and check the change
 * and the reply it plans. A Map plays the store, applying planned changes the way `apply` does.
 */

let deps: StateEngineDeps;
beforeAll(async () => {
  deps = await widgetsDeps();
});

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

class World {
  readonly rows = new Map<string, StoredResource & { seq: number }>();
  private seq = 0;
  private counter = 0;

  request(method: string, path: string, body?: JsonValue, rawQuery = ''): Plan {
    const routed = routeRequest(deps.model, deps.spec!.router, method, path);
    if (routed === undefined) throw new Error(`not modelled: ${method} ${path}`);
    const query = Object.fromEntries(new URLSearchParams(rawQuery));
    const read = new Map<string, StoredResource>();
    for (const ref of readsFor(routed, body, query, deps.profile.pagination)) {
      const row = this.rows.get(refKey(ref.type, ref.id));
      if (row) read.set(refKey(ref.type, ref.id), row);
    }
    const q = pageQuery(deps, routed, query);
    let page: ListPage | undefined;
    if (q) {
      let items = [...this.rows.values()].filter((r) => r.type === q.type && !r.deleted);
      for (const [field, value] of Object.entries(q.where ?? {}))
        items = items.filter((r) => (r.value as JsonObject)[field] === value);
      items.sort((a, b) => (q.order === 'desc' ? b.seq - a.seq : a.seq - b.seq));
      let start = 0;
      if (q.after) start = items.findIndex((r) => r.id === q.after) + 1;
      const slice = items.slice(start, start + q.limit);
      page = { items: slice, hasMore: start + q.limit < items.length };
    }
    expect(sequencesFor(routed)).toEqual([]);
    return plan(deps, {
      routed,
      body,
      query,
      read,
      ...(page ? { page } : {}),
      now: NOW,
      ids: (type, n) =>
        Array.from(
          { length: n },
          () =>
            `${type === 'widgets' ? 'wid_' : 'evt_'}${String(++this.counter).padStart(14, '0')}`,
        ),
      origin: 'http://127.0.0.1:4010',
      path,
    });
  }

  /** Applies a planned change, checking versions as the store does. */
  apply(p: Plan): { status: number; json: JsonValue | undefined } {
    if (p.kind === 'change') {
      for (const put of p.change.puts) {
        const key = refKey(put.type, put.id);
        const before = this.rows.get(key);
        if (put.expectVersion === undefined) expect(before).toBeUndefined();
        else expect(before?.version).toBe(put.expectVersion);
        const { expectVersion: _v, ...row } = put;
        this.rows.set(key, {
          ...row,
          version: (before?.version ?? 0) + 1,
          seq: before?.seq ?? ++this.seq,
        });
      }
      for (const d of p.change.deletes) {
        expect(this.rows.get(refKey(d.type, d.id))?.version).toBe(d.expectVersion);
        this.rows.delete(refKey(d.type, d.id));
      }
    }
    return {
      status: p.reply.status,
      json: p.reply.body === '' ? undefined : (JSON.parse(p.reply.body) as JsonValue),
    };
  }

  call(method: string, path: string, body?: JsonValue, query = '') {
    return this.apply(this.request(method, path, body, query));
  }
}

describe('state engine on the widgets model', () => {
  it('routes modelled paths with the base path, and passes everything else', () => {
    const routed = routeRequest(deps.model, deps.spec!.router, 'POST', '/v1/widgets/wid_1/publish');
    expect(routed?.route.role).toBe('action');
    expect(routed?.id).toBe('wid_1');
    expect(routed?.operation?.id).toBe('PublishWidget');
    expect(routeRequest(deps.model, deps.spec!.router, 'GET', '/v1/gadgets')).toBeUndefined();
    expect(routeRequest(deps.model, deps.spec!.router, 'PUT', '/v1/widgets/wid_1')).toBeUndefined();
    // A path the spec does not document is not one of its operations under another prefix:
    // it would skip the spec's validation (the real API answers 404).
    for (const path of ['/junk/v1/widgets', '/v1/v1/widgets', '/a/b/v1/widgets'])
      expect(routeRequest(deps.model, deps.spec!.router, 'POST', path)).toBeUndefined();
  });

  it('routes a model whose paths leave out the base path, with and without the spec router', () => {
    const model = {
      ...deps.model,
      routes: deps.model.routes.map((r) => ({ ...r, path: r.path.replace(/^\/v1/, '') })),
    };
    for (const router of [deps.spec!.router, undefined]) {
      const routed = routeRequest(model, router, 'GET', '/v1/widgets/wid_9');
      expect(routed?.route.role).toBe('retrieve');
      expect(routed?.id).toBe('wid_9');
    }
  });

  it('creates from the template: request fields typed and filtered, server-owned fields set', () => {
    const world = new World();
    const p = world.request('POST', '/v1/widgets', {
      name: 'Sprocket',
      size: 3,
      id: 'wid_chosen_by_client',
      created: 1,
      secret_field: 'x',
    });
    expect(p.kind).toBe('change');
    const { status, json } = world.apply(p);
    expect(status).toBe(200);
    expect(json).toEqual({
      id: 'wid_00000000000001',
      object: 'widget',
      created: Math.floor(NOW / 1000),
      name: 'Sprocket',
      color: null,
      size: 3,
      status: 'draft',
      metadata: {},
      published_at: null,
      owner: null,
    });
    // Planning never happened twice: the event is the create's, with the object as its data.
    if (p.kind !== 'change') throw new Error('no change');
    expect(p.change.events?.map((e) => [e.type, e.resourceId])).toEqual([
      ['widget.created', 'wid_00000000000001'],
    ]);
  });

  it('reads, updates by deep merge, lists newest first in pages, deletes, then 404s', () => {
    const world = new World();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { json } = world.call('POST', '/v1/widgets', {
        name: `w${i}`,
        metadata: { n: String(i), keep: 'yes' },
      });
      ids.push((json as JsonObject)['id'] as string);
    }
    const first = ids[0]!;
    expect(world.call('GET', `/v1/widgets/${first}`).json).toMatchObject({ name: 'w0' });
    const updated = world.call('POST', `/v1/widgets/${first}`, {
      metadata: { n: 'changed' },
      color: 'red',
    });
    expect(updated.json).toMatchObject({
      color: 'red',
      metadata: { n: 'changed', keep: 'yes' },
      name: 'w0',
    });

    const page1 = world.call('GET', '/v1/widgets', undefined, 'limit=2').json as JsonObject;
    expect(page1['object']).toBe('list');
    expect(page1['url']).toBe('/v1/widgets');
    expect((page1['data'] as JsonObject[]).map((w) => w['id'])).toEqual([ids[4], ids[3]]);
    expect(page1['has_more']).toBe(true);
    const page3 = world.call('GET', '/v1/widgets', undefined, `limit=2&starting_after=${ids[1]}`)
      .json as JsonObject;
    expect((page3['data'] as JsonObject[]).map((w) => w['id'])).toEqual([ids[0]]);
    expect(page3['has_more']).toBe(false);
    // Filters compare the field; only `red` is red.
    const red = world.call('GET', '/v1/widgets', undefined, 'color=red').json as JsonObject;
    expect((red['data'] as JsonObject[]).map((w) => w['id'])).toEqual([first]);

    const deleted = world.call('DELETE', `/v1/widgets/${first}`);
    expect(deleted).toEqual({ status: 204, json: undefined });
    const gone = world.call('GET', `/v1/widgets/${first}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({
      kind: 'not-found',
      values: { object: 'widget', id: first },
      param: 'id',
    });
  });

  it('a cursor the tenant does not have is a 404, and limit is clamped', () => {
    const world = new World();
    world.call('POST', '/v1/widgets', { name: 'a' });
    expect(world.call('GET', '/v1/widgets', undefined, 'starting_after=wid_nope').status).toBe(404);
    const routed = routeRequest(deps.model, deps.spec!.router, 'GET', '/v1/widgets')!;
    expect(pageQuery(deps, routed, { limit: '100000' })?.limit).toBe(100);
    expect(pageQuery(deps, routed, { limit: '0' })?.limit).toBe(1);
    expect(pageQuery(deps, routed, { limit: 'ten' })?.limit).toBe(10);
  });

  it('runs declared actions from allowed states and refuses the others in the declared shape', () => {
    const world = new World();
    const id = (world.call('POST', '/v1/widgets', { name: 'a' }).json as JsonObject)[
      'id'
    ] as string;
    const published = world.call('POST', `/v1/widgets/${id}/publish`);
    expect(published.status).toBe(200);
    expect(published.json).toMatchObject({
      status: 'published',
      published_at: Math.floor(NOW / 1000),
    });
    const again = world.request('POST', `/v1/widgets/${id}/publish`);
    expect(again.kind).toBe('answer');
    expect(again.kind === 'answer' && again.remember).toBe(true);
    expect(JSON.parse(again.reply.body)).toEqual({
      kind: 'invalid-transition',
      values: { object: 'widget', action: 'publish', state: 'published' },
      code: 'widget_unexpected_state',
      message: 'This widget is {state}, so it cannot be published.',
    });
  });

  it("a create naming a declared action `true` runs it (Stripe's confirm=true), in one change", () => {
    const world = new World();
    for (const flag of [true, 'true']) {
      const planned = world.request('POST', '/v1/widgets', { name: 'at once', publish: flag });
      expect(planned.kind).toBe('change');
      if (planned.kind !== 'change') return;
      expect(planned.change.events?.map((e) => e.type)).toEqual([
        'widget.created',
        'widget.published',
      ]);
      expect(world.apply(planned).json).toMatchObject({
        status: 'published',
        published_at: Math.floor(NOW / 1000),
      });
    }
    // `false` (or no flag) creates in the initial state.
    const plain = world.call('POST', '/v1/widgets', { name: 'later', publish: false });
    expect(plain.json).toMatchObject({ status: 'draft', published_at: null });
  });

  it('a list names the query parameters it ignores, never one that holds a key', () => {
    const world = new World();
    const key = `sk_live_${'A1b2C3d4E5f6G7h8I9j0'.repeat(3)}`;
    const token = `ghp_${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'}`;
    const p = world.request('GET', '/v1/widgets', undefined, `shape=round&${key}=1&${token}=2`);
    expect(p.kind).toBe('answer');
    const ignored = p.reply.headers.find(([name]) => name === 'x-tapedeck-ignored-params')?.[1];
    expect(ignored).toBe('shape');
    expect(JSON.stringify(p.reply)).not.toContain('A1b2C3d4');
    expect(JSON.stringify(p.reply)).not.toContain('aB3dE5fG');
  });

  it('an undeclared action merges the item fields the body sends', () => {
    const world = new World();
    const id = (world.call('POST', '/v1/widgets', { name: 'a' }).json as JsonObject)[
      'id'
    ] as string;
    const painted = world.request('POST', `/v1/widgets/${id}/paint`, {
      color: 'blue',
      brush: 'wide',
    });
    const { json } = world.apply(painted);
    expect(json).toMatchObject({ color: 'blue', status: 'draft' });
    expect(json).not.toHaveProperty('brush');
    expect(painted.kind === 'change' && painted.change.events?.[0]?.type).toBe('widget.updated');
  });

  it('the state field moves only by the actions that set it, never by a write naming it', () => {
    const world = new World();
    const id = (
      world.call('POST', '/v1/widgets', { name: 'a', status: 'published' }).json as JsonObject
    )['id'] as string;
    expect(world.call('GET', `/v1/widgets/${id}`).json).toMatchObject({ status: 'draft' });
    expect(
      world.call('POST', `/v1/widgets/${id}/paint`, { status: 'published' }).json,
    ).toMatchObject({ status: 'draft', published_at: null });
    expect(world.call('POST', `/v1/widgets/${id}`, { status: 'published' }).json).toMatchObject({
      status: 'draft',
    });
    // Its own action still moves it.
    expect(world.call('POST', `/v1/widgets/${id}/publish`).json).toMatchObject({
      status: 'published',
    });
  });

  it('plans without reading anything itself: the same input gives the same plan', () => {
    const world = new World();
    const a = world.request('POST', '/v1/widgets', { name: 'same' });
    const b = new World().request('POST', '/v1/widgets', { name: 'same' });
    expect(a).toEqual(b);
    // And a write on a version is guarded by it.
    world.apply(a);
    const id = [...world.rows.values()][0]!.id;
    const update = world.request('POST', `/v1/widgets/${id}`, { name: 'x' });
    expect(update.kind === 'change' && update.change.puts[0]?.expectVersion).toBe(1);
  });
});

describe('scoped ids', () => {
  const type = {
    name: 'things',
    idField: 'id',
    idShape: { kind: 'random', prefix: '', length: 8, alphabet: 'base62' },
    idSource: 'default',
    serverOwned: [],
    timestamps: {},
    constants: {},
    deleteStyle: 'remove',
    references: [],
    source: ['spec'],
  } as const;
  const route = {
    method: 'GET',
    path: '/repos/{owner}/{repo}/things/{thing}',
    role: 'retrieve',
    type: 'things',
    idParam: 'thing',
    parents: [{ param: 'owner' }, { param: 'repo' }],
    successStatus: 200,
    body: 'none',
    filters: [],
  } as const;
  const routed = (owner: string, repo: string, thing: string): RoutedRequest => ({
    route,
    type,
    params: { owner, repo, thing },
    id: thing,
  });

  it('a `/` inside a path segment (sent as %2F) never makes two scopes one', () => {
    const ids = [
      storedId(routed('a/b', 'c', 'd'), 'd'),
      storedId(routed('a', 'b/c', 'd'), 'd'),
      storedId(routed('a', 'b', 'c/d'), 'c/d'),
      storedId(routed('a%2Fb', 'c', 'd'), 'd'),
    ];
    expect(new Set(ids).size).toBe(4);
    // Plain segments keep their readable form.
    expect(storedId(routed('octo', 'hello', '1'), '1')).toBe('octo/hello/1');
  });
});
