import { describe, expect, it } from 'vitest';
import { CompiledSpec } from '../../src/core/mock/openapi/compiled.js';
import { basePathOf, readSpec } from '../../src/core/mock/openapi/operations.js';
import { SpecRouter } from '../../src/core/mock/openapi/router.js';

function op(responses: Record<string, unknown> = { '200': { description: 'ok' } }) {
  return { responses };
}

const doc = {
  openapi: '3.0.3',
  info: { title: 'Routing', version: '1' },
  servers: [
    { url: 'https://api.example.com/{version}', variables: { version: { default: 'v2' } } },
  ],
  paths: {
    '/users': { get: op(), post: op() },
    '/users/me': { get: op() },
    '/users/{id}': { get: op(), delete: op() },
    '/users/{id}/files/{name}.{ext}': { get: op() },
    '/users/{id}/files/{file}': { get: op() },
    '/a/{x}/c': { get: op() },
    '/a/b/{y}': { put: op() },
  },
};

describe('basePathOf', () => {
  it('keeps the path of absolute, relative and templated server URLs', () => {
    expect(basePathOf('https://api.example.com/v1/', {})).toBe('/v1');
    expect(basePathOf('/api/v2', {})).toBe('/api/v2');
    expect(basePathOf('https://{host}/{v}', { v: { default: 'beta' } })).toBe('/beta');
    expect(basePathOf('https://api.example.com', {})).toBe('');
    expect(basePathOf('//cdn.example.com/x?y=1', {})).toBe('/x');
  });
});

describe('SpecRouter', () => {
  const router = new SpecRouter(readSpec(doc, 'openapi-3.0'));

  it('strips the server base path (with variable defaults), or accepts the path without it', () => {
    for (const path of ['/v2/users/42', '/users/42']) {
      const r = router.route('GET', path);
      expect(r.kind === 'operation' && r.operation.path).toBe('/users/{id}');
      expect(r.kind === 'operation' && r.params).toEqual({ id: '42' });
    }
  });

  it('prefers literal segments, then mixed segments, then bare templates', () => {
    const me = router.route('GET', '/users/me');
    expect(me.kind === 'operation' && me.operation.path).toBe('/users/me');
    const mixed = router.route('GET', '/users/7/files/report.pdf');
    expect(mixed.kind === 'operation' && mixed.operation.path).toBe(
      '/users/{id}/files/{name}.{ext}',
    );
    expect(mixed.kind === 'operation' && mixed.params).toEqual({
      id: '7',
      name: 'report',
      ext: 'pdf',
    });
    const plain = router.route('GET', '/users/7/files/README');
    expect(plain.kind === 'operation' && plain.operation.path).toBe('/users/{id}/files/{file}');
  });

  it('falls back to a less specific path that has the method', () => {
    // /users/me has only GET; DELETE /users/me is the templated path's.
    const r = router.route('DELETE', '/users/me');
    expect(r.kind === 'operation' && r.operation.path).toBe('/users/{id}');
    // /a/b/c: the literal /a/b/{y} has only PUT, /a/{x}/c has GET.
    const g = router.route('GET', '/a/b/c');
    expect(g.kind === 'operation' && g.operation.path).toBe('/a/{x}/c');
  });

  it('answers method-not-allowed with the methods of the most specific path', () => {
    expect(router.route('PATCH', '/users/5')).toEqual({
      kind: 'method-not-allowed',
      template: '/users/{id}',
      allow: ['GET', 'DELETE', 'HEAD'],
    });
    const head = router.route('HEAD', '/users');
    expect(head.kind === 'operation' && head.operation.method).toBe('GET');
  });

  it('percent-decodes parameters, tolerates a trailing slash, and names the nearest paths', () => {
    const r = router.route('GET', '/users/a%20b/');
    expect(r.kind === 'operation' && r.params).toEqual({ id: 'a b' });
    const miss = router.route('GET', '/user/5');
    expect(miss.kind).toBe('not-found');
    expect(miss.kind === 'not-found' && miss.nearest[0]).toBe('/users/{id}');
    expect(router.route('GET', '/users//files').kind).toBe('not-found');
  });
});

describe('a large spec (generated here: 3,000 operations)', () => {
  // How fast it compiles and routes is measured by the bench (`node bench/run.mjs --only budgets`).
  it('compiles every operation and routes each template to its operation', () => {
    const paths: Record<string, unknown> = {};
    const schemas: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) {
      schemas[`Thing${i}`] = {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string' },
          next: { $ref: `#/components/schemas/Thing${(i + 1) % 1000}` },
        },
      };
      const ok = {
        '200': {
          description: 'ok',
          content: { 'application/json': { schema: { $ref: `#/components/schemas/Thing${i}` } } },
        },
      };
      paths[`/r${i}`] = { get: op(ok), post: op(ok) };
      paths[`/r${i}/{id}/items/{item}`] = { get: op(ok) };
    }
    const large = {
      openapi: '3.1.0',
      info: { title: 'Large', version: '1' },
      paths,
      components: { schemas },
    };
    const spec = new CompiledSpec({
      file: 'large.json',
      document: large,
      dialect: 'openapi-3.1',
      files: [],
    });
    expect(spec.model.operations).toHaveLength(3000);
    for (let i = 0; i < 10_000; i++) {
      const r = spec.router.route('GET', `/r${i % 1000}/x/items/y`);
      if (r.kind !== 'operation') throw new Error(`no route for /r${i % 1000}/x/items/y`);
      expect(r.params).toEqual({ id: 'x', item: 'y' });
    }
  });
});
