import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { UNNAMED_PATH } from '../../src/app/pipeline/run.js';
import { SHOP_SCHEMA_FILE } from '../fixtures/graphql/requests.js';
import { runCleanups } from '../helpers/cleanup.js';
import { header, send } from '../helpers/client.js';
import { SPECS, startMock } from './mock-support.js';

afterEach(runCleanups);

const PETSTORE = join(SPECS, 'petstore-3.0.yaml');
const KEY = { 'x-api-key': 'test-key' };

interface Entry {
  layer: string;
  method: string;
  path: string;
  status: number;
}

describe('tapedeck mock: the admin layer in front of the spec', () => {
  it('answers health with mode mock and the spec it serves', async () => {
    const { url } = await startMock(PETSTORE);
    const health = await send(url, '/__tapedeck/health');
    expect(health.status).toBe(200);
    expect(header(health.headers, 'x-tapedeck-layer')).toBe('admin');
    expect(health.json()).toEqual({
      status: 'ok',
      mode: 'mock',
      spec: expect.stringContaining('operation(s)') as string,
    });
  });

  it('journals spec answers by documented path template, never the request path', async () => {
    const { url } = await startMock(PETSTORE);
    expect((await send(url, '/v1/pets/7', { headers: KEY })).status).toBe(200);
    expect((await send(url, '/v1/pets?limit=0', { headers: KEY })).status).toBe(400);
    // An undocumented path may carry anything (a key): the journal does not show it.
    expect((await send(url, '/v1/nope/sk_live_0123456789abcdef0123')).status).toBe(404);
    const journal = await send(url, '/__tapedeck/journal?limit=10');
    expect(journal.status).toBe(200);
    const { entries } = journal.json() as { entries: Entry[] };
    expect(entries.map((e) => `${e.layer} ${e.method} ${e.path} ${e.status}`)).toEqual([
      `spec GET ${UNNAMED_PATH} 404`,
      'spec GET /pets 400',
      'spec GET /pets/{petId} 200',
    ]);
    expect(journal.text()).not.toContain('sk_live');
    // Nothing is kept across restarts: the mock has no state directory.
    expect((await send(url, '/__tapedeck/journal?kept=1')).json()).toEqual({ entries: [] });
  });

  it('sums up answers by outcome, the admin calls counted as served', async () => {
    const { url, server } = await startMock(PETSTORE);
    await send(url, '/v1/pets/7', { headers: KEY });
    await send(url, '/v1/pets/7');
    await send(url, '/__tapedeck/health');
    const summary = (await send(url, '/__tapedeck/summary')).json();
    // The summary route answers before it is counted itself.
    expect(summary).toEqual({
      served: 3,
      byOutcome: { example: 1, unauthorized: 1 },
      reloads: 0,
      reloadFailures: 0,
    });
    expect(server.summary().served).toBe(4);
  });

  it('needs the admin token when one is configured; errors are problem+json', async () => {
    const token = 'admin-token-0123456789abcdef';
    const { url } = await startMock(PETSTORE, {
      flags: [{ pointer: '/admin/token', value: token, flag: 'test' }],
    });
    const refused = await send(url, '/__tapedeck/health');
    expect(refused.status).toBe(401);
    expect(header(refused.headers, 'content-type')).toBe('application/problem+json');
    expect(refused.json()).toMatchObject({ status: 401, code: 'TD_BAD_REQUEST' });
    const auth = { authorization: `Bearer ${token}` };
    expect((await send(url, '/__tapedeck/health', { headers: auth })).json()).toMatchObject({
      mode: 'mock',
    });
    // The spec answers without the admin token.
    expect((await send(url, '/v1/pets/7', { headers: KEY })).status).toBe(200);
    const unknown = await send(url, '/__tapedeck/reset', { method: 'POST', headers: auth });
    expect(unknown.status).toBe(404);
    expect(header(unknown.headers, 'content-type')).toBe('application/problem+json');
    // The mock has no recorded sequences to rewind: reset is not one of its endpoints.
    expect(unknown.json()).toMatchObject({
      status: 404,
      endpoints: ['GET health', 'GET summary', 'GET journal?limit=N', 'GET metrics'],
    });
  });

  it('names an unknown admin endpoint only when it looks like one; never echoes a key-like path', async () => {
    const { url } = await startMock(PETSTORE);
    const plain = await send(url, '/__tapedeck/statistics');
    expect(plain.status).toBe(404);
    expect(plain.json()).toMatchObject({ title: 'No admin endpoint GET statistics.' });
    // The admin layer runs before any redaction, and the mock has none: nothing to scrub with.
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const keyed = await send(url, `/__tapedeck/${secret}`);
    expect(keyed.status).toBe(404);
    expect(keyed.text()).not.toContain(secret);
    expect(keyed.json()).toMatchObject({ title: 'No admin endpoint GET (this path).' });
  });

  it('puts the admin layer in front of a GraphQL schema too', async () => {
    const { url } = await startMock(fileURLToPath(SHOP_SCHEMA_FILE));
    expect((await send(url, '/__tapedeck/health')).json()).toEqual({
      status: 'ok',
      mode: 'mock',
      spec: 'GraphQL schema',
    });
    const answer = await send(url, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(answer.status).toBe(200);
    const { entries } = (await send(url, '/__tapedeck/journal')).json() as { entries: Entry[] };
    expect(entries.map((e) => `${e.layer} ${e.method} ${e.path} ${e.status}`)).toEqual(
      // Newest first.
      ['spec POST /graphql 200', 'admin GET /__tapedeck/health 200'],
    );
  });
});
