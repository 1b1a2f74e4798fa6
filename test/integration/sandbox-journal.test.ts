/**
 * The sandbox journal (issue 16) through a real sandbox over SQLite: two tenants' traffic, read
 * back with the admin token (any tenant, by name or id, or all) and with each tenant's own key
 * (its entries only; another tenant's name is a 403); filters; cursor pages that walk every
 * entry exactly once; a bad parameter is a 400 that names it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

const WIDGETS = {
  openapi: '3.0.3',
  info: { title: 'Widgets (journal fixture)', version: '1.0.0' },
  paths: {
    '/widgets': {
      get: {
        operationId: 'listWidgets',
        responses: {
          '200': {
            description: 'Widgets.',
            content: {
              'application/json': {
                schema: { type: 'array', items: { $ref: '#/components/schemas/Widget' } },
              },
            },
          },
        },
      },
      post: {
        operationId: 'createWidget',
        requestBody: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
        },
        responses: {
          '201': {
            description: 'Created.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Widget: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      },
    },
  },
};

interface Entry {
  readonly seq: number;
  readonly tenant?: string;
  readonly layer: string;
  readonly status: number;
  readonly path: string;
}
interface Page {
  readonly entries: Entry[];
  readonly next: string | null;
}

let specDir: string;
let sandbox: RunningSandbox;
let keys: { acme: string; globex: string };
let ids: { acme: string; globex: string };

const call = (key: string, method: string, path: string, body?: unknown) =>
  fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function journal(key: string, query: string): Promise<{ status: number; body: unknown }> {
  const response = await call(key, 'GET', `/__tapedeck/journal${query === '' ? '' : `?${query}`}`);
  return { status: response.status, body: await response.json() };
}

async function page(key: string, query: string): Promise<Page> {
  const { status, body } = await journal(key, query);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as Page;
}

beforeAll(async () => {
  specDir = mkdtempSync(join(tmpdir(), 'tapedeck-journal-spec-'));
  const spec = join(specDir, 'widgets.json');
  writeFileSync(spec, JSON.stringify(WIDGETS));
  sandbox = await startSandbox({ spec, profile: 'standard' });
  keys = { acme: await sandbox.createTenant('acme'), globex: await sandbox.createTenant('globex') };
  const tenants = (await (await sandbox.admin('GET', 'tenants')).json()) as {
    tenants: { name: string; id: string }[];
  };
  const idOf = (name: string) => tenants.tenants.find((t) => t.name === name)!.id;
  ids = { acme: idOf('acme'), globex: idOf('globex') };

  // acme: three creates and a list; globex: two lists and a route the spec lacks.
  for (const name of ['a', 'b', 'c'])
    expect((await call(keys.acme, 'POST', '/widgets', { name })).status).toBeLessThan(300);
  expect((await call(keys.acme, 'GET', '/widgets')).status).toBe(200);
  for (let i = 0; i < 2; i++) expect((await call(keys.globex, 'GET', '/widgets')).status).toBe(200);
  expect((await call(keys.globex, 'GET', '/gadgets')).status).toBe(599);
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(specDir, { recursive: true, force: true });
});

describe('GET /__tapedeck/journal on the sandbox', () => {
  it('with the admin token: every tenant, or one by name or by id', async () => {
    const all = await page(sandbox.adminToken, 'limit=1000');
    const tenantsSeen = new Set(all.entries.map((e) => e.tenant).filter((t) => t !== undefined));
    expect(tenantsSeen).toEqual(new Set([ids.acme, ids.globex]));
    expect(all.next).toBeNull();

    const byName = await page(sandbox.adminToken, 'tenant=acme&limit=1000');
    const byId = await page(sandbox.adminToken, `tenant=${ids.acme}&limit=1000`);
    expect(byName.entries.map((e) => e.seq)).toEqual(byId.entries.map((e) => e.seq));
    expect(byName.entries.map((e) => `${e.layer} ${e.path}`).reverse()).toEqual([
      'state /widgets',
      'state /widgets',
      'state /widgets',
      'state /widgets',
    ]);
    expect(byName.entries.every((e) => e.tenant === ids.acme)).toBe(true);
    // Newest first, by seq.
    const seqs = all.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    const unknown = await journal(sandbox.adminToken, 'tenant=initech');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'TD_TENANT_NOT_FOUND', parameter: 'tenant' });
  });

  it("with a tenant's key: that tenant's entries only; naming another is a 403", async () => {
    for (const [name, key] of Object.entries(keys)) {
      const own = await page(key, 'limit=1000');
      expect(own.entries.length).toBeGreaterThan(0);
      const id = ids[name as keyof typeof ids];
      expect(
        own.entries.every((e) => e.tenant === id),
        name,
      ).toBe(true);
      expect((await page(key, `tenant=${name}&limit=1000`)).entries.length).toBeGreaterThan(0);
    }
    const other = await journal(keys.acme, 'tenant=globex');
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ parameter: 'tenant' });
    // An unknown name is refused alike: a key learns nothing of which tenants exist.
    expect((await journal(keys.acme, 'tenant=initech')).status).toBe(403);
    // No key, or a key that is not one: the profile's 401.
    expect((await fetch(`${sandbox.url}/__tapedeck/journal`)).status).toBe(401);
    expect((await journal('sk_test_not_a_key', '')).status).toBe(401);
    // The rest of the admin API still needs the admin token.
    expect((await call(keys.acme, 'GET', '/__tapedeck/tenants')).status).toBe(401);
  });

  it('filters by status, class and layer', async () => {
    const admin = sandbox.adminToken;
    // The route the spec lacks: the sandbox's miss (599).
    const missed = await page(admin, 'tenant=globex&status=5xx');
    expect(missed.entries.map((e) => `${e.layer} ${e.path}`)).toEqual(['miss /gadgets']);
    expect((await page(admin, 'tenant=globex&status=599&layer=miss')).entries).toHaveLength(1);
    expect((await page(admin, 'tenant=acme&status=5xx')).entries).toEqual([]);
    const created = await page(admin, 'tenant=acme&status=201');
    const okCount = (await page(admin, 'tenant=acme&status=2xx')).entries.length;
    expect(created.entries.length).toBeLessThanOrEqual(okCount);
    expect(created.entries.every((e) => e.status === 201)).toBe(true);
    const states = await page(admin, 'layer=state&limit=1000');
    expect(states.entries.every((e) => e.layer === 'state')).toBe(true);
    expect(states.entries.length).toBe(6);
    expect((await page(admin, 'operation=noSuchOperation')).entries).toEqual([]);
    expect((await page(admin, `since=${Date.now() + 60_000}`)).entries).toEqual([]);
  });

  it('cursor pages walk every entry exactly once, newest first, and end with next: null', async () => {
    const admin = sandbox.adminToken;
    for (const tenant of ['acme', 'globex']) {
      const whole = await page(admin, `tenant=${tenant}&limit=1000`);
      const walked: number[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const got: Page = await page(
          admin,
          `tenant=${tenant}&limit=2${next === null ? '' : `&cursor=${encodeURIComponent(next)}`}`,
        );
        expect(got.entries.length).toBeLessThanOrEqual(2);
        walked.push(...got.entries.map((e) => e.seq));
        next = got.next;
        pages++;
      } while (next !== null && pages < 100);
      expect(walked).toEqual(whole.entries.map((e) => e.seq));
      expect(new Set(walked).size).toBe(walked.length);
      expect(pages).toBe(Math.ceil(whole.entries.length / 2));
    }
  });

  it('a parameter it cannot read is a 400 naming it', async () => {
    for (const [query, parameter] of [
      ['status=abc', 'status'],
      ['layer=nope', 'layer'],
      ['limit=0', 'limit'],
      ['cursor=xyz', 'cursor'],
      ['since=soon', 'since'],
      ['opertion=x', 'opertion'],
    ] as const) {
      for (const key of [sandbox.adminToken, keys.acme]) {
        const bad = await journal(key, query);
        expect(bad.status, query).toBe(400);
        expect(bad.body).toMatchObject({ code: 'TD_BAD_REQUEST', parameter });
      }
    }
  });
});
