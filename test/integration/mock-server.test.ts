import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { header, send } from '../helpers/client.js';
import { tmpDir } from '../helpers/tmp.js';
import { IndependentValidator, SPECS, startMock } from './mock-support.js';

afterEach(runCleanups);

const PETSTORE = join(SPECS, 'petstore-3.0.yaml');
const STORE = join(SPECS, 'store-3.1.json');
const SWAGGER = join(SPECS, 'petstore-2.0.yaml');
const MULTI = join(SPECS, 'multi/openapi.yaml');

const KEY = { 'x-api-key': 'test-key' };
const PET_SCHEMA = '/components/schemas/Pet';

interface Problem {
  type: string;
  status: number;
  detail: string;
  errors?: { in: string; name?: string; pointer?: string; message: string }[];
  nearest?: string[];
}

describe('tapedeck mock: OpenAPI 3.0 (YAML)', () => {
  it('answers the first 2xx with its first named example, with or without the server base path', async () => {
    const { url } = await startMock(PETSTORE);
    for (const path of ['/v1/pets', '/pets']) {
      const r = await send(url, path, { headers: KEY });
      expect(r.status).toBe(200);
      expect(header(r.headers, 'x-tapedeck-layer')).toBe('spec');
      expect(header(r.headers, 'content-type')).toMatch(/^application\/json/);
      expect(r.json()).toEqual([
        { id: 1, name: 'Rex', species: 'dog', status: 'available' },
        { id: 2, name: 'Tom', species: 'cat', status: 'sold' },
      ]);
      // Documented response headers are generated too, valid against their schemas.
      const remaining = Number(header(r.headers, 'x-rate-limit-remaining'));
      expect(Number.isInteger(remaining) && remaining >= 0 && remaining <= 1000).toBe(true);
      expect(() => new URL(header(r.headers, 'x-next')!)).not.toThrow();
    }
  });

  it('routes literal segments before templates, and method mismatches to 405 with Allow', async () => {
    const { url } = await startMock(PETSTORE);
    const mine = await send(url, '/v1/pets/mine', { headers: { authorization: 'Bearer t' } });
    expect(mine.status).toBe(200);
    (await IndependentValidator.of(PETSTORE)).expectValid(
      '/paths/~1pets~1mine/get/responses/200/content/application~1json/schema',
      mine.json(),
    );
    const one = await send(url, '/v1/pets/7', { headers: KEY });
    expect(one.json()).toEqual({ id: 7, name: 'Fido', species: 'dog', status: 'pending' });
    const put = await send(url, '/v1/pets/7', { method: 'PUT', headers: KEY });
    expect(put.status).toBe(405);
    expect(header(put.headers, 'allow')).toBe('GET, DELETE, HEAD');
    expect(header(put.headers, 'x-tapedeck-layer')).toBe('spec');
  });

  it('answers an unknown path with 404 problem+json naming the nearest documented paths', async () => {
    const { url } = await startMock(PETSTORE);
    const r = await send(url, '/v1/petz/7', { headers: KEY });
    expect(r.status).toBe(404);
    expect(header(r.headers, 'content-type')).toBe('application/problem+json');
    const body = r.json() as Problem;
    expect(body.nearest?.[0]).toBe('/pets/{petId}');
    expect(body.detail).toContain('/pets/{petId}');
  });

  it('Prefer picks the status, the named example, or a generated body; all valid against the schema', async () => {
    const validator = await IndependentValidator.of(PETSTORE);
    const { url } = await startMock(PETSTORE);
    const notFound = await send(url, '/v1/pets/7', { headers: { ...KEY, prefer: 'code=404' } });
    expect(notFound.status).toBe(404);
    expect(header(notFound.headers, 'content-type')).toBe('application/problem+json');
    validator.expectValid('/components/schemas/Problem', notFound.json());

    const empty = await send(url, '/v1/pets', { headers: { ...KEY, prefer: 'example=empty' } });
    expect(empty.json()).toEqual([]);

    for (const prefer of ['dynamic=true', 'code=200; dynamic=true', 'code=200, dynamic=true']) {
      const dynamic = await send(url, '/v1/pets?limit=3', { headers: { ...KEY, prefer } });
      expect(dynamic.status).toBe(200);
      validator.expectValid(
        '/paths/~1pets/get/responses/200/content/application~1json/schema',
        dynamic.json(),
      );
    }
    const unknown = await send(url, '/v1/pets', { headers: { ...KEY, prefer: 'example=nope' } });
    expect(unknown.status).toBe(400);
    expect((unknown.json() as Problem).detail).toContain('two, empty');
    const undocumented = await send(url, '/v1/pets', { headers: { ...KEY, prefer: 'code=418' } });
    expect(undocumented.status).toBe(400);
    expect((undocumented.json() as Problem).detail).toContain('documented: 200, 400');
  });

  it('generates the same bytes for the same request and seed, and other bytes for another seed', async () => {
    const a = await startMock(PETSTORE);
    const b = await startMock(PETSTORE);
    const c = await startMock(PETSTORE, {
      flags: [{ pointer: '/mock/seed', value: 'another', flag: '--seed' }],
    });
    const get = (base: string, path = '/v1/owners/abc/pets/3') =>
      send(base, path, { headers: { cookie: 'session=abcd' } });
    const first = await get(a.url);
    expect(first.status).toBe(200);
    expect((await get(a.url)).text()).toBe(first.text());
    expect((await get(b.url)).text()).toBe(first.text());
    expect((await get(c.url)).text()).not.toBe(first.text());
    expect((await get(a.url, '/v1/owners/abc/pets/4')).text()).not.toBe(first.text());
    const validator = await IndependentValidator.of(PETSTORE);
    for (let i = 1; i <= 25; i++) {
      const r = await get(a.url, `/v1/owners/abc/pets/${i}`);
      validator.expectValid('/components/schemas/Owner', r.json());
    }
  });

  it('negotiates content on Accept: JSON by default, XML when asked, 406 when nothing fits', async () => {
    const { url } = await startMock(PETSTORE);
    const xml = await send(url, '/v1/pets/7', { headers: { ...KEY, accept: 'application/xml' } });
    expect(xml.status).toBe(200);
    expect(header(xml.headers, 'content-type')).toMatch(/^application\/xml/);
    const pick = await send(url, '/v1/pets/7', {
      headers: { ...KEY, accept: 'text/html;q=0.9, application/json' },
    });
    expect(header(pick.headers, 'content-type')).toMatch(/^application\/json/);
    const none = await send(url, '/v1/pets/7', { headers: { ...KEY, accept: 'text/csv' } });
    expect(none.status).toBe(406);
  });

  it('lists every violation of an invalid request, with the status the operation documents', async () => {
    const { url } = await startMock(PETSTORE);
    // listPets documents 400.
    const query = await send(url, '/v1/pets?limit=0&tags=cat,fish', {
      headers: { ...KEY, 'x-request-id': 'not-a-uuid' },
    });
    expect(query.status).toBe(400);
    expect(header(query.headers, 'content-type')).toBe('application/problem+json');
    const errors = (query.json() as Problem).errors!;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'query', name: 'limit' }),
        expect.objectContaining({ in: 'query', name: 'tags', pointer: '/1' }),
        expect.objectContaining({ in: 'header', name: 'x-request-id' }),
      ]),
    );
    // createPet documents 422 and no 400.
    const body = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', species: 'cow', extra: 1 }),
    });
    expect(body.status).toBe(422);
    expect((body.json() as Problem).errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'body', pointer: '/name' }),
        expect.objectContaining({ in: 'body', pointer: '/species' }),
        expect.objectContaining({ in: 'body', pointer: '/extra' }),
      ]),
    );
    const missing = await send(url, '/v1/pets', { method: 'POST', headers: KEY });
    expect(missing.status).toBe(422);
    const notJson = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(notJson.status).toBe(422);
    expect((notJson.json() as Problem).errors?.[0]?.message).toBe('is not valid JSON');
    const wrongType = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
  });

  it('accepts valid JSON and form bodies, coercing form strings by the schema', async () => {
    const validator = await IndependentValidator.of(PETSTORE);
    const { url } = await startMock(PETSTORE);
    const json = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'Rex', species: 'dog', age: 3 }),
    });
    expect(json.status).toBe(201);
    validator.expectValid(PET_SCHEMA, json.json());
    const form = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Rex&species=dog&age=3',
    });
    expect(form.status).toBe(201);
    validator.expectValid(PET_SCHEMA, form.json());
    const badForm = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Rex&species=dog&age=old',
    });
    expect(badForm.status).toBe(422);
  });

  it('checks cookies and path parameters', async () => {
    const { url } = await startMock(PETSTORE);
    const r = await send(url, '/v1/owners/AB/pets/x');
    expect(r.status).toBe(400);
    expect((r.json() as Problem).errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'path', name: 'ownerId' }),
        expect.objectContaining({ in: 'path', name: 'petId' }),
        expect.objectContaining({ in: 'cookie', name: 'session', message: 'is required' }),
      ]),
    );
  });

  it('answers 401 when a documented credential is missing, never echoing credentials', async () => {
    const { url } = await startMock(PETSTORE);
    const none = await send(url, '/v1/pets');
    expect(none.status).toBe(401);
    expect((none.json() as Problem).detail).toContain('apiKey');
    const bearer = await send(url, '/v1/pets/mine');
    expect(bearer.status).toBe(401);
    expect(header(bearer.headers, 'www-authenticate')).toBe('Bearer realm="tapedeck"');
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const invalid = await send(url, '/v1/pets?limit=abc', {
      headers: { 'x-api-key': secret, authorization: `Bearer ${secret}` },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.text()).not.toContain(secret);
    expect(invalid.text()).not.toContain('abc');
  });

  it('turns the security check off with mock.security=false', async () => {
    const { url } = await startMock(PETSTORE, {
      flags: [{ pointer: '/mock/security', value: false, flag: '--no-security' }],
    });
    expect((await send(url, '/v1/pets')).status).toBe(200);
  });
});

describe('tapedeck mock: OpenAPI 3.1 (JSON), Swagger 2.0, multi-file', () => {
  it('serves 3.1 type unions and const, relative server URLs, and examples by name', async () => {
    const validator = await IndependentValidator.of(STORE);
    const { url } = await startMock(STORE);
    for (let i = 0; i < 20; i++) {
      const r = await send(url, `/api/v2/orders?status=open&ids=${i}&ids=2`);
      expect(r.status).toBe(200);
      validator.expectValid(
        '/paths/~1orders/get/responses/200/content/application~1json/schema',
        r.json(),
      );
    }
    const missing = await send(url, '/api/v2/orders');
    expect(missing.status).toBe(400);
    const order = await send(url, '/api/v2/orders/5b6f3c1e-8d2a-4f7b-9c0e-1a2b3c4d5e6f');
    expect((order.json() as { state: string }).state).toBe('paid');
    const notFound = await send(url, '/api/v2/orders/5b6f3c1e-8d2a-4f7b-9c0e-1a2b3c4d5e6f', {
      headers: { prefer: 'code=404' },
    });
    expect(notFound.json()).toEqual({ error: 'not_found' });
    const created = await send(url, '/api/v2/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ total: 3, currency: 'EUR', state: 'new' }),
    });
    expect(created.status).toBe(201);
    validator.expectValid('/components/schemas/Order', created.json());
  });

  it('serves Swagger 2.0: basePath, produces, body and formData parameters, query API keys', async () => {
    const validator = await IndependentValidator.of(SWAGGER);
    const { url } = await startMock(SWAGGER);
    const list = await send(url, '/api/pets?limit=2&tags=a,b');
    expect(list.status).toBe(200);
    validator.expectValid('/paths/~1pets/get/responses/200/schema', list.json());
    expect(Number(header(list.headers, 'x-total'))).toBeGreaterThanOrEqual(0);
    expect((await send(url, '/api/pets?limit=99')).status).toBe(400);
    const noKey = await send(url, '/api/pets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Kitty"}',
    });
    expect(noKey.status).toBe(401);
    const added = await send(url, '/api/pets?api_key=k', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Kitty"}',
    });
    expect(added.status).toBe(200);
    expect(added.json()).toEqual({ id: 3, name: 'Kitty', tag: 'cat' });
    const error = await send(url, '/api/pets/5', { headers: { prefer: 'code=500' } });
    expect(error.status).toBe(500);
    validator.expectValid('/definitions/Error', error.json());
    const photo = await send(url, '/api/pets/5/photo', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'caption=hello&rating=4',
    });
    expect(photo.status).toBe(201);
    const badPhoto = await send(url, '/api/pets/5/photo', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'rating=9',
    });
    expect(badPhoto.status).toBe(400);
    expect((badPhoto.json() as Problem).errors?.map((e) => e.pointer).sort()).toEqual([
      '/caption',
      '/rating',
    ]);
  });

  it('serves a spec split over files with relative $refs', async () => {
    const validator = await IndependentValidator.of(MULTI);
    const { url } = await startMock(MULTI);
    const list = await send(url, '/widgets', { headers: { prefer: 'dynamic=true' } });
    expect(list.status).toBe(200);
    for (const widget of list.json() as unknown[])
      validator.expectValid(
        '/paths/~1widgets/get/responses/200/content/application~1json/schema/items',
        widget,
      );
    const one = await send(url, '/widgets/w-123');
    expect(one.status).toBe(200);
    validator.expectValid(
      '/paths/~1widgets~1{widgetId}/get/responses/200/content/application~1json/schema',
      one.json(),
    );
    expect((await send(url, '/widgets/nope')).status).toBe(400);
  });
});

describe('tapedeck mock: a client developer poking at it', () => {
  it('answers a Prefer with an unusable value with 400 naming it, not a silent default', async () => {
    const { url } = await startMock(PETSTORE);
    for (const prefer of ['code=999', 'code=4O4', 'dynamic=yes', 'code=404, code=abc']) {
      const r = await send(url, '/v1/pets', { headers: { ...KEY, prefer } });
      expect(r.status, prefer).toBe(400);
      expect(header(r.headers, 'content-type')).toBe('application/problem+json');
      const body = r.json() as Problem & { malformed: string[] };
      expect(body.type).toBe('https://tapedeck.dev/errors/bad-prefer');
      expect(body.malformed.length).toBeGreaterThan(0);
    }
    // Preferences the mock does not know are ignored (RFC 7240).
    const other = await send(url, '/v1/pets', { headers: { ...KEY, prefer: 'respond-async' } });
    expect(other.status).toBe(200);
  });

  it('never echoes a value the client sent in a refusal (406, 415, bad Prefer)', async () => {
    const { url } = await startMock(PETSTORE);
    const canary = 'x-canary-5f3a9e';
    const longAccept = `text/${canary}, ${Array.from({ length: 800 }, (_, i) => `text/t${i}`).join(', ')}`;
    expect(longAccept.length).toBeGreaterThan(8000);
    const none = await send(url, '/v1/pets/7', { headers: { ...KEY, accept: longAccept } });
    expect(none.status).toBe(406);
    expect(header(none.headers, 'content-type')).toBe('application/problem+json');
    expect(none.text()).not.toContain(canary);
    expect(none.text().length).toBeLessThan(2000);
    expect((none.json() as Problem).detail).toContain("the request's Accept allows none of them");
    const wrongType = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': `application/${canary}; charset=${canary}` },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.text()).not.toContain(canary);
    expect((wrongType.json() as Problem).detail).toContain('takes application/json');
    // A method outside RFC 9110's (and PATCH) is not named either: 405 on a documented path.
    const method = await send(url, '/v1/pets/7', { method: 'PROPFIND', headers: KEY });
    expect(method.status).toBe(405);
    expect(method.text()).not.toContain('PROPFIND');
    for (const prefer of [`code=${canary}`, `dynamic=${canary}`, `example=${canary}`]) {
      const r = await send(url, '/v1/pets', { headers: { ...KEY, prefer } });
      expect(r.status, prefer).toBe(400);
      expect(r.text(), prefer).not.toContain(canary);
    }
  });

  it('answers a browser CORS preflight, and lets the page read every answer', async () => {
    const { url } = await startMock(PETSTORE);
    const origin = 'http://localhost:5173';
    const preflight = await send(url, '/v1/pets/7', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'x-api-key, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(header(preflight.headers, 'access-control-allow-origin')).toBe(origin);
    expect(header(preflight.headers, 'access-control-allow-methods')).toBe('GET, DELETE, HEAD');
    expect(header(preflight.headers, 'access-control-allow-headers')).toBe(
      'x-api-key, content-type',
    );
    expect(header(preflight.headers, 'x-tapedeck-layer')).toBe('spec');
    for (const [path, status] of [
      ['/v1/pets/7', 200],
      ['/v1/pets/abc', 400],
      ['/v1/nowhere', 404],
    ] as const) {
      const r = await send(url, path, { headers: { ...KEY, origin } });
      expect(r.status).toBe(status);
      expect(header(r.headers, 'access-control-allow-origin'), path).toBe(origin);
      expect(header(r.headers, 'access-control-expose-headers'), path).toBe('*');
    }
    // Not a preflight (no Access-Control-Request-Method): OPTIONS is still 405.
    expect((await send(url, '/v1/pets', { method: 'OPTIONS' })).status).toBe(405);
    // No Origin, no CORS headers.
    const plain = await send(url, '/v1/pets/7', { headers: KEY });
    expect(header(plain.headers, 'access-control-allow-origin')).toBeUndefined();
  });

  it('answers HEAD with the same status and headers GET gets, and no body', async () => {
    const { url } = await startMock(PETSTORE);
    const get = await send(url, '/v1/pets', { headers: KEY });
    const head = await send(url, '/v1/pets', { method: 'HEAD', headers: KEY });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const name of ['x-rate-limit-remaining', 'x-next', 'content-type'])
      expect(header(head.headers, name), name).toBe(header(get.headers, name));
  });

  it('makes a generated problem body agree with the HTTP status it is sent with', async () => {
    const validator = await IndependentValidator.of(PETSTORE);
    const { url } = await startMock(PETSTORE);
    for (const [path, method, code] of [
      ['/v1/pets/7', 'GET', 404],
      ['/v1/pets/7', 'DELETE', 500],
      ['/v1/pets', 'GET', 400],
    ] as const) {
      const r = await send(url, path, { method, headers: { ...KEY, prefer: `code=${code}` } });
      expect(r.status).toBe(code);
      const body = r.json() as { status: number; type?: string };
      expect(body.status).toBe(code);
      if (body.type !== undefined) expect(body.type).toBe('about:blank');
      validator.expectValid('/components/schemas/Problem', body);
    }
  });

  it('keeps a 4xx small when the request is huge: names clipped, the list capped', async () => {
    const { url } = await startMock(PETSTORE);
    const fields = Array.from({ length: 300 }, (_, i) => `extra${i}=1`).join('&');
    const r = await send(url, '/v1/pets', {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: `name=x&species=cat&${'k'.repeat(1_000_000)}=1&${fields}`,
    });
    expect(r.status).toBe(422);
    expect(r.body.length).toBeLessThan(20_000);
    const body = r.json() as Problem & { omitted: number };
    expect(body.detail).toMatch(/^301 problem\(s\)/);
    expect(body.errors).toHaveLength(100);
    expect(body.omitted).toBe(201);
    expect(body.errors?.every((e) => (e.pointer ?? '').length <= 201)).toBe(true);
  });

  it('says on the answer when the schema has no valid value, and answers quickly anyway', async () => {
    const dir = await tmpDir();
    const file = join(dir, 'contradictions.yaml');
    await writeFile(
      file,
      [
        'openapi: 3.1.0',
        'info: { title: Contradictions, version: 1.0.0 }',
        'paths:',
        '  /both:',
        '    get:',
        '      responses:',
        "        '200':",
        '          description: ok',
        '          content:',
        '            application/json:',
        '              schema: { allOf: [{ type: string }, { type: integer }] }',
        '  /tree:',
        '    get:',
        '      responses:',
        "        '200':",
        '          description: ok',
        '          content:',
        "            application/json: { schema: { $ref: '#/components/schemas/Node' } }",
        '  /fine:',
        '    get:',
        '      responses:',
        "        '200':",
        '          description: ok',
        '          content:',
        '            application/json: { schema: { type: integer, minimum: 3, maximum: 3 } }',
        'components:',
        '  schemas:',
        '    Node:',
        '      type: object',
        '      required: [child, kids]',
        '      properties:',
        "        child: { $ref: '#/components/schemas/Node' }",
        "        kids: { type: array, minItems: 2, items: { $ref: '#/components/schemas/Node' } }",
      ].join('\n'),
    );
    const { url } = await startMock(file);
    const both = await send(url, '/both');
    expect(both.status).toBe(200);
    expect(header(both.headers, 'x-tapedeck-spec-issue')).toMatch(/^\(body\): /);
    const tree = await send(url, '/tree');
    expect(tree.status).toBe(200);
    expect(header(tree.headers, 'x-tapedeck-spec-issue')).toMatch(/grows past|does not end/);
    const fine = await send(url, '/fine');
    expect(fine.json()).toBe(3);
    expect(header(fine.headers, 'x-tapedeck-spec-issue')).toBeUndefined();
  });

  it('sends XML as XML, not JSON text labelled application/xml', async () => {
    const { url } = await startMock(PETSTORE);
    const r = await send(url, '/v1/pets/7', {
      headers: { ...KEY, accept: 'application/xml', prefer: 'dynamic=true' },
    });
    expect(r.status).toBe(200);
    expect(header(r.headers, 'content-type')).toMatch(/^application\/xml/);
    const text = r.text();
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Pet>')).toBe(true);
    expect(text).toMatch(/<id>\d+<\/id>/);
    expect(text).toMatch(/<species>(cat|dog|bird)<\/species>/);
    expect(text.trimEnd().endsWith('</Pet>')).toBe(true);
    // Without Prefer too (the example is documented for JSON only, so XML is generated).
    const plain = await send(url, '/v1/pets/7', { headers: { ...KEY, accept: 'application/xml' } });
    expect(plain.text()).toMatch(/^<\?xml [^>]+\?>\n<Pet><id>\d+<\/id><name>[^<]+<\/name>/);
  });
});
