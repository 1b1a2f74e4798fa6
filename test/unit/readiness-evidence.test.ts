import { appendFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/adapters/spec/spec-loader.js';
import {
  contentHash,
  declaredRoutes,
  inputVersions,
  routeOf,
  specInput,
} from '../../src/app/readiness/evidence.js';
import { tempDir } from '../helpers/tmp.js';

const spec = {
  operations: [
    { id: 'listWidgets', method: 'get', path: '/widgets' },
    { id: 'getWidget', method: 'get', path: '/widgets/{id}' },
    { id: 'searchWidgets', method: 'get', path: '/widgets/search' },
  ],
} as unknown as Parameters<typeof declaredRoutes>[1];
const model = {
  routes: [
    { method: 'GET', path: '/widgets/{id}', operationId: 'getWidget' },
    { method: 'DELETE', path: '/widgets/{id}' },
  ],
} as unknown as Parameters<typeof declaredRoutes>[0];

describe('readiness evidence: naming what the journal did not', () => {
  const routes = declaredRoutes(model, spec);

  it('names each route once, as the journal does: operationId, else METHOD /template', () => {
    expect(routes.map((r) => r.operation)).toEqual([
      'listWidgets',
      'getWidget',
      'searchWidgets',
      'DELETE /widgets/{id}',
    ]);
  });

  it('matches a path to its template; the most literal route wins; others are unknown', () => {
    expect(routeOf(routes, 'GET', '/widgets/w_1?expand=x')?.operation).toBe('getWidget');
    expect(routeOf(routes, 'get', '/widgets/search')?.operation).toBe('searchWidgets');
    expect(routeOf(routes, 'DELETE', '/widgets/w_1')?.operation).toBe('DELETE /widgets/{id}');
    expect(routeOf(routes, 'POST', '/widgets/w_1')).toBeUndefined();
    expect(routeOf(routes, 'GET', '/widgets/')).toBeUndefined();
    expect(routeOf(routes, 'GET', '/widgets/w_1/parts')).toBeUndefined();
  });

  it('hashes inputs by their bytes, cassettes sorted by name', () => {
    const versions = inputVersions({
      spec: { name: 'widgets.json', bytes: new TextEncoder().encode('{}') },
      cassettes: [
        { name: 'b', bytes: new Uint8Array([2]) },
        { name: 'a', bytes: new Uint8Array([1]) },
      ],
      criteria: { name: 'defaults', hash: 'sha256:x' },
    });
    expect(versions.spec).toEqual({
      name: 'widgets.json',
      hash: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    });
    expect(versions.cassettes.map((c) => c.name)).toEqual(['a', 'b']);
    expect(versions.cassettes[0]!.hash).toBe(contentHash(new Uint8Array([1])));
  });
});

describe("the spec's version", () => {
  it('covers every file a multi-file spec reads: editing a referenced schema changes it', async () => {
    const dir = tempDir();
    cpSync(fileURLToPath(new URL('../fixtures/specs/multi', import.meta.url)), dir, {
      recursive: true,
    });
    const root = join(dir, 'openapi.yaml');
    const version = async () => {
      const loaded = await loadSpecFile(root);
      expect(loaded.files.length).toBeGreaterThan(1);
      return contentHash(specInput(root, loaded.files, (f) => readFileSync(f)).bytes);
    };
    const before = await version();
    expect(await version()).toBe(before);
    appendFileSync(join(dir, 'schemas', 'part.yaml'), '\n# edited\n');
    expect(await version()).not.toBe(before);
  });

  it('is the file itself for a one-file spec', () => {
    const bytes = new TextEncoder().encode('openapi: 3.1.0\n');
    const input = specInput('/x/spec.yaml', ['/x/spec.yaml'], () => bytes);
    expect(input).toEqual({ name: 'spec.yaml', bytes });
  });
});
