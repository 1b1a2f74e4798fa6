// Scenario 8 (sandbox-store): what the sandbox's SQLite storage costs per call, and whether it
// stays flat as the state file fills: `ResourceStore.page` (a Stripe list page, newest first,
// and a page after a cursor deep in the list), `get`, and a one-resource `apply`, on one tenant
// of a file holding TENANTS × RESOURCES resources, against one small tenant alone in its own
// file. The `resources_page` index (tenant, type, parent, deleted, seq) and the cached
// statements are what keep the ratio near 1.
//
// As a scenario (bench/run.mjs --only sandbox-store) it runs this same file as a worker on the
// server core; as a worker (`node bench/scenarios/sandbox.mjs '{"tenants":100,…}'`) it builds
// both files in a temp dir, times the calls in alternating chunks and prints one JSON line.
// Settings: BENCH_SANDBOX_TENANTS (100; 10 with --quick), BENCH_SANDBOX_RESOURCES (10,000),
// BENCH_SANDBOX_SMALL (100, the small tenant's resources).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const isWorker =
  process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;

/** One customer as the sandbox would store it (about 400 bytes of JSON). */
function customer(tenant, i) {
  const id = `cus_${tenant}_${String(i).padStart(6, '0')}`;
  return {
    type: 'customers',
    id,
    value: {
      id,
      object: 'customer',
      created: 1_700_000_000 + i,
      email: `user${i}@example.com`,
      livemode: false,
      metadata: { order: String(i), plan: i % 3 === 0 ? 'gold' : 'free' },
      name: `Customer ${i}`,
      description: 'x'.repeat(200),
    },
  };
}

async function fill(resources, tenants, tenant, count) {
  await tenants.create(
    {
      id: tenant,
      name: tenant,
      createdAt: 1,
      lastUsedAt: 1,
      seedSet: 'empty',
      idSeed: tenant,
      clock: { offsetMs: 0 },
    },
    { hash: `hash-${tenant}`, tenant, hint: '…', createdAt: 1 },
  );
  for (let from = 0; from < count; from += 1000) {
    const puts = [];
    for (let i = from; i < Math.min(count, from + 1000); i++) puts.push(customer(tenant, i));
    const result = await resources.apply(tenant, { puts, deletes: [] }, 1);
    if (!result.ok) throw new Error(JSON.stringify(result));
  }
}

async function worker({ tenants: tenantCount, resources: perTenant, small, reps, chunkMs }) {
  const { openSqliteState } = await import('../../dist/adapters/state/sqlite/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'tapedeck-sandbox-store-'));
  try {
    const bigState = openSqliteState(join(dir, 'big'));
    const smallState = openSqliteState(join(dir, 'small'));
    const t0 = performance.now();
    // Interleaved tenants, as a shared sandbox fills: rows of one tenant are far apart.
    for (let t = 0; t < tenantCount; t++)
      await fill(bigState.resources, bigState.tenants, `t${t}`, perTenant);
    const buildMs = performance.now() - t0;
    await fill(smallState.resources, smallState.tenants, 'solo', small);
    const bigTenant = `t${Math.floor(tenantCount / 2)}`;
    const targets = {
      big: { state: bigState, tenant: bigTenant, size: perTenant },
      small: { state: smallState, tenant: 'solo', size: small },
    };
    let created = 0;
    const ops = {
      'page (limit 10, newest first)': ({ state, tenant }) =>
        state.resources.page(tenant, { type: 'customers', order: 'desc', limit: 10 }),
      'page after a cursor (limit 10)': ({ state, tenant, size }) =>
        state.resources.page(tenant, {
          type: 'customers',
          order: 'desc',
          limit: 10,
          after: customer(tenant, Math.floor(size / 2)).id,
        }),
      'page filtered (livemode false, limit 10)': ({ state, tenant }) =>
        state.resources.page(tenant, {
          type: 'customers',
          order: 'desc',
          limit: 10,
          where: { livemode: false },
        }),
      get: ({ state, tenant, size }) =>
        state.resources.get(tenant, 'customers', customer(tenant, size - 1).id),
      'apply (create one)': ({ state, tenant }) =>
        state.resources.apply(
          tenant,
          { puts: [customer(tenant, 10_000_000 + created++)], deletes: [] },
          1,
        ),
    };
    // µs per call over a chunk of about chunkMs.
    const time = async (op, target) => {
      let n = 0;
      const started = performance.now();
      let now = started;
      while (now - started < chunkMs) {
        for (let i = 0; i < 50; i++) await op(target);
        n += 50;
        now = performance.now();
      }
      return ((now - started) * 1000) / n;
    };
    const perRep = [];
    for (let rep = 0; rep < reps; rep++) {
      const result = {};
      for (const [name, op] of Object.entries(ops)) {
        await time(op, targets.big);
        await time(op, targets.small);
        const a = [];
        const b = [];
        // ABBA: both files see the same moments of a noisy machine.
        for (let k = 0; k < 6; k++) {
          const order = k % 2 === 0 ? ['big', 'small'] : ['small', 'big'];
          for (const which of order) (which === 'big' ? a : b).push(await time(op, targets[which]));
        }
        a.sort((x, y) => x - y);
        b.sort((x, y) => x - y);
        result[name] = { bigUs: (a[2] + a[3]) / 2, smallUs: (b[2] + b[3]) / 2 };
      }
      perRep.push(result);
    }
    const bigMB = statSync(bigState.file).size / 2 ** 20;
    await bigState.close();
    await smallState.close();
    return { tenants: tenantCount, perTenant, small, buildMs, bigMB, perRep };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function scenarioSandboxStore() {
  const { runJson } = await import('../lib/proc.mjs');
  const { quick, S, SERVER_CORE, raw, fmt, log, addRow, printSection, envNumber } =
    await import('../lib/harness.mjs');
  const section = 'sandbox-store';
  const settings = {
    tenants: envNumber('BENCH_SANDBOX_TENANTS', quick ? 10 : 100),
    resources: envNumber('BENCH_SANDBOX_RESOURCES', 10_000),
    small: envNumber('BENCH_SANDBOX_SMALL', 100),
    reps: S.reps,
    chunkMs: quick ? 40 : 100,
  };
  const result = await runJson({
    name: 'sandbox-store',
    core: SERVER_CORE,
    args: [SELF, JSON.stringify(settings)],
  });
  raw.scenarios.sandboxStore = result;
  const label = `${fmt.int(result.tenants)} tenants × ${fmt.int(result.perTenant)} resources`;
  for (const name of Object.keys(result.perRep[0])) {
    // The plan's target is on the list pages (the resources_page index); get and apply are shown.
    const flat = name.startsWith('page (') || name.startsWith('page after');
    addRow({
      section,
      scenario: `${name}, one tenant of ${label}`,
      metric: `ResourceStore.${name.split(' ')[0]}`,
      unit: 'µs',
      show: (n) => n.toFixed(1),
      values: result.perRep.map((r) => r[name].bigUs),
      baselines: result.perRep.map((r) => r[name].smallUs),
      baselineLabel: `one tenant of ${fmt.int(result.small)}, own file`,
      ...(flat ? { target: '≤ 1.20×', check: (x) => x <= 1.2 } : {}),
    });
  }
  log(
    `  sandbox-store: built ${label} in ${(result.buildMs / 1000).toFixed(1)} s (${result.bigMB.toFixed(0)} MB); ` +
      Object.entries(result.perRep.at(-1))
        .map(([n, r]) => `${n}: ${r.bigUs.toFixed(1)} vs ${r.smallUs.toFixed(1)} µs`)
        .join('; '),
  );
  printSection(section);
}

if (isWorker) {
  process.stdout.write(`${JSON.stringify(await worker(JSON.parse(process.argv[2])))}\n`);
}
