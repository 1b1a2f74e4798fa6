// Scenario 10 (sandbox-scenarios): what a scenario catalogue costs the requests it does not fire
// on. Two `tapedeck sandbox` servers on the vendored Stripe spec, side by side under the same
// load: one with no scenarios at all (not even the preset's), one with 200 magic-value rules on
// the two operations driven — `equals` on a body field, `prefix` on another, `equals` on a query
// parameter and on a header, `range` on a number — none of which the traffic carries, so every
// request pays the lookups and the answer is the state layer's in both.
//
//   read    GET /v1/customers/ID   the tenant's customer read from SQLite state
//   create  POST /v1/customers     a new customer written in one transaction (form body)
//
// Target (issue 14): the catalogue costs ≤ 1.1× (throughput with rules ≥ 1/1.1 of without).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  adminPost,
  createCustomer,
  CUSTOMER_FORM,
  FORM,
  startSandbox,
  stripeSpec,
} from '../lib/sandbox.mjs';
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
} from '../lib/harness.mjs';

const OPERATIONS = ['POST /v1/customers', 'GET /v1/customers/{customer}'];

/** 200 value rules that never hold for the benchmark's requests. */
export function magicRules(n = 200) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    const value =
      kind === 0
        ? { in: 'body', path: 'email', equals: `magic-${i}@example.com` }
        : kind === 1
          ? { in: 'body', path: 'description', prefix: `magic-${i}-` }
          : kind === 2
            ? { in: 'query', path: 'magic', equals: `m${i}` }
            : kind === 3
              ? { in: 'header', path: 'x-magic', equals: `m${i}` }
              : {
                  in: 'body',
                  path: 'metadata[amount]',
                  range: { min: 10_000 + i, max: 10_000 + i },
                };
    out.push({
      name: `magic-${i}`,
      description: `Magic value ${i}.`,
      operations: OPERATIONS,
      triggers: [{ value }],
      outcome: { error: { status: 402, code: 'card_declined', message: 'Declined.' } },
    });
  }
  return out;
}

export async function scenarioSandboxScenarios() {
  const section = 'sandbox-scenarios';
  const dir = join(work, 'sandbox-scenarios');
  mkdirSync(dir, { recursive: true });
  const spec = stripeSpec(dir);
  const rules = magicRules();
  const phases = { read: [], create: [] };
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    try {
      const targets = [];
      for (const [name, sandbox] of [
        ['none', { presetScenarios: false }],
        ['rules', { presetScenarios: false, scenarios: rules }],
      ]) {
        const serverDir = join(dir, `${name}-${rep}`);
        mkdirSync(serverDir, { recursive: true });
        const server = await startSandbox(serverDir, spec, { core: SERVER_CORE, sandbox });
        servers.push(server);
        const { key } = await adminPost(server.url, 'tenants', { name: 'bench' });
        const id = await createCustomer(server.url, key);
        targets.push({ name, server, key, id });
      }
      const read = targets.map(({ name, server, key, id }) => ({
        name,
        url: server.url,
        pids: [server.pid],
        headers: { authorization: `Bearer ${key}` },
        paths: [`/v1/customers/${id}`],
      }));
      const create = targets.map(({ name, server, key }) => ({
        name,
        url: server.url,
        pids: [server.pid],
        headers: { authorization: `Bearer ${key}` },
        requests: [
          {
            method: 'POST',
            path: '/v1/customers',
            body: CUSTOMER_FORM,
            headers: { 'content-type': FORM },
          },
        ],
      }));
      for (const [phase, list] of [
        ['read', read],
        ['create', create],
      ]) {
        const result = await load({
          targets: list,
          connections: 32,
          duration: S.duration,
          warmup: S.warmup,
          rotate: rep,
        });
        checkClean(result, phase);
        phases[phase].push(result);
        const rates = Object.entries(result.targets).map(([k, t]) => `${k} ${fmt.int(t.rps)}`);
        log(`  rep ${rep + 1}/${S.reps} ${phase}: ${rates.join(', ')}`);
      }
    } finally {
      await stopAll(servers);
    }
  }
  const rps = (reps, name) => pick(reps, name, (t) => t.rps);
  for (const phase of ['read', 'create']) {
    const withRules = rps(phases[phase], 'rules');
    const none = rps(phases[phase], 'none');
    addRow({
      section,
      scenario: `${phase}: 200 magic-value rules vs no scenarios (cost = none ÷ rules)`,
      metric: 'cost ratio',
      unit: 'req/s',
      values: none,
      baselines: withRules,
      baselineLabel: 'with 200 rules',
      target: '≤ 1.1×',
      check: (ratio) => ratio <= 1.1,
      show: fmt.int,
    });
  }
  raw.scenarios['sandbox-scenarios'] = { phases, rules: rules.length };
  printSection(section);
}
