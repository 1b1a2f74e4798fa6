import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, closeGracefully, listen } from '../../src/adapters/http/node-server.js';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { adminLayer } from '../../src/app/layers/admin/index.js';
import { scenarioRoutes } from '../../src/app/layers/admin/scenarios.js';
import { runPipeline } from '../../src/app/pipeline/run.js';
import type { RuntimeState } from '../../src/core/ports/index.js';
import { firstKey, newTenant } from '../contract/tenant-store.contract.js';
import { FIXTURE_CATALOGUE } from '../fixtures/scenarios/catalogue.js';
import { CollectingLogger } from '../helpers/logger.js';
import { ManualTime } from '../helpers/manual-time.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'admin-0123456789abcdef0123456789abcdef';

// The scenario routes behind the admin layer on a real node:http server, over a SQLite state
// file: what D2's server mounts, without the rest of the sandbox.
describe('scenario admin routes', () => {
  let server: Server;
  let base: string;
  let state: RuntimeState;
  let changed: string[];
  const time = new ManualTime();

  beforeEach(async () => {
    state = openSqliteState(tempDir());
    changed = [];
    // Frozen at a known instant of its clock: arms carry the tenant's time.
    await state.tenants.create(
      newTenant('ten_1', 1000, {
        name: 'acme',
        clock: { offsetMs: 0, frozenAt: Date.UTC(2030, 0, 1) },
      }),
      firstKey('ten_1'),
    );
    await state.tenants.create(newTenant('ten_2', 1000, { name: 'other' }), firstKey('ten_2'));
    const routes = scenarioRoutes({
      catalogue: FIXTURE_CATALOGUE,
      state,
      clock: time,
      onChange: (tenant) => changed.push(tenant),
      bodyFormat: 'form',
    });
    const handler = runPipeline({
      layers: [adminLayer({ token: TOKEN, routes: [routes] })],
      clock: time,
      journal: { record: () => undefined },
      stats: { answered: () => undefined },
    });
    server = createHttpServer(handler, { maxBodyBytes: 1 << 20, logger: new CollectingLogger() });
    base = await listen(server, '127.0.0.1', 0);
  });

  afterEach(async () => {
    await closeGracefully(server, 100);
    await state.close();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token = TOKEN,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}/__tapedeck/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.headers.get('x-tapedeck-layer')).toBe('admin');
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('answers the catalogue with sources, as `tapedeck scenarios --json` renders it', async () => {
    const { status, json } = await call('GET', 'scenarios');
    expect(status).toBe(200);
    expect(json['format']).toBe(1);
    const scenarios = json['scenarios'] as { name: string; source: string; pointer: string }[];
    expect(scenarios.map((s) => s.name)).toEqual(FIXTURE_CATALOGUE.scenarios.map((s) => s.name));
    expect(scenarios[1]).toMatchObject({ source: 'preset:stripe', pointer: '/scenarios/0' });
    expect((json['magicValues'] as { where: string }[])[1]?.where).toBe(
      'form field payment_method',
    );
  });

  it('arms, lists, disarms by id and by scenario; tells the layer each time', async () => {
    const a = await call('POST', 'tenants/acme/scenarios', { scenario: 'card_declined', count: 2 });
    expect(a.status).toBe(201);
    expect(a.json).toEqual({
      id: expect.stringMatching(/^arm_[0-9a-f]{16}$/),
      scenario: 'card_declined',
      remaining: 2,
      armedAt: '2030-01-01T00:00:00.000Z',
    });
    const b = await call('POST', 'tenants/ten_1/scenarios', {
      scenario: 'card_declined',
      operation: 'POST /v1/payment_intents/{intent}/confirm',
    });
    expect(b.status).toBe(201);
    // `*` scenarios take any operation.
    expect(
      (
        await call('POST', 'tenants/acme/scenarios', {
          scenario: 'gateway_502',
          operation: 'GET /v1/charges',
        })
      ).status,
    ).toBe(201);
    expect(changed).toEqual(['ten_1', 'ten_1', 'ten_1']);

    const listed = await call('GET', 'tenants/acme/scenarios');
    expect(listed.status).toBe(200);
    expect(listed.json['tenant']).toBe('acme');
    expect((listed.json['armed'] as { id: string }[]).map((x) => x.id)).toEqual([
      a.json['id'],
      b.json['id'],
      expect.any(String),
    ]);
    expect((await call('GET', 'tenants/other/scenarios')).json['armed']).toEqual([]);

    expect(await call('DELETE', `tenants/acme/scenarios/${String(a.json['id'])}`)).toEqual({
      status: 200,
      json: { disarmed: 1 },
    });
    const again = await call('DELETE', `tenants/acme/scenarios/${String(a.json['id'])}`);
    expect(again.status).toBe(404);
    expect(again.json['field']).toBe('arm');
    // Another tenant cannot disarm acme's arm.
    expect((await call('DELETE', `tenants/other/scenarios/${String(b.json['id'])}`)).status).toBe(
      404,
    );
    expect(await call('DELETE', 'tenants/acme/scenarios?scenario=card_declined')).toEqual({
      status: 200,
      json: { disarmed: 1 },
    });
    expect((await call('GET', 'tenants/acme/scenarios')).json['armed']).toHaveLength(1);
    expect(await state.scenarios.armed('ten_1')).toHaveLength(1);
  });

  it('refuses an unknown scenario naming the known ones, and an operation not the scenario’s', async () => {
    const unknown = await call('POST', 'tenants/acme/scenarios', { scenario: 'card_decline' });
    expect(unknown.status).toBe(400);
    expect(unknown.json['code']).toBe('TD_BAD_REQUEST');
    expect(unknown.json['field']).toBe('scenario');
    expect(unknown.json['title']).toContain('There is no scenario "card_decline"');
    expect(unknown.json['title']).toContain('card_declined, insufficient_funds, gateway_502');

    const notArmable = await call('POST', 'tenants/acme/scenarios', {
      scenario: 'insufficient_funds',
    });
    expect(notArmable.status).toBe(400);
    expect(notArmable.json['title']).toBe(
      'Scenario "insufficient_funds" cannot be armed: it declares no {"armed": true} trigger. Armable scenarios: card_declined, gateway_502.',
    );

    const op = await call('POST', 'tenants/acme/scenarios', {
      scenario: 'card_declined',
      operation: 'GET /v1/customers',
    });
    expect(op.status).toBe(400);
    expect(op.json['field']).toBe('operation');
    expect(op.json['title']).toContain(
      'it applies to POST /v1/payment_intents, POST /v1/payment_intents/{intent}/confirm',
    );

    for (const count of [0, 1.5, '2'])
      expect(
        (await call('POST', 'tenants/acme/scenarios', { scenario: 'card_declined', count })).json[
          'field'
        ],
      ).toBe('count');
    expect((await call('POST', 'tenants/acme/scenarios', {})).json['field']).toBe('scenario');
    expect((await call('DELETE', 'tenants/acme/scenarios')).status).toBe(400);
    expect((await call('DELETE', 'tenants/acme/scenarios?scenario=nope')).status).toBe(400);
    expect((await call('GET', 'tenants/nobody/scenarios')).status).toBe(404);
    expect(await state.scenarios.armed('ten_1')).toEqual([]);
    expect(changed).toEqual([]);
  });

  it('needs the admin token', async () => {
    expect((await call('GET', 'scenarios', undefined, 'wrong')).status).toBe(401);
    expect(
      (await call('POST', 'tenants/acme/scenarios', { scenario: 'card_declined' }, 'wrong')).status,
    ).toBe(401);
    expect(await state.scenarios.armed('ten_1')).toEqual([]);
  });
});
