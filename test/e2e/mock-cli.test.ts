import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { runCliToEnd, startServerCli, type CliRun } from '../helpers/cli.js';
import { header, send } from '../helpers/client.js';
import { tempDir } from '../helpers/tmp.js';

// Runs the built CLI: `npm run build` first (npm test does).
afterEach(runCleanups);

const SPECS = fileURLToPath(new URL('../fixtures/specs/', import.meta.url));

async function stop(run: CliRun): Promise<number | null> {
  run.child.kill('SIGINT');
  return run.exited;
}

describe('tapedeck mock (built CLI)', () => {
  it('serves a spec, answers with the spec layer, and prints a summary on Ctrl-C', async () => {
    const cwd = tempDir();
    const { run, url } = await startServerCli(
      ['mock', join(SPECS, 'petstore-3.0.yaml'), '--port', '0', '--seed', '7'],
      { cwd },
    );
    const pet = await send(url, '/v1/pets/7', { headers: { 'x-api-key': 'k' } });
    expect(pet.status).toBe(200);
    expect(header(pet.headers, 'x-tapedeck-layer')).toBe('spec');
    const invalid = await send(url, '/v1/pets?limit=0', { headers: { 'x-api-key': 'k' } });
    expect(invalid.status).toBe(400);
    expect(header(invalid.headers, 'content-type')).toBe('application/problem+json');
    expect(await stop(run)).toBe(0);
    expect(run.stderr).toMatch(
      /tapedeck mock summary: 2 request\(s\) served \(example 1, invalid 1\)/,
    );
  });

  it('serves the admin endpoints in front of the spec, journals answers, and counts them on Ctrl-C', async () => {
    const cwd = tempDir();
    const { run, url } = await startServerCli(
      ['mock', join(SPECS, 'petstore-3.0.yaml'), '--port', '0'],
      { cwd, env: { TAPEDECK_ADMIN_TOKEN: 'admin-token-0123456789abcdef' } },
    );
    const auth = { authorization: 'Bearer admin-token-0123456789abcdef' };
    expect((await send(url, '/__tapedeck/health')).status).toBe(401);
    const health = await send(url, '/__tapedeck/health', { headers: auth });
    expect(health.json()).toMatchObject({ status: 'ok', mode: 'mock' });
    expect((await send(url, '/v1/pets/7', { headers: { 'x-api-key': 'k' } })).status).toBe(200);
    const journal = (await send(url, '/__tapedeck/journal', { headers: auth })).json() as {
      entries: { layer: string; path: string; status: number }[];
    };
    expect(journal.entries.map((e) => `${e.layer} ${e.path} ${e.status}`)).toEqual([
      'spec /pets/{petId} 200',
      'admin /__tapedeck/health 200',
      'admin /__tapedeck/health 401',
    ]);
    const summary = (await send(url, '/__tapedeck/summary', { headers: auth })).json();
    expect(summary).toMatchObject({ served: 4, byOutcome: { example: 1 } });
    expect(await stop(run)).toBe(0);
    expect(run.stderr).toMatch(/tapedeck mock summary: 5 request\(s\) served \(example 1\)\n/);
  });

  it('--json prints the listening line as JSON', async () => {
    const cwd = tempDir();
    const { runCli } = await import('../helpers/cli.js');
    const run = runCli(['mock', join(SPECS, 'store-3.1.json'), '--port', '0', '--json'], { cwd });
    const m = await run.waitFor(/\{"event":"listening".*\}\n/);
    const line = JSON.parse(m[0]) as { kind: string; url: string; description: string };
    expect(line.kind).toBe('mock');
    expect(line.description).toContain('3 operation(s)');
    expect(await stop(run)).toBe(0);
  });

  it('--watch: a broken edit keeps the last good spec serving and logs why; a fixed edit reloads', async () => {
    const cwd = tempDir();
    const spec = join(cwd, 'api.yaml');
    copyFileSync(join(SPECS, 'petstore-3.0.yaml'), spec);
    const { run, url } = await startServerCli(
      ['mock', spec, '--port', '0', '--watch', '--no-security'],
      { cwd },
    );
    expect((await send(url, '/v1/pets/7')).status).toBe(200);
    const good = readFileSync(spec, 'utf8');
    writeFileSync(
      spec,
      good.replace("$ref: '#/components/schemas/Owner'", "$ref: '#/components/schemas/Ownr'"),
    );
    await run.waitForStderr(/mock\.reload_failed|does not load/);
    expect(run.stderr).toContain('api.yaml');
    expect(run.stderr).toContain('#/components/schemas/Ownr');
    expect((await send(url, '/v1/pets/7')).status).toBe(200);
    writeFileSync(spec, good.replace('/pets/mine:', '/pets/ours:'));
    await run.waitForStderr(/Reloaded/);
    expect((await send(url, '/v1/pets/ours')).status).toBe(200);
    expect(await stop(run)).toBe(0);
    expect(run.stderr).toMatch(/1 reload\(s\), 1 failed/);
  });

  it('dispatches a GraphQL schema to the GraphQL mock', async () => {
    const cwd = tempDir();
    const schema = fileURLToPath(new URL('../fixtures/graphql/shop.graphql', import.meta.url));
    const { run, url } = await startServerCli(['mock', schema, '--port', '0'], { cwd });
    const r = await send(url, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ data: { __typename: 'Query' } });
    expect(header(r.headers, 'x-tapedeck-layer')).toBe('spec');
    expect(await stop(run)).toBe(0);
  });

  it('refuses a broken spec with exit 2, naming the file and the pointer', async () => {
    const cwd = tempDir();
    const result = await runCliToEnd(['mock', join(SPECS, 'broken-ref.yaml'), '--port', '0'], {
      cwd,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('broken-ref.yaml');
    expect(result.stderr).toContain(
      '/paths/~1things/get/responses/200/content/application~1json/schema/$ref',
    );
    expect(result.stderr).toContain('[TD_SPEC_INVALID]');
  });
});

describe('verify --spec and replay --spec (built CLI)', () => {
  function cassettes(cwd: string): void {
    const dir = join(cwd, 'cassettes');
    mkdirSync(dir, { recursive: true });
    const interaction = (path: string, status: number, json: unknown) => ({
      latencyMs: 1,
      recordedAt: '2026-01-01T00:00:00.000Z',
      request: { method: 'GET', path, query: {}, headers: {} },
      response: {
        status,
        headers: { 'content-type': 'application/json' },
        body: { encoding: 'json', json },
      },
    });
    writeFileSync(
      join(dir, 'pets.json'),
      JSON.stringify({
        version: 1,
        interactions: [
          interaction('/v1/pets/1', 200, { id: 1, name: 'Rex', species: 'dog' }),
          interaction('/v1/pets/2', 200, { id: 2, name: 'Tom', species: 'fish' }),
        ],
      }),
    );
  }

  it('verify --spec exits 1 on a contradiction, naming cassette, interaction and pointer, with coverage', async () => {
    const cwd = tempDir();
    cassettes(cwd);
    const text = await runCliToEnd(['verify', '--spec', join(SPECS, 'petstore-3.0.yaml')], { cwd });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('at /interactions/1/response/body/json/species');
    expect(text.stdout).toMatch(/GET \/pets\/\{petId\}\s+2\s+✓200 ·404/);
    expect(text.stdout).toMatch(/coverage: 1\/6 operation\(s\)/);
    const json = await runCliToEnd(
      ['verify', '--spec', join(SPECS, 'petstore-3.0.yaml'), '--json'],
      { cwd },
    );
    const report = JSON.parse(json.stdout) as {
      ok: boolean;
      problems: { cassette: string; pointer: string; code: string }[];
      spec: { coverage: { operationsRecorded: number } };
    };
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        cassette: 'pets',
        pointer: '/interactions/1/response/body/json/species',
        code: 'spec/response',
      }),
    ]);
    expect(report.spec.coverage.operationsRecorded).toBe(1);
  });

  it('replay --spec answers unrecorded requests from the spec and counts them in the summary', async () => {
    const cwd = tempDir();
    cassettes(cwd);
    const { run, url } = await startServerCli(
      ['replay', '--port', '0', '--spec', join(SPECS, 'petstore-3.0.yaml')],
      { cwd },
    );
    expect(header((await send(url, '/v1/pets/1')).headers, 'x-tapedeck-layer')).toBe('cassette');
    const spec = await send(url, '/v1/pets/3', { headers: { 'x-api-key': 'k' } });
    expect(header(spec.headers, 'x-tapedeck-layer')).toBe('spec');
    expect(await stop(run)).toBe(0);
    expect(run.stderr).toMatch(/2 request\(s\) served \(cassette 1, spec 1\)/);
  });
});
