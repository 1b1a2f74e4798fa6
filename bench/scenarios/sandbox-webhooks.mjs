// Scenario 11 (sandbox-webhooks): what registered webhook endpoints cost the sandbox's hot path.
// Two `tapedeck sandbox` servers on the vendored Stripe spec, side by side under the same load:
// one whose tenant has no endpoints, one whose tenant has ENDPOINTS endpoints, all subscribed to
// `customer.created`, each a real loopback receiver (bench/servers/webhook-receivers.mjs, on the
// load generator's core) answering 200 and counting what it gets.
//
//   read    GET /v1/customers/ID   makes no event: endpoints should cost it nothing
//   create  POST /v1/customers     one `customer.created` event, fanned out to every endpoint,
//                                  signed and delivered by the dispatcher in the same process
//
// A create answers before its deliveries are made (the events table is the outbox; a kick
// drains it on a later turn), so the delivery work lands partly in the server's own slices and
// partly after them. The create phase therefore waits after every slice until the server is
// idle (`settle`, as the record scenario does): the work left over is charged to its CPU per
// request instead of slowing the other server's next slice, and the next slice starts on a quiet
// core. Throughput counts the slices only: it is the hot path's cost while deliveries run beside
// it; CPU per request (settling included) is the whole cost, deliveries and all.
//
// Every repetition checks that nothing was lost: once the load is over, every `customer.created`
// event in the tenant's state must have reached every receiver (distinct event ids, within
// DRAIN_TIMEOUT_MS), none twice, and the state must hold no delivery pending, failed or
// abandoned. Any shortfall stops the run. Targets: create ≤ 1.15×, read ≤ 1.05× (cost = without ÷ with).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { fetch } from 'undici';
import { startServer } from '../lib/proc.mjs';
import {
  adminPost,
  createCustomer,
  CUSTOMER_FORM,
  FORM,
  startSandbox,
  stripeSpec,
} from '../lib/sandbox.mjs';
import { BENCH_DIR, REPO_DIR } from '../lib/servers.mjs';
import {
  S,
  SERVER_CORE,
  LOAD_CORE,
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

/** Endpoints registered on the tenant of the sandbox with webhooks. */
export const ENDPOINTS = 5;
const EVENT = 'customer.created';
/** How long the deliveries may take to catch up once the load is over. */
const DRAIN_TIMEOUT_MS = 60_000;
/**
 * The longest wait for a server to go idle after a slice (seconds). Long enough for the
 * deliveries of a slice's creates to go out (thousands, at hundreds to a thousand a second):
 * a server still delivering when the other's slice starts would take its core.
 */
const SETTLE_S = 30;

async function counts(receivers, since = 0) {
  const response = await fetch(`${receivers.url}/counts?since=${since}`);
  if (!response.ok) throw new Error(`webhook receivers: ${response.status}`);
  return response.json();
}

/** The tenant's `customer.created` events, from its state (read beside the running server). */
async function storedEvents(state, tenantId) {
  let after = 0;
  let n = 0;
  for (;;) {
    const page = await state.events.list(tenantId, after, 1_000);
    n += page.filter((e) => e.type === EVENT).length;
    if (page.length < 1_000) return n;
    after = page[page.length - 1].seq;
  }
}

/**
 * Waits until every stored event reached every receiver, then checks the delivery log. Throws
 * (with the tallies) when deliveries are lost, doubled, malformed, or still pending in the end.
 */
async function checkDelivered(server, receivers, phase) {
  const { openSqliteState } = await import(
    pathToFileURL(join(REPO_DIR, 'dist', 'adapters', 'state', 'sqlite', 'index.js')).href
  );
  const state = openSqliteState(server.stateDir);
  try {
    const tenant = await state.tenants.getByName('bench');
    if (tenant === undefined) throw new Error(`${phase}: no tenant bench in ${server.stateDir}`);
    const t0 = Date.now();
    for (;;) {
      const events = await storedEvents(state, tenant.id);
      const tally = await counts(receivers);
      const list = (status) => state.webhooks.listDeliveries(tenant.id, { status, limit: 1 });
      for (const status of ['failed', 'abandoned']) {
        const [lost] = await list(status);
        if (lost !== undefined) throw new Error(`${phase}: delivery ${lost.id} is ${status}`);
      }
      const bad = tally.receivers.filter(
        (r) => r.distinct > events || r.duplicates > 0 || r.malformed > 0,
      );
      if (bad.length > 0) {
        throw new Error(
          `${phase}: ${events} events stored, but receivers saw ${JSON.stringify(bad)} (more distinct events than stored, duplicates, or malformed deliveries)`,
        );
      }
      const short = tally.receivers.filter((r) => r.distinct < events);
      // An attempt is settled (recorded as delivered) just after its receiver answered.
      const [pending] = await list('pending');
      if (short.length === 0 && pending === undefined) {
        const deliveries = tally.receivers.reduce((sum, r) => sum + r.distinct, 0);
        return { events, deliveries, waitMs: Date.now() - t0 };
      }
      if (Date.now() - t0 > DRAIN_TIMEOUT_MS) {
        throw new Error(
          `${phase}: deliveries lost: ${events} ${EVENT} events stored, but after ${DRAIN_TIMEOUT_MS} ms ${short.map((r) => `${r.url} has ${r.distinct}`).join(', ') || `delivery ${pending.id} is still pending`}`,
        );
      }
      await sleep(100);
    }
  } finally {
    state.close();
  }
}

export async function scenarioSandboxWebhooks() {
  const section = 'sandbox-webhooks';
  const dir = join(work, 'sandbox-webhooks');
  mkdirSync(dir, { recursive: true });
  const spec = stripeSpec(dir);
  const phases = { read: [], create: [] };
  const delivery = [];
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    try {
      const receivers = await startServer({
        name: 'webhook receivers',
        core: LOAD_CORE,
        args: [join(BENCH_DIR, 'servers', 'webhook-receivers.mjs'), '--count', String(ENDPOINTS)],
      });
      servers.push(receivers);
      const endpoints = receivers.listening.endpoints;
      const targets = {};
      for (const name of ['none', 'webhooks']) {
        const serverDir = join(dir, `${name}-${rep}`);
        mkdirSync(serverDir, { recursive: true });
        const server = await startSandbox(serverDir, spec, { core: SERVER_CORE });
        servers.push(server);
        const { key } = await adminPost(server.url, 'tenants', { name: 'bench' });
        if (name === 'webhooks') {
          for (const url of endpoints) {
            await adminPost(server.url, 'tenants/bench/webhooks/endpoints', {
              url,
              events: [EVENT],
            });
          }
        }
        const id = await createCustomer(server.url, key);
        targets[name] = { name, server, key, id };
      }
      const common = ({ name, server, key }) => ({
        name,
        url: server.url,
        pids: [server.pid],
        headers: { authorization: `Bearer ${key}` },
      });
      const list = Object.values(targets);
      const read = list.map((t) => ({ ...common(t), paths: [`/v1/customers/${t.id}`] }));
      const create = list.map((t) => ({
        ...common(t),
        requests: [
          {
            method: 'POST',
            path: '/v1/customers',
            body: CUSTOMER_FORM,
            headers: { 'content-type': FORM },
          },
        ],
      }));
      // The setup's one create must have gone out before the read phase starts.
      await checkDelivered(targets.webhooks.server, receivers, 'setup');
      for (const [phase, targetList, settle] of [
        ['read', read, 0],
        ['create', create, SETTLE_S],
      ]) {
        const since = (await counts(receivers)).now;
        const result = await load({
          targets: targetList,
          connections: 32,
          duration: S.duration,
          warmup: S.warmup,
          rotate: rep,
          settle,
        });
        checkClean(result, phase);
        const checked = await checkDelivered(targets.webhooks.server, receivers, phase);
        const tally = await counts(receivers, since);
        phases[phase].push(result);
        if (phase === 'create') {
          delivery.push({
            ...checked,
            arrived: tally.arrived,
            busyMs: tally.busyMs,
            perS: tally.busyMs > 0 ? (tally.arrived / tally.busyMs) * 1000 : undefined,
          });
        }
        const rates = Object.entries(result.targets).map(([k, t]) => `${k} ${fmt.int(t.rps)}`);
        const extra =
          phase === 'create'
            ? `; ${fmt.int(checked.events)} events, ${fmt.int(tally.arrived)} deliveries in this phase (${fmt.int(delivery.at(-1).perS)}/s while delivering), all delivered ${fmt.int(checked.waitMs)} ms after the load`
            : '';
        log(`  rep ${rep + 1}/${S.reps} ${phase}: ${rates.join(', ')}${extra}`);
      }
    } finally {
      await stopAll(servers);
    }
  }
  const of = (reps, name, f) => pick(reps, name, f);
  for (const [phase, target] of [
    ['read', 1.05],
    ['create', 1.15],
  ]) {
    addRow({
      section,
      scenario: `${phase}: ${ENDPOINTS} webhook endpoints vs none, 32 conn: throughput (cost = none ÷ with)`,
      metric: 'cost ratio',
      unit: 'req/s',
      values: of(phases[phase], 'none', (t) => t.rps),
      baselines: of(phases[phase], 'webhooks', (t) => t.rps),
      baselineLabel: `with ${ENDPOINTS} endpoints`,
      target: `≤ ${target.toFixed(2)}×`,
      check: (ratio) => ratio <= target,
      show: fmt.int,
    });
    addRow({
      section,
      scenario: `${phase}: ${ENDPOINTS} webhook endpoints vs none: server CPU per request${phase === 'create' ? ', deliveries included (with ÷ none)' : ' (with ÷ none)'}`,
      metric: 'CPU ratio',
      unit: 'µs',
      values: of(phases[phase], 'webhooks', (t) => t.cpuUsPerRequest),
      baselines: of(phases[phase], 'none', (t) => t.cpuUsPerRequest),
      baselineLabel: 'no endpoints',
      show: fmt.us,
    });
  }
  addRow({
    section,
    scenario: `create: deliveries made per second while delivering (${ENDPOINTS} receivers answering 200)`,
    metric: 'rate',
    unit: '/s',
    values: delivery.map((d) => d.perS),
    show: fmt.int,
  });
  addRow({
    section,
    scenario: `create: deliveries received ÷ ${EVENT} events × ${ENDPOINTS} (distinct, none pending or failed)`,
    metric: 'delivered',
    unit: '',
    values: delivery.map((d) => d.deliveries),
    baselines: delivery.map((d) => d.events * ENDPOINTS),
    baselineLabel: 'expected',
    target: '= 1.00×',
    check: (ratio) => ratio === 1,
    show: fmt.int,
  });
  addRow({
    section,
    scenario: 'create: time for the last deliveries to arrive once the load was over',
    metric: 'drain',
    unit: 'ms',
    values: delivery.map((d) => d.waitMs),
    show: fmt.int,
  });
  raw.scenarios['sandbox-webhooks'] = { phases, delivery, endpoints: ENDPOINTS };
  printSection(section);
}
