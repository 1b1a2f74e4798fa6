import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeResult, RuntimeState, StateChange } from '../../src/core/ports/index.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

/**
 * The stateful sandbox end to end over HTTP (fetch), on the small widgets API: JSON bodies,
 * create → read → update → list pages → action → delete → 404, from a spec and from
 * recordings alone (a cassette directory, no spec).
 */

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
const SPEC = fixture('specs/widgets.yaml');
const PROFILE = fixture('sandbox/widgets-profile.json');
const CASSETTES = fixture('sandbox/widgets-cassettes');

type Json = Record<string, unknown>;

function parse(text: string, what: string): Json {
  if (text === '') return {};
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new Error(`${what}: not JSON: ${text.slice(0, 300)}`);
  }
}

function client(sandbox: RunningSandbox, key: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      layer: response.headers.get('x-tapedeck-layer'),
      text,
      json: parse(text, `${method} ${path} → ${response.status}`),
    };
  };
  return Object.assign(call, { key: `Bearer ${key}` });
}

describe('sandbox flows on a spec (widgets)', () => {
  let sandbox: RunningSandbox;
  let call: ReturnType<typeof client>;
  let other: ReturnType<typeof client>;

  beforeAll(async () => {
    sandbox = await startSandbox({ spec: SPEC, profile: PROFILE });
    call = client(sandbox, await sandbox.createTenant('flows'));
    other = client(sandbox, await sandbox.createTenant('other'));
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('create → read → update → list pages → action → delete → 404', async () => {
    const created = await call('POST', '/v1/widgets', { name: 'Sprocket', size: 3 });
    expect(created.status).toBe(200);
    expect(created.layer).toBe('state');
    const widget = created.json;
    expect(widget['id']).toMatch(/^wid_[0-9A-Za-z]{14}$/);
    expect(widget).toMatchObject({
      object: 'widget',
      name: 'Sprocket',
      size: 3,
      status: 'draft',
      color: null,
    });
    const id = widget['id'] as string;

    expect((await call('GET', `/v1/widgets/${id}`)).json).toEqual(widget);

    const updated = await call('POST', `/v1/widgets/${id}`, { color: 'red', metadata: { a: '1' } });
    expect(updated.json).toEqual({ ...widget, color: 'red', metadata: { a: '1' } });
    const again = await call('POST', `/v1/widgets/${id}`, { metadata: { b: '2' } });
    expect(again.json['metadata']).toEqual({ a: '1', b: '2' });

    const ids = [id];
    for (let i = 0; i < 11; i++)
      ids.push((await call('POST', '/v1/widgets', { name: `w${i}` })).json['id'] as string);
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await call(
        'GET',
        `/v1/widgets?limit=5${after ? `&starting_after=${after}` : ''}`,
      );
      expect(page.status).toBe(200);
      const data = page.json['data'] as Json[];
      seen.push(...data.map((w) => w['id'] as string));
      if (page.json['has_more'] !== true) break;
      after = seen[seen.length - 1];
    }
    expect(seen).toEqual([...ids].reverse());

    const published = await call('POST', `/v1/widgets/${id}/publish`);
    expect(published.status).toBe(200);
    expect(published.json).toMatchObject({ status: 'published' });
    expect(typeof published.json['published_at']).toBe('number');
    // The standard profile answers a refused transition 409 (the object's state conflicts).
    const refused = await call('POST', `/v1/widgets/${id}/publish`);
    expect(refused.status).toBe(409);
    expect(refused.layer).toBe('state');
    expect(refused.text).toContain('widget_unexpected_state');
    expect(refused.text).toContain('This widget is published, so it cannot be published.');

    const painted = await call('POST', `/v1/widgets/${id}/paint`, { color: 'blue' });
    expect(painted.json).toMatchObject({ color: 'blue', status: 'published' });

    const invalid = await call('POST', `/v1/widgets/${id}`, { size: 'big' });
    expect(invalid.status).toBe(400);
    expect(invalid.layer).toBe('state');
    expect((await call('GET', `/v1/widgets/${id}`)).json['size']).toBe(3);

    const deleted = await call('DELETE', `/v1/widgets/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    const gone = await call('GET', `/v1/widgets/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.layer).toBe('state');
    const list = await call('GET', '/v1/widgets?limit=100');
    expect((list.json['data'] as Json[]).map((w) => w['id'])).not.toContain(id);
  });

  it('stores and answers test data as the redactor leaves it: a real address pseudonymised, example.com kept', async () => {
    const real = await call('POST', '/v1/widgets', { name: 'jane.doe@acme-corp.com' });
    expect(real.status).toBe(200);
    expect(real.text).not.toContain('jane.doe@acme-corp.com');
    expect((await call('GET', `/v1/widgets/${real.json['id'] as string}`)).json).toEqual(real.json);
    const reserved = await call('POST', '/v1/widgets', { name: 'jenny@example.com' });
    expect(reserved.json['name']).toBe('jenny@example.com');
  });

  it('a refused body never names a key sent as a field name', async () => {
    const key = `sk_live_${'A1b2C3d4E5f6G7h8I9j0'.repeat(3)}`;
    const refused = await call('POST', '/v1/widgets', { name: 'a', [key]: 1, 'odd\u0000name': 2 });
    expect(refused.status).toBe(400);
    expect(refused.layer).toBe('state');
    expect(refused.text).not.toContain('A1b2C3d4');
    expect(refused.text).not.toContain('\\u0000');
    // The violation is still there, its place named without the key.
    expect(refused.text).toContain('is not an allowed property');
  });

  it("another tenant's id is a 404 byte for byte like an id that never existed", async () => {
    const mine = (await call('POST', '/v1/widgets', { name: 'mine' })).json['id'] as string;
    const never = 'wid_0000000000zzzz';
    const theirs = await other('GET', `/v1/widgets/${mine}`);
    const missing = await other('GET', `/v1/widgets/${never}`);
    expect(theirs.status).toBe(404);
    expect(theirs.text.replaceAll(mine, '<id>')).toBe(missing.text.replaceAll(never, '<id>'));
    expect((await other('POST', `/v1/widgets/${mine}`, { name: 'x' })).status).toBe(404);
    expect((await other('GET', `/v1/widgets?starting_after=${mine}`)).status).toBe(404);
    expect(
      ((await other('GET', '/v1/widgets')).json['data'] as Json[]).map((w) => w['id']),
    ).not.toContain(mine);
    expect((await call('GET', `/v1/widgets/${mine}`)).json['name']).toBe('mine');
  });
});

describe('sandbox flows from recordings alone (no spec)', () => {
  let sandbox: RunningSandbox;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    sandbox = await startSandbox({ cassettes: CASSETTES, profile: PROFILE });
    call = client(sandbox, await sandbox.createTenant('recorded'));
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('recorded objects seed the tenant; writes, lists and deletes work on them', async () => {
    const seeded = await call('GET', '/v1/widgets/wid_R3c0rded000001');
    expect(seeded.status).toBe(200);
    expect(seeded.layer).toBe('state');
    expect(seeded.json).toMatchObject({ name: 'Recorded one', size: 4 });

    const created = await call('POST', '/v1/widgets', { name: 'New' });
    expect(created.status).toBe(200);
    const id = created.json['id'] as string;
    expect(id).toMatch(/^wid_/);
    // The recorded create is the template: what the recorded request set is reset.
    expect(created.json).toMatchObject({
      object: 'widget',
      name: 'New',
      status: 'draft',
      color: null,
      metadata: {},
    });
    expect(JSON.stringify(created.json)).not.toContain('partner');

    const updated = await call('POST', `/v1/widgets/${id}`, { size: 8 });
    expect(updated.json).toMatchObject({ name: 'New', size: 8 });
    const list = await call('GET', '/v1/widgets');
    expect((list.json['data'] as Json[]).map((w) => w['id'])).toEqual([
      id,
      'wid_R3c0rded000002',
      'wid_R3c0rded000001',
    ]);
    // The recorded delete answered 204: the model deletes by removing.
    expect((await call('DELETE', `/v1/widgets/${id}`)).status).toBe(204);
    expect((await call('GET', '/v1/widgets/wid_R3c0rded000003')).status).toBe(404);
    expect((await call('GET', `/v1/widgets/${id}`)).status).toBe(404);

    // What the model leaves out still replays from the cassette.
    const status = await call('GET', '/v1/status');
    expect(status.layer).toBe('cassette');
    expect(status.json).toEqual({ ok: true, version: 'recorded' });
  });

  it('a body that is not JSON is a 400 (a bad request, not a conflict), and stores nothing', async () => {
    const before = ((await call('GET', '/v1/widgets')).json['data'] as Json[]).length;
    const response = await fetch(`${sandbox.url}/v1/widgets`, {
      method: 'POST',
      headers: { authorization: call.key, 'content-type': 'application/json' },
      body: '{"name": "broken',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-tapedeck-layer')).toBe('state');
    expect(await response.text()).not.toContain('broken');
    expect(((await call('GET', '/v1/widgets')).json['data'] as Json[]).length).toBe(before);
  });
});

describe('the object quota', () => {
  let sandbox: RunningSandbox;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: SPEC,
      profile: PROFILE,
      flags: [{ pointer: '/sandbox/quotas/resources', value: 3, flag: 'test' }],
    });
    call = client(sandbox, await sandbox.createTenant('small'));
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('refuses the object past sandbox.quotas.resources, naming the quota, and stores nothing', async () => {
    for (let i = 0; i < 3; i++)
      expect((await call('POST', '/v1/widgets', { name: `q${i}` })).status).toBe(200);
    const refused = await call('POST', '/v1/widgets', { name: 'one too many' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.layer).toBe('state');
    expect(refused.text).toContain('resources');
    expect(refused.text).toContain('3');
    expect(refused.text).not.toContain('one too many');
    expect(((await call('GET', '/v1/widgets')).json['data'] as Json[]).length).toBe(3);
    // Deleting one makes room again.
    const first = ((await call('GET', '/v1/widgets')).json['data'] as Json[])[0]!['id'] as string;
    expect((await call('DELETE', `/v1/widgets/${first}`)).status).toBe(204);
    expect((await call('POST', '/v1/widgets', { name: 'fits again' })).status).toBe(200);
  });
});

describe('version conflicts', () => {
  let sandbox: RunningSandbox;
  let call: ReturnType<typeof client>;
  /** How many of the next writes (not seeding) the store refuses as conflicts. */
  let refuse = 0;
  let applied = 0;

  /** The real state, with `resources.apply` refusing the next `refuse` writes as a conflict. */
  const wrap = (state: RuntimeState): RuntimeState =>
    new Proxy(state, {
      get(target, member, receiver) {
        if (member !== 'resources') return Reflect.get(target, member, receiver) as unknown;
        const resources = target.resources;
        return new Proxy(resources, {
          get(r, name) {
            if (name === 'apply')
              return async (
                tenant: string,
                change: StateChange,
                at: number,
              ): Promise<ChangeResult> => {
                if (change.seed === undefined) applied++;
                if (change.seed === undefined && refuse > 0) {
                  refuse--;
                  return { ok: false, reason: 'conflict', type: 'widgets', id: 'x' };
                }
                return resources.apply(tenant, change, at);
              };
            const value = Reflect.get(r, name, r) as unknown;
            return typeof value === 'function' ? (value as () => unknown).bind(r) : value;
          },
        });
      },
    });

  beforeAll(async () => {
    sandbox = await startSandbox({ spec: SPEC, profile: PROFILE, wrapState: wrap });
    call = client(sandbox, await sandbox.createTenant('racy'));
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('re-plans once after a conflict; a second conflict answers 409 and stores nothing', async () => {
    expect((await call('GET', '/v1/widgets')).status).toBe(200); // seeds first
    refuse = 1;
    applied = 0;
    const once = await call('POST', '/v1/widgets', { name: 'after one conflict' });
    expect(once.status).toBe(200);
    expect(applied).toBe(2);
    refuse = 2;
    applied = 0;
    const twice = await call('POST', '/v1/widgets', { name: 'after two' });
    expect(applied).toBe(2);
    expect(twice.status).toBe(409);
    expect(twice.layer).toBe('state');
    const names = ((await call('GET', '/v1/widgets')).json['data'] as Json[]).map((w) => w['name']);
    expect(names).toEqual(['after one conflict']);
  });
});

describe('path segments are test data too (github preset)', () => {
  let sandbox: RunningSandbox;
  let key: string;
  const GITHUB_SPEC = createRequire(import.meta.url).resolve(
    '@octokit/openapi/generated/api.github.com.json',
  );

  beforeAll(async () => {
    sandbox = await startSandbox({ spec: GITHUB_SPEC, profile: 'github' });
    key = await sandbox.createTenant('paths');
  }, 60_000);
  afterAll(() => sandbox?.stop());

  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        authorization: `token ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, text: await response.text() };
  };

  it('a live token in a scope segment is refused before anything is stored', async () => {
    const token = `ghp_${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'}`;
    const refused = await send('POST', `/repos/${token}/hello/issues`, { title: 'in a path' });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain(token.slice(4, 20));
    for (const file of readdirSync(sandbox.stateDir)) {
      const bytes = readFileSync(join(sandbox.stateDir, file)).toString('latin1');
      expect(bytes.includes(token.slice(0, 16)), `${file} holds the token`).toBe(false);
    }
  });

  it('personal data in a scope segment never reaches the state files, and still names one repository', async () => {
    const token = 'margaret.hollis@northwind-logistics.co.uk';
    const created = await send('POST', `/repos/${token}/hello/issues`, { title: 'in a path' });
    expect(created.status).toBe(201);
    // The same segment finds the same repository (pseudonyms are stable).
    const read = await send('GET', `/repos/${token}/hello/issues/1`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toMatchObject({ number: 1, title: 'in a path' });
    expect((await send('GET', '/repos/octo/hello/issues/1')).status).toBe(404);
    // The database and its write-ahead log, as they are on disk now.
    for (const file of readdirSync(sandbox.stateDir)) {
      const bytes = readFileSync(join(sandbox.stateDir, file)).toString('latin1');
      expect(bytes.includes('northwind-logistics'), `${file} holds the address`).toBe(false);
    }
  });
});
