// Scenario 9 (sandbox): what the stateful sandbox costs per request, side by side with replay of
// the same routes, and (with --peers) with Mockoon's CRUD routes doing the same operations.
//
//   read    GET /v1/customers/ID   replay: the recorded answer; sandbox: the tenant's customer
//                                  read from SQLite state; Mockoon: its CRUD route's data bucket
//   create  POST /v1/customers     replay: the recorded answer; sandbox: a new customer written
//                                  in one transaction (form body, as the Stripe SDK sends it);
//                                  Mockoon: a new item in its data bucket (JSON body)
//
// The sandbox runs `tapedeck sandbox --spec stripe.json --profile stripe` on the vendored Stripe
// spec with a tenant created through the admin API; every request carries its key. Targets
// (issue 13): read ≥ 0.5× and create ≥ 0.25× replay's throughput, and ≥ 10× Mockoon's.
//
// Tenant resolution is measured apart, in process: the sandbox's tenant layer (credential from
// the Authorization header, admin-token and live-key checks, checksum, cached lookup) over the
// built dist/, per request, against the same loop with a layer that does nothing. Target ≤ 2 µs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as cassetteFormat from '../lib/cassette-format.mjs';
import { RESPONSE_HEADERS } from '../lib/fixtures.mjs';
import * as peers from '../lib/peers/index.mjs';
import {
  ADMIN_TOKEN,
  adminPost,
  createCustomer,
  customer,
  CUSTOMER_FORM,
  CUSTOMER_JSON,
  FORM,
  startSandbox,
  stripeSpec,
} from '../lib/sandbox.mjs';
import { startReplay, REPO_DIR } from '../lib/servers.mjs';
import { median } from '../lib/stats.mjs';
import {
  S,
  SERVER_CORE,
  work,
  raw,
  fmt,
  log,
  addRow,
  printSection,
  load,
  checkClean,
  pick,
  stopAll,
  peersMode,
  quick,
  reason,
} from '../lib/harness.mjs';

/** One cassette with the two routes the sandbox is driven on, as a recording would hold them. */
function writeReplayCassette(dir, id) {
  const at = '2024-06-15T08:30:00.000Z';
  const exchange = (request, json) => ({
    request: { query: {}, headers: { accept: 'application/json' }, ...request },
    response: { status: 200, headers: { ...RESPONSE_HEADERS }, body: { encoding: 'json', json } },
    latencyMs: 1.25,
    recordedAt: at,
  });
  const cassette = {
    version: cassetteFormat.CASSETTE_VERSION,
    meta: { description: 'sandbox benchmark routes', recordedWith: 'bench/run.mjs' },
    interactions: [
      exchange({ method: 'GET', path: `/v1/customers/${id}` }, customer(id)),
      exchange(
        {
          method: 'POST',
          path: '/v1/customers',
          headers: { accept: 'application/json', 'content-type': FORM },
          body: { encoding: 'text', text: CUSTOMER_FORM },
        },
        customer(id),
      ),
    ],
  };
  mkdirSync(join(dir, 'stripe'), { recursive: true });
  writeFileSync(join(dir, 'stripe', 'customers.json'), cassetteFormat.serializeCassette(cassette));
}

/** Mockoon CLI with one CRUD route on /v1/customers over a data bucket holding one customer. */
async function startMockoonCrud(dir, id) {
  const { createRequire } = await import('node:module');
  const { PEERS_MODULES } = await import('../lib/peers/common.mjs');
  const require = createRequire(join(PEERS_MODULES, 'noop.js'));
  const commons = require('@mockoon/commons');
  const { randomUUID } = await import('node:crypto');
  const env = commons.BuildEnvironment({
    hasDefaultRoute: false,
    hasContentTypeHeader: true,
    hasCorsHeaders: false,
  });
  env.uuid = randomUUID();
  env.name = 'tapedeck sandbox bench';
  env.hostname = '127.0.0.1';
  env.latency = 0;
  const bucket = commons.BuildDatabucket({
    name: 'customers',
    value: JSON.stringify([customer(id)]),
  });
  bucket.uuid = randomUUID();
  bucket.id = 'cust';
  env.data = [bucket];
  const route = commons.BuildCRUDRoute(true, { endpoint: 'v1/customers', databucketID: 'cust' });
  route.uuid = randomUUID();
  route.responses[0].uuid = randomUUID();
  route.responses[0].latency = 0;
  env.routes = [route];
  env.rootChildren = [{ type: 'route', uuid: route.uuid }];
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'environment.json'), JSON.stringify(env));
  return peers.mockoon.start({
    name: 'mockoon-crud',
    core: SERVER_CORE,
    dir,
    probePath: `/v1/customers/${id}`,
  });
}

/** The tenant layer per request, in process over dist/, against a layer that does nothing. */
async function tenantResolution() {
  const dist = (p) => join(REPO_DIR, 'dist', p);
  const { openMemoryState } = await import(dist('adapters/state/memory/index.js'));
  const { cachedResolver } = await import(dist('app/sandbox/resolver.js'));
  const { tenantLayer } = await import(dist('app/layers/tenant.js'));
  const { newKey, hashKey } = await import(dist('app/sandbox/keys.js'));
  const { PRESETS } = await import(dist('core/sandbox/profile/presets/index.js'));
  const { profileErrors } = await import(dist('core/sandbox/profile/answer.js'));
  const { LIVE_KEY_DETECTORS } = await import(dist('core/redaction/detectors.js'));
  const profile = PRESETS.stripe;
  const state = openMemoryState();
  const key = newKey(profile.credentials.keyPrefix);
  await state.tenants.create(
    {
      id: 'ten_bench',
      name: 'bench',
      createdAt: 1,
      lastUsedAt: 1,
      seedSet: 'empty',
      idSeed: 'bench',
      clock: { offsetMs: 0 },
    },
    { hash: hashKey(key), tenant: 'ten_bench', hint: key.slice(-4), createdAt: 1 },
  );
  const { systemClock: clock } = await import(dist('adapters/system/system.js'));
  const resolver = cachedResolver({
    tenants: state.tenants,
    clock,
    hashKey,
    defaults: { resources: 1, requestsPerDay: 1, bytes: 1 },
  });
  const layer = tenantLayer({
    profile,
    resolver,
    adminToken: ADMIN_TOKEN,
    errors: profileErrors(profile, undefined),
    liveDetectors: LIVE_KEY_DETECTORS,
  });
  const nothing = { name: 'nothing', handle: async () => undefined };
  let seen = 0;
  const context = {
    incoming: {
      method: 'GET',
      path: '/v1/customers/cus_x',
      rawQuery: '',
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    },
    setTenant: () => {
      seen++;
    },
  };
  const loop = async (l, n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await l.handle(context);
    return ((performance.now() - t0) * 1000) / n;
  };
  const n = quick ? 50_000 : 200_000;
  await loop(layer, n);
  await loop(nothing, n);
  const perCall = [];
  const base = [];
  for (let rep = 0; rep < S.reps; rep++) {
    perCall.push(await loop(layer, n));
    base.push(await loop(nothing, n));
  }
  if (seen === 0) throw new Error('tenant resolution: the layer never resolved the tenant');
  await resolver.close?.();
  await state.close?.();
  return { perCall, base };
}

export async function scenarioSandbox() {
  const section = 'sandbox';
  const dir = join(work, 'sandbox-http');
  mkdirSync(dir, { recursive: true });
  const spec = stripeSpec(dir);
  const cassettes = join(dir, 'cassettes');
  const recordedId = 'cus_BenchRecorded01';
  writeReplayCassette(cassettes, recordedId);
  const phases = { read: [], create: [] };
  const mockoonProblems = {};
  let mockoonError;
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    try {
      const replay = await startReplay({
        name: 'replay',
        core: SERVER_CORE,
        workDir: dir,
        cassettes,
      });
      servers.push(replay);
      const sandboxDir = join(dir, `sandbox-${rep}`);
      mkdirSync(sandboxDir, { recursive: true });
      const sandbox = await startSandbox(sandboxDir, spec, { core: SERVER_CORE });
      servers.push(sandbox);
      const { key } = await adminPost(sandbox.url, 'tenants', { name: 'bench' });
      const id = await createCustomer(sandbox.url, key);
      let mockoon;
      if (peersMode && mockoonError === undefined) {
        try {
          mockoon = await startMockoonCrud(join(dir, `mockoon-${rep}`), recordedId);
          servers.push(mockoon);
        } catch (error) {
          mockoonError = reason(error);
        }
      }
      const auth = { authorization: `Bearer ${key}` };
      const read = [
        {
          name: 'replay',
          url: replay.url,
          pids: [replay.pid],
          paths: [`/v1/customers/${recordedId}`],
        },
        {
          name: 'sandbox',
          url: sandbox.url,
          pids: [sandbox.pid],
          headers: auth,
          paths: [`/v1/customers/${id}`],
        },
      ];
      const post = (body, type) => [
        { method: 'POST', path: '/v1/customers', body, headers: { 'content-type': type } },
      ];
      const create = [
        {
          name: 'replay',
          url: replay.url,
          pids: [replay.pid],
          requests: post(CUSTOMER_FORM, FORM),
        },
        {
          name: 'sandbox',
          url: sandbox.url,
          pids: [sandbox.pid],
          headers: auth,
          requests: post(CUSTOMER_FORM, FORM),
        },
      ];
      if (mockoon) {
        read.push({
          name: 'mockoon',
          url: mockoon.url,
          pids: [mockoon.pid],
          paths: [`/v1/customers/${recordedId}`],
        });
        create.push({
          name: 'mockoon',
          url: mockoon.url,
          pids: [mockoon.pid],
          requests: post(CUSTOMER_JSON, 'application/json'),
        });
      }
      const tolerate = new Set(['mockoon']);
      for (const [phase, targets] of [
        ['read', read],
        ['create', create],
      ]) {
        const result = await load({
          targets,
          connections: 32,
          duration: S.duration,
          warmup: S.warmup,
          rotate: rep,
        });
        Object.assign(mockoonProblems, checkClean(result, phase, tolerate));
        phases[phase].push(result);
        const rates = Object.entries(result.targets).map(([k, t]) => `${k} ${fmt.int(t.rps)}`);
        log(`  rep ${rep + 1}/${S.reps} ${phase}: ${rates.join(', ')}`);
      }
    } finally {
      await stopAll(servers);
    }
  }
  const rps = (reps, name) => pick(reps, name, (t) => t.rps);
  for (const [phase, bar] of [
    ['read', 0.5],
    ['create', 0.25],
  ]) {
    addRow({
      section,
      scenario: `${phase}: sandbox vs replay of the same route`,
      metric: 'throughput',
      unit: 'req/s',
      values: rps(phases[phase], 'sandbox'),
      baselines: rps(phases[phase], 'replay'),
      baselineLabel: 'replay',
      target: `≥ ${bar}×`,
      check: (ratio) => ratio >= bar,
      show: fmt.int,
    });
    if (phases[phase][0]?.targets.mockoon) {
      addRow({
        section,
        scenario: `${phase}: sandbox vs Mockoon CRUD route`,
        metric: 'throughput',
        unit: 'req/s',
        values: rps(phases[phase], 'sandbox'),
        baselines: rps(phases[phase], 'mockoon'),
        baselineLabel: 'Mockoon CLI',
        target: '≥ 10×',
        check: (ratio) => ratio >= 10,
        show: fmt.int,
        note: mockoonProblems.mockoon,
      });
    }
  }
  if (peersMode && mockoonError !== undefined) log(`  Mockoon CRUD not measured: ${mockoonError}`);
  const { perCall, base } = await tenantResolution();
  const added = perCall.map((v, i) => v - base[i]);
  addRow({
    section,
    scenario: 'tenant resolution (tenant layer, cached key) per request',
    metric: 'added time',
    unit: 'µs',
    values: added,
    target: '≤ 2 µs',
    absolute: (v) => v <= 2,
    show: (v) => v.toFixed(2),
  });
  raw.scenarios.sandbox = {
    phases,
    tenantResolution: { perCallUs: perCall, baseUs: base, medianAddedUs: median(added) },
    mockoonError,
  };
  printSection(section);
}
