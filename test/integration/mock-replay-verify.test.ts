import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cassetteStore } from '../../src/app/compose/compose.js';
import { loadCompiledSpec } from '../../src/app/compose/spec.js';
import { resolveConfig } from '../../src/app/config/config.js';
import { checkResponseAgainstSpec, verifyAgainstSpec } from '../../src/app/mock/spec.js';
import { renderCoverage } from '../../src/core/mock/openapi/coverage.js';
import { runCleanups } from '../helpers/cleanup.js';
import { header, send } from '../helpers/client.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { SPECS } from './mock-support.js';

afterEach(runCleanups);

const PETSTORE = join(SPECS, 'petstore-3.0.yaml');

interface Exchange {
  method: string;
  path: string;
  query?: Record<string, string>;
  requestHeaders?: Record<string, string>;
  requestBody?: unknown;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function interaction(x: Exchange) {
  return {
    latencyMs: 5,
    recordedAt: '2026-01-01T00:00:00.000Z',
    request: {
      method: x.method,
      path: x.path,
      query: x.query ?? {},
      headers: x.requestHeaders ?? {},
      ...(x.requestBody === undefined ? {} : { body: { encoding: 'json', json: x.requestBody } }),
    },
    response: {
      status: x.status,
      headers: x.headers ?? (x.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(x.body === undefined ? {} : { body: { encoding: 'json', json: x.body } }),
    },
  };
}

async function writeCassette(dir: string, name: string, exchanges: readonly Exchange[]) {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, `${name}.json`),
    `${JSON.stringify({ version: 1, interactions: exchanges.map(interaction) }, null, 2)}\n`,
  );
}

const GOOD: Exchange[] = [
  {
    method: 'GET',
    path: '/v1/pets/1',
    status: 200,
    body: { id: 1, name: 'Recorded Rex', species: 'dog' },
  },
  {
    method: 'GET',
    path: '/v1/pets',
    query: { limit: '2' },
    status: 200,
    headers: { 'content-type': 'application/json', 'x-rate-limit-remaining': '10' },
    body: [],
  },
];

describe('replay --spec', () => {
  it('answers from cassettes first, then from the spec, each marked, and counts spec answers', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    await writeCassette(dirs.cassettes, 'pets', GOOD);
    const replay = await startTapedeck('replay', {
      ...dirs,
      flags: [{ pointer: '/replay/spec', value: PETSTORE, flag: '--spec' }],
    });
    const recorded = await send(replay.url, '/v1/pets/1');
    expect(header(recorded.headers, 'x-tapedeck-layer')).toBe('cassette');
    expect((recorded.json() as { name: string }).name).toBe('Recorded Rex');
    const fromSpec = await send(replay.url, '/v1/pets/7', { headers: { 'x-api-key': 'k' } });
    expect(fromSpec.status).toBe(200);
    expect(header(fromSpec.headers, 'x-tapedeck-layer')).toBe('spec');
    expect(fromSpec.json()).toEqual({ id: 7, name: 'Fido', species: 'dog', status: 'pending' });
    // Not in the spec: the miss layer explains it against the recordings.
    const miss = await send(replay.url, '/v1/unknown');
    expect(miss.status).toBe(599);
    expect(header(miss.headers, 'x-tapedeck-layer')).toBe('miss');
    const summary = await replay.stop();
    expect((summary as { byLayer: Record<string, number> }).byLayer).toEqual({
      cassette: 1,
      spec: 1,
      miss: 1,
    });
  });

  it("resolves replay.spec in a config file against the config file's folder", async () => {
    const root = await tmpDir();
    await mkdir(join(root, 'project', 'api'), { recursive: true });
    await writeFile(join(root, 'project', 'api', 'spec.yaml'), 'openapi: 3.0.3\n');
    await writeFile(
      join(root, 'project', 'tapedeck.config.json'),
      JSON.stringify({ replay: { spec: 'api/spec.yaml' }, mock: { seed: '9' } }),
    );
    const { config } = resolveConfig({ cwd: join(root, 'project'), env: {}, flags: [] });
    expect(config.replay.spec).toBe(join(root, 'project', 'api', 'spec.yaml'));
    expect(config.mock).toEqual({ seed: '9', security: true, validateRequests: true });
  });

  it('refuses to start when the spec does not load', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    await writeCassette(dirs.cassettes, 'pets', GOOD);
    await expect(
      startTapedeck('replay', {
        ...dirs,
        flags: [{ pointer: '/replay/spec', value: join(SPECS, 'broken-ref.yaml'), flag: '--spec' }],
      }),
    ).rejects.toMatchObject({ code: 'TD_SPEC_INVALID' });
  });
});

describe('verify --spec', () => {
  it('finds every planted contradiction with cassette, interaction and pointer, and reports coverage', async () => {
    const root = await tmpDir();
    const cassettes = join(root, 'cassettes');
    await writeCassette(cassettes, 'good', GOOD);
    await writeCassette(cassettes, 'planted', [
      // 0: undocumented path
      { method: 'GET', path: '/v1/kennels', status: 200, body: {} },
      // 1: status not documented (getPet has 200 and 404, no default)
      { method: 'GET', path: '/v1/pets/2', status: 500, body: { title: 'x', status: 500 } },
      // 2: body invalid: species not in the enum, id a string, name missing
      { method: 'GET', path: '/v1/pets/3', status: 200, body: { id: 'three', species: 'cow' } },
      // 3: content type not documented
      {
        method: 'GET',
        path: '/v1/pets/4',
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: { id: 4, name: 'A', species: 'cat' },
      },
      // 4: request invalid (limit above maximum), response header required but missing
      {
        method: 'GET',
        path: '/v1/pets',
        query: { limit: '500' },
        status: 200,
        body: [],
      },
      // 5: request body invalid
      {
        method: 'POST',
        path: '/v1/pets',
        requestHeaders: { 'content-type': 'application/json' },
        requestBody: { name: 'Rex' },
        status: 201,
        body: { id: 9, name: 'Rex', species: 'dog' },
      },
      // 6: method not documented
      { method: 'PATCH', path: '/v1/pets/5', status: 200, body: {} },
    ]);
    const spec = await loadCompiledSpec(PETSTORE);
    const { cassettes: loaded } = await cassetteStore(cassettes, true).loadAll();
    const report = verifyAgainstSpec(loaded, spec, cassettes, 'petstore-3.0.yaml', process.cwd());
    const found = report.problems.map((p) => `${p.cassette} ${p.pointer} ${p.code}`);
    expect(found.filter((p) => p.startsWith('good'))).toEqual([]);
    expect(found).toEqual(
      expect.arrayContaining([
        'planted /interactions/0/request/path spec/operation',
        'planted /interactions/1/response/status spec/response',
        'planted /interactions/2/response/body/json/id spec/response',
        'planted /interactions/2/response/body/json/species spec/response',
        'planted /interactions/2/response/body/json/name spec/response',
        'planted /interactions/3/response/headers/content-type spec/response',
        'planted /interactions/4/request/query/limit spec/request',
        'planted /interactions/4/response/headers/x-rate-limit-remaining spec/response',
        'planted /interactions/5/request/body/json/species spec/request',
        'planted /interactions/6/request/method spec/operation',
      ]),
    );
    expect(found).toHaveLength(10);
    expect(report.problems[0]!.file).toContain('planted.json');

    const rows = new Map(report.coverage.rows.map((r) => [r.operation, r]));
    expect(rows.get('getPet')!.recorded).toBe(4);
    expect(rows.get('getPet')!.responses).toEqual([
      { status: '200', recorded: 3 },
      { status: '404', recorded: 0 },
    ]);
    expect(rows.get('deletePet')!.recorded).toBe(0);
    expect(report.coverage.operations).toBe(6);
    expect(report.coverage.operationsRecorded).toBe(3);
    const table = renderCoverage(report.coverage);
    expect(table).toContain('GET /pets/{petId}');
    expect(table).toMatch(/coverage: 3\/6 operation\(s\)/);
  });

  it('holds redacted strings to satisfy pattern, format and length, and nothing else', async () => {
    const root = await tmpDir();
    const cassettes = join(root, 'cassettes');
    const token = 'tdp_abcdefghijklmnopqrstuvwx';
    await writeCassette(cassettes, 'redacted', [
      {
        method: 'GET',
        path: `/v1/owners/${token}/pets/1`,
        requestHeaders: { cookie: 'session=[REDACTED]' },
        status: 200,
        body: { id: token, pets: [] },
      },
      {
        method: 'GET',
        path: '/v1/pets',
        requestHeaders: { 'x-request-id': '[REDACTED]' },
        status: 200,
        headers: { 'content-type': 'application/json', 'x-rate-limit-remaining': '1' },
        body: [
          {
            id: 1,
            name: `[REDACTED]${'x'.repeat(40)}`,
            species: '[REDACTED]',
            email: 'td-0123456789@example.com',
            tags: [token, `a ${token}`],
          },
        ],
      },
    ]);
    const spec = await loadCompiledSpec(PETSTORE);
    const { cassettes: loaded } = await cassetteStore(cassettes, true).loadAll();
    const report = verifyAgainstSpec(loaded, spec, cassettes, 'petstore-3.0.yaml', process.cwd());
    // The redacted species still contradicts the enum: an enum is not a string constraint.
    expect(report.problems.map((p) => `${p.pointer} ${p.message}`)).toEqual([
      '/interactions/1/response/body/json/0/species listPets: must be one of "cat", "dog", "bird"',
    ]);
  });

  it('checkResponseAgainstSpec says whether one response violates the spec', async () => {
    const spec = await loadCompiledSpec(PETSTORE);
    const request = { method: 'GET', path: '/v1/pets/1' };
    expect(
      checkResponseAgainstSpec(spec, request, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'json', json: { id: 1, name: 'Rex', species: 'dog' } },
      }),
    ).toEqual([]);
    expect(
      checkResponseAgainstSpec(spec, request, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'json', json: { id: 1, name: 'Rex', species: 'dog', status: 'lost' } },
      }),
    ).toEqual([
      { pointer: '/body/json/status', message: 'must be one of "available", "pending", "sold"' },
    ]);
  });
});
