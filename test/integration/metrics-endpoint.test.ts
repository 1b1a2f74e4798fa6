/**
 * GET /__tapedeck/metrics after real requests, read by a real Prometheus text parser: the
 * duration histogram's buckets add up, its labels are bounded (a route template, never a path
 * or an id), the tenant is a label only when `metrics.tenantLabel` is on, and the log line of
 * each answer names its request and tenant and never the tenant's key.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { find, parseFamilies, samples, type Sample } from '../helpers/prometheus.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';

const FORM = 'application/x-www-form-urlencoded';
const HISTOGRAM = 'http_server_request_duration_seconds';

interface Traffic {
  readonly key: string;
  readonly customer: string;
  readonly requestIds: string[];
}

/** A tenant's requests: a create, two reads of it, a read of a customer that is not there. */
async function drive(sandbox: RunningSandbox, name: string): Promise<Traffic> {
  const key = await sandbox.createTenant(name);
  const headers = { authorization: `Bearer ${key}` };
  const requestIds: string[] = [];
  const send = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': FORM },
      ...(body === undefined ? {} : { body }),
    });
    requestIds.push(response.headers.get('request-id') ?? '');
    return { status: response.status, json: (await response.json()) as { id?: string } };
  };
  const created = await send('POST', '/v1/customers', 'email=metrics%40example.com');
  expect(created.status).toBe(200);
  const customer = created.json.id!;
  expect((await send('GET', `/v1/customers/${customer}`)).status).toBe(200);
  expect((await send('GET', `/v1/customers/${customer}`)).status).toBe(200);
  expect((await send('GET', '/v1/customers/cus_NotThere12345')).status).toBe(404);
  return { key, customer, requestIds };
}

async function scrape(sandbox: RunningSandbox): Promise<{ text: string; all: Sample[] }> {
  const response = await sandbox.admin('GET', 'metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  return { text, all: samples(text) };
}

/** Each series' buckets never fall, and +Inf is its count. */
function checkBuckets(all: readonly Sample[]): void {
  const counts = find(all, `${HISTOGRAM}_count`);
  expect(counts.length).toBeGreaterThan(0);
  for (const count of counts) {
    const buckets = find(all, `${HISTOGRAM}_bucket`, count.labels);
    expect(buckets).toHaveLength(15); // 14 advised bounds and +Inf
    for (let i = 1; i < buckets.length; i++) {
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    }
    expect(buckets[buckets.length - 1]!.labels['le']).toBe('+Inf');
    expect(buckets[buckets.length - 1]!.value).toBe(count.value);
  }
}

describe('GET /__tapedeck/metrics in the sandbox', () => {
  let sandbox: RunningSandbox;
  let traffic: Traffic;

  beforeAll(async () => {
    sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
    traffic = await drive(sandbox, 'acme');
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('needs the admin token, as the other admin routes do', async () => {
    const anonymous = await fetch(`${sandbox.url}/__tapedeck/metrics`);
    expect(anonymous.status).toBe(401);
    const byTenant = await fetch(`${sandbox.url}/__tapedeck/metrics`, {
      headers: { authorization: `Bearer ${traffic.key}` },
    });
    expect(byTenant.status).toBe(401);
  });

  it('counts every answer by method, route template, status and layer', async () => {
    const { text, all } = await scrape(sandbox);
    const types = Object.fromEntries(parseFamilies(text).map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      [HISTOGRAM]: 'HISTOGRAM',
      tapedeck_misses_total: 'COUNTER',
      tapedeck_scenarios_fired_total: 'COUNTER',
      tapedeck_webhook_attempts_total: 'COUNTER',
      tapedeck_idempotent_replays_total: 'COUNTER',
      tapedeck_build_info: 'GAUGE',
    });
    checkBuckets(all);
    const count = (labels: Record<string, string>) =>
      find(all, `${HISTOGRAM}_count`, labels).reduce((n, s) => n + s.value, 0);
    expect(
      count({
        http_request_method: 'GET',
        http_route: '/v1/customers/{customer}',
        http_response_status_code: '200',
        tapedeck_layer: 'state',
      }),
    ).toBe(2);
    expect(
      count({ http_request_method: 'POST', http_route: '/v1/customers', tapedeck_layer: 'state' }),
    ).toBe(1);
    expect(
      count({ http_route: '/v1/customers/{customer}', http_response_status_code: '404' }),
    ).toBe(1);
    // The admin call that made the tenant, by its endpoint's template.
    expect(count({ http_request_method: 'POST', http_route: '/__tapedeck/tenants' })).toBe(1);
    // The two refused scrapes above (when that test ran first) and no others: this scrape is
    // counted after it is rendered.
    expect(count({ http_route: '/__tapedeck/metrics', http_response_status_code: '200' })).toBe(0);
  });

  it('puts no path, id or key in any label, and no tenant label unless asked', async () => {
    const { all } = await scrape(sandbox);
    const values = all.flatMap((s) => Object.values(s.labels));
    for (const value of values) {
      expect(value).not.toContain(traffic.customer);
      expect(value).not.toContain('cus_NotThere12345');
      expect(value).not.toContain(traffic.key);
    }
    const routes = new Set(find(all, `${HISTOGRAM}_count`).map((s) => s.labels['http_route']));
    for (const route of routes) expect(route).toMatch(/^(unmatched|\/[\w/{}-]*)$/);
    expect(all.some((s) => 'tapedeck_tenant' in s.labels)).toBe(false);
  });

  it('logs each answer at debug with its request id and tenant, and never the key', async () => {
    const lines = sandbox.logger.lines.filter((l) => l.event === 'sandbox.request');
    const mine = lines.filter((l) => traffic.requestIds.includes(l.fields['requestId'] as string));
    expect(mine).toHaveLength(4);
    const listed = (await (await sandbox.admin('GET', 'tenants')).json()) as {
      tenants: { id: string; name: string }[];
    };
    const tenant = listed.tenants.find((t) => t.name === 'acme');
    expect(tenant?.id).toMatch(/\S/);
    for (const line of mine) {
      expect(line.level).toBe('debug');
      expect(line.fields).toMatchObject({ tenant: tenant!.id, method: expect.any(String) });
      expect(line.fields['route'] ?? line.fields['path']).toBeDefined();
    }
    expect(mine.map((l) => l.fields['route'])).toEqual([
      '/v1/customers',
      '/v1/customers/{customer}',
      '/v1/customers/{customer}',
      '/v1/customers/{customer}',
    ]);
    expect(sandbox.logger.text()).not.toContain(traffic.key);
  });
});

describe('metrics.tenantLabel', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: stripeSpecFile(),
      profile: 'stripe',
      flags: [{ pointer: '/metrics/tenantLabel', value: true, flag: 'test' }],
    });
    await drive(sandbox, 'acme');
    await drive(sandbox, 'globex');
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('adds the tenant id as a label: one series per tenant, admin calls with none', async () => {
    const { all } = await scrape(sandbox);
    checkBuckets(all);
    const body = (await (await sandbox.admin('GET', 'tenants')).json()) as {
      tenants: { id: string }[];
    };
    const ids = body.tenants.map((t) => t.id).sort();
    expect(ids).toHaveLength(2);
    const reads = find(all, `${HISTOGRAM}_count`, {
      http_route: '/v1/customers/{customer}',
      http_response_status_code: '200',
    });
    expect(reads.map((s) => s.labels['tapedeck_tenant']).sort()).toEqual(ids);
    expect(reads.every((s) => s.value === 2)).toBe(true);
    const admin = find(all, `${HISTOGRAM}_count`, { tapedeck_layer: 'admin' });
    expect(admin.length).toBeGreaterThan(0);
    expect(admin.every((s) => s.labels['tapedeck_tenant'] === '')).toBe(true);
  });
});

describe('GET /__tapedeck/metrics in replay', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('counts misses (the miss layer) and serves the text without an admin token', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tapedeck-metrics-'));
    roots.push(root);
    mkdirSync(join(root, 'cassettes'));
    const replay = await startTapedeck('replay', layout(root));
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${replay.url}/users/${i}?token=abc`);
      expect(response.status).toBe(replay.config.replay.missStatus);
      await response.text();
    }
    const response = await fetch(`${replay.url}/__tapedeck/metrics`);
    expect(response.status).toBe(200);
    const all = samples(await response.text());
    expect(find(all, 'tapedeck_misses_total')[0]?.value).toBe(3);
    expect(
      find(all, `${HISTOGRAM}_count`, { http_route: 'unmatched', tapedeck_layer: 'miss' })[0]
        ?.value,
    ).toBe(3);
    checkBuckets(all);
    expect(all.flatMap((s) => Object.values(s.labels)).some((v) => v.includes('/users'))).toBe(
      false,
    );
    await replay.stop();
  });
});
