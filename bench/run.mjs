// tapedeck's benchmark suite: `npm run bench` (builds, then runs this file).
//
//   node bench/run.mjs            full run (a few minutes)
//   node bench/run.mjs --quick    smoke run (~30 s, one repetition: numbers are not reliable)
//   node bench/run.mjs --peers    also the peers (npm run bench:peers installs them first)
//
// Settings (environment): BENCH_DURATION (measured seconds per target per repetition at 32
// connections), BENCH_LATENCY_DURATION (same at 1 connection), BENCH_WARMUP (seconds per
// target), BENCH_REPS, BENCH_SLICE (seconds per interleaved slice), BENCH_SIZES (lookup
// microbenchmark sizes, comma-separated), BENCH_STARTUP_SIZE (interactions for the startup run),
// BENCH_APPEND_SIZES (cassette sizes for the append cost), BENCH_STARTUP_HUGE (one more
// startup with that many interactions; 1,000,000 with --peers), BENCH_SPEC_TIMEOUT (seconds a
// spec mock may take to load the spec).
//
// Every server under test runs in its own process on core 0, the load generator (autocannon, in
// bench/load.mjs) on core 1 (taskset, when it exists). Targets that are compared are measured in
// interleaved slices within one repetition; every ratio is computed per repetition against the
// baseline of that same repetition, and the table shows the median ratio (and the range).
// See bench/README.md.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as tapedeck from '../dist/index.js';
import {
  accountBytes,
  accountJson,
  ACCOUNT_SECRETS,
  itemBytes,
  routePath,
  writeCassettes,
} from './lib/fixtures.mjs';
import { hasTaskset, rssBytes, runJson, startWorker } from './lib/proc.mjs';
import { BENCH_DIR, REDACTION_KEY, REDACTION_RULES_DIR, REPO_DIR } from './lib/servers.mjs';
import {
  startProxy,
  startRaw,
  startRecord,
  startRecordNoRedact,
  startReplay,
} from './lib/servers.mjs';
import { median, minMax, ratios } from './lib/stats.mjs';
import { freePort, get as peerGet, startProcess } from './lib/peers/common.mjs';
import * as peers from './lib/peers/index.mjs';
import { recordedRoutes } from './lib/peers/routes.mjs';
import { generatedSpec, specBytes } from './lib/spec.mjs';

// ---------------------------------------------------------------------------------------------
// Settings

const quick = process.argv.includes('--quick');
// --peers adds the peers (bench/peers: WireMock, talkback, mountebank, Mockoon, Prism).
const peersMode = process.argv.includes('--peers');
// --only=replay,lookup,startup,record,append,peers,spec,drift runs a subset (the report then
// has only those; peers needs --peers).
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const envNumber = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number, not ${raw}`);
  return n;
};
const envList = (name, fallback) => {
  if (!process.env[name]) return fallback;
  const list = process.env[name].split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${name} must be a comma-separated list of positive integers`);
  }
  return list;
};

const S = {
  duration: envNumber('BENCH_DURATION', quick ? 0.5 : 3),
  latencyDuration: envNumber('BENCH_LATENCY_DURATION', quick ? 0.5 : 2),
  warmup: envNumber('BENCH_WARMUP', quick ? 0.25 : 1),
  reps: Math.max(1, Math.round(envNumber('BENCH_REPS', quick ? 1 : 3))),
  slice: envNumber('BENCH_SLICE', quick ? 0.25 : 0.5),
  sizes: envList('BENCH_SIZES', quick ? [100, 10_000] : [100, 10_000, 100_000, 1_000_000]),
  startupSize: envNumber('BENCH_STARTUP_SIZE', quick ? 10_000 : 100_000),
  appendSizes: envList('BENCH_APPEND_SIZES', quick ? [100, 1_000] : [100, 1_000, 10_000]),
  // A second, bigger startup run (0: none); 1,000,000 with --peers.
  startupHuge: envNumber('BENCH_STARTUP_HUGE', peersMode && !quick ? 1_000_000 : 0),
  // How long a spec mock may take to load the multi-megabyte spec before it counts as failed.
  specTimeoutS: envNumber('BENCH_SPEC_TIMEOUT', quick ? 120 : 300),
};
const SERVER_CORE = 0;
const LOAD_CORE = 1;

const work = mkdtempSync(join(tmpdir(), 'tapedeck-bench-'));
const startedAt = new Date();
const rows = [];
const raw = { settings: S, scenarios: {} };

// ---------------------------------------------------------------------------------------------
// Helpers

const fmt = {
  int: (n) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US')),
  ms: (n) => (n === undefined ? '—' : n < 10 ? n.toFixed(3) : n.toFixed(1)),
  x: (n) => (n === undefined ? '—' : `${n.toFixed(2)}×`),
  us: (n) => (n === undefined ? '—' : n.toFixed(1)),
  mb: (n) => (n === undefined ? '—' : n.toFixed(0)),
};

function log(line) {
  process.stdout.write(`${line}\n`);
}

/**
 * One table row. `values` and `baselines` are per repetition; the row shows their medians and
 * the median of the per-repetition ratios. `check(ratio)` says whether the target is met.
 */
function addRow({
  section,
  scenario,
  metric,
  unit,
  values,
  baselines,
  baselineLabel,
  perRepRatios,
  target,
  check,
  absolute,
  show,
  note,
}) {
  const perRep = perRepRatios ?? (baselines ? ratios(values, baselines) : undefined);
  const ratio = perRep ? median(perRep) : undefined;
  const row = {
    section,
    scenario,
    metric,
    unit,
    value: values ? median(values) : undefined,
    baseline: baselines ? median(baselines) : undefined,
    baselineLabel,
    ratio,
    ratioRange: perRep ? minMax(perRep) : undefined,
    perRepRatios: perRep,
    perRepValues: values,
    perRepBaselines: baselines,
    target: target ?? '—',
    // The target is on the value itself (say, < 80 MB), not on the ratio.
    absoluteTarget: absolute !== undefined && !(check && ratio !== undefined),
    met:
      check && ratio !== undefined
        ? check(ratio)
        : absolute && values
          ? absolute(median(values))
          : undefined,
    show: show ?? ((n) => fmt.ms(n)),
    note,
  };
  rows.push(row);
  return row;
}

function metCell(met) {
  return met === undefined ? 'n/a' : met ? 'yes' : '**no**';
}

function rowCells(r) {
  const value = r.value === undefined ? '—' : `${r.show(r.value)} ${r.unit}`.trim();
  const baseline =
    r.baseline === undefined ? '—' : `${r.show(r.baseline)} ${r.unit} (${r.baselineLabel})`;
  const ratio =
    r.ratio === undefined
      ? '—'
      : r.ratioRange && r.perRepRatios.length > 1
        ? `${fmt.x(r.ratio)} (${r.ratioRange[0].toFixed(2)}–${r.ratioRange[1].toFixed(2)})`
        : fmt.x(r.ratio);
  return [r.scenario, r.metric, value, baseline, ratio, r.target, metCell(r.met)];
}

function table(selected) {
  const header = [
    'Scenario',
    'Metric',
    'Value (median)',
    'Baseline (median)',
    'Ratio (median, range)',
    'Target',
    'Met',
  ];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of selected) lines.push(`| ${rowCells(r).join(' | ')} |`);
  return lines.join('\n');
}

function printSection(section) {
  log('');
  log(table(rows.filter((r) => r.section === section)));
  log('');
}

/** GET with node:http and no keep-alive: status and body bytes. */
function httpGet(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { accept: 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function expectBody(server, path, expected) {
  const { status, body } = await httpGet(`${server.url}${path}`);
  if (status !== 200 || !body.equals(expected)) {
    throw new Error(
      `${server.name} answered ${path} with ${status} and ${body.byteLength} bytes, not the expected 200 and ${expected.byteLength} bytes:\n${body.toString('utf8').slice(0, 500)}`,
    );
  }
}

let loadConfigs = 0;
function load(config) {
  const file = join(work, `load-${loadConfigs++}.json`);
  writeFileSync(file, JSON.stringify({ slice: S.slice, ...config }));
  return runJson({
    name: 'load generator',
    core: LOAD_CORE,
    args: [join(BENCH_DIR, 'load.mjs'), `@${file}`],
  });
}

/**
 * Throws when a target answered anything but 2xx, had connection errors, or answered nothing.
 * Targets in `tolerate` (peers: their failures are results, not bugs of the benchmark) are
 * not thrown for: their problems come back as { name: text } for the table to report.
 */
function checkClean(result, phase, tolerate = new Set()) {
  const problems = {};
  for (const [name, t] of Object.entries(result.targets)) {
    if (t.non2xx > 0 || t.errors > 0 || t.count === 0) {
      if (tolerate.has(name)) {
        problems[name] =
          `${phase}: ${t.non2xx} non-2xx answers, ${t.errors} errors and ${t.timeouts} timeouts in ${t.count} responses`;
        continue;
      }
      throw new Error(
        `${phase}: ${name} had ${t.non2xx} non-2xx answers and ${t.errors} errors in ${t.count} responses`,
      );
    }
  }
  return problems;
}

const pick = (reps, name, f) => reps.map((rep) => f(rep.targets[name]));

async function stopAll(servers) {
  for (const s of servers) await s?.stop();
}

// ---------------------------------------------------------------------------------------------
// Scenario 1: replay vs raw node:http

async function scenarioReplay() {
  const section = 'replay';
  const c100 = join(work, 'replay-100');
  const c1 = join(work, 'replay-1');
  writeCassettes(tapedeck, c100, 100);
  writeCassettes(tapedeck, c1, 1);
  const paths100 = Array.from({ length: 100 }, (_, i) => routePath(i));
  const paths1 = [routePath(0)];
  const phases = { c32: [], c1: [], fresh: [], memory: [] };
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    try {
      // Spawn → first answered request (each server is asked as soon as it listens, before the
      // next one starts), then the resident memory of the idle servers once all have answered.
      const memory = {};
      const firstAnswer = async (server) => {
        servers.push(server);
        await expectBody(server, routePath(0), itemBytes(0));
        memory[server.name] = {
          firstMs: Number(process.hrtime.bigint() - server.startedAt) / 1e6,
        };
        return server;
      };
      const raw1 = await firstAnswer(
        await startRaw({ name: 'raw-1', core: SERVER_CORE, routes: 1 }),
      );
      const raw100 = await firstAnswer(
        await startRaw({ name: 'raw-100', core: SERVER_CORE, routes: 100 }),
      );
      const replay1 = await firstAnswer(
        await startReplay({ name: 'replay-1', core: SERVER_CORE, workDir: work, cassettes: c1 }),
      );
      const replay100 = await firstAnswer(
        await startReplay({
          name: 'replay-100',
          core: SERVER_CORE,
          workDir: work,
          cassettes: c100,
        }),
      );
      for (const s of servers) memory[s.name].idleRssMB = rssBytes(s.pid) / 2 ** 20;
      await expectBody(raw100, routePath(42), itemBytes(42));
      await expectBody(replay100, routePath(42), itemBytes(42));
      const targets = [
        { name: 'raw-1', url: raw1.url, pids: [raw1.pid], paths: paths1 },
        { name: 'raw-100', url: raw100.url, pids: [raw100.pid], paths: paths100 },
        { name: 'replay-100', url: replay100.url, pids: [replay100.pid], paths: paths100 },
        { name: 'replay-1', url: replay1.url, pids: [replay1.pid], paths: paths1 },
      ];
      for (const [phase, connections, duration, warmup] of [
        ['c32', 32, S.duration, S.warmup],
        ['c1', 1, S.latencyDuration, Math.min(0.5, S.warmup)],
        ['fresh', 32, S.latencyDuration, Math.min(0.5, S.warmup)],
      ]) {
        // `fresh`: a new connection for every request (no keep-alive), 100 routes only.
        const fresh = phase === 'fresh';
        const result = await load({
          targets: fresh ? targets.filter((t) => t.name.endsWith('-100')) : targets,
          connections,
          duration,
          warmup,
          rotate: rep,
          reconnectRate: fresh ? 1 : 0,
        });
        checkClean(result, `replay ${phase}`);
        phases[phase].push(result);
        const t = result.targets;
        log(
          `  replay rep ${rep + 1}/${S.reps}, ${connections} conn${fresh ? ', new connection per request' : ''}: ` +
            Object.entries(t)
              .map(
                ([n, v]) =>
                  `${n} ${fmt.int(v.rps)} req/s p99 ${fmt.ms(v.latencyMs.p99)} ms ${fmt.us(v.cpuUsPerRequest)} µs CPU/req`,
              )
              .join(' | '),
        );
      }
      for (const s of servers) memory[s.name].loadedRssMB = rssBytes(s.pid) / 2 ** 20;
      phases.memory.push(memory);
    } finally {
      await stopAll(servers);
    }
  }
  raw.scenarios.replay = phases;

  const rps = (reps, n) => pick(reps, n, (t) => t.rps);
  const p50 = (reps, n) => pick(reps, n, (t) => t.latencyMs.p50);
  const p99 = (reps, n) => pick(reps, n, (t) => t.latencyMs.p99);
  const cpu = (reps, n) => pick(reps, n, (t) => t.cpuUsPerRequest);
  const int = fmt.int;
  const us = fmt.us;
  const { c32, c1: one } = phases;
  for (const [routes, cand, base] of [
    [100, 'replay-100', 'raw-100'],
    [1, 'replay-1', 'raw-1'],
  ]) {
    const label = `raw node:http, ${routes} route${routes === 1 ? '' : 's'}${routes === 1 ? '' : ' (Map)'}`;
    const scenario = `replay, ${routes} route${routes === 1 ? '' : 's'}, 32 conn`;
    addRow({
      section,
      scenario,
      metric: 'throughput' + (routes === 100 ? ' (issue target)' : ''),
      unit: 'req/s',
      show: int,
      values: rps(c32, cand),
      baselines: rps(c32, base),
      baselineLabel: label,
      target: '≥ 0.85×',
      check: (r) => r >= 0.85,
    });
    addRow({
      section,
      scenario,
      metric: 'p50 latency',
      unit: 'ms',
      values: p50(c32, cand),
      baselines: p50(c32, base),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario,
      metric: 'p99 latency',
      unit: 'ms',
      values: p99(c32, cand),
      baselines: p99(c32, base),
      baselineLabel: label,
      target: '≤ 2.00×',
      check: (r) => r <= 2,
    });
    // Capacity: CPU per request of the server, inverted, so that it reads like a throughput
    // ratio (what the throughput ratio would be with both servers CPU-bound on a whole core).
    const row = addRow({
      section,
      scenario,
      metric: 'server CPU per request',
      unit: 'µs',
      show: us,
      values: cpu(c32, cand),
      baselines: cpu(c32, base),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario,
      metric: 'capacity: raw CPU/req ÷ replay CPU/req',
      perRepRatios: row.perRepRatios.map((x) => (x ? 1 / x : undefined)),
      target: '≥ 0.85×',
      check: (r) => r >= 0.85,
      note: 'what the throughput ratio would be if both servers were CPU-bound on a core of their own',
    });
    const scenario1 = `replay, ${routes} route${routes === 1 ? '' : 's'}, 1 conn`;
    addRow({
      section,
      scenario: scenario1,
      metric: 'p50 latency (unloaded)',
      unit: 'ms',
      values: p50(one, cand),
      baselines: p50(one, base),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario: scenario1,
      metric: 'p99 latency (unloaded)',
      unit: 'ms',
      values: p99(one, cand),
      baselines: p99(one, base),
      baselineLabel: label,
      target: '≤ 2.00×',
      check: (r) => r <= 2,
    });
    addRow({
      section,
      scenario: scenario1,
      metric: 'throughput',
      unit: 'req/s',
      show: int,
      values: rps(one, cand),
      baselines: rps(one, base),
      baselineLabel: label,
    });
  }
  const { fresh } = phases;
  const freshLabel = 'raw node:http, 100 routes (Map)';
  const freshScenario = 'replay, 100 routes, 32 conn, new connection per request';
  addRow({
    section,
    scenario: freshScenario,
    metric: 'throughput',
    unit: 'req/s',
    show: int,
    values: rps(fresh, 'replay-100'),
    baselines: rps(fresh, 'raw-100'),
    baselineLabel: freshLabel,
    note: 'autocannon opens a new connection for every request (reconnectRate 1): TCP handshake and teardown on loopback, no keep-alive',
  });
  addRow({
    section,
    scenario: freshScenario,
    metric: 'p50 latency',
    unit: 'ms',
    values: p50(fresh, 'replay-100'),
    baselines: p50(fresh, 'raw-100'),
    baselineLabel: freshLabel,
  });
  addRow({
    section,
    scenario: freshScenario,
    metric: 'p99 latency',
    unit: 'ms',
    values: p99(fresh, 'replay-100'),
    baselines: p99(fresh, 'raw-100'),
    baselineLabel: freshLabel,
    target: '≤ 2.00×',
    check: (r) => r <= 2,
  });
  addRow({
    section,
    scenario: freshScenario,
    metric: 'server CPU per request',
    unit: 'µs',
    show: us,
    values: cpu(fresh, 'replay-100'),
    baselines: cpu(fresh, 'raw-100'),
    baselineLabel: freshLabel,
  });
  const mem = (name, f) => phases.memory.map((m) => f(m[name]));
  for (const [cand, base, routes] of [
    ['replay-100', 'raw-100', 100],
    ['replay-1', 'raw-1', 1],
  ]) {
    const label = `raw node:http, ${routes} route${routes === 1 ? '' : 's'}`;
    const scenario = `replay, ${routes} route${routes === 1 ? '' : 's'}`;
    addRow({
      section,
      scenario,
      metric: 'startup: spawn → first answered request',
      unit: 'ms',
      show: (n) => n.toFixed(0),
      values: mem(cand, (m) => m.firstMs),
      baselines: mem(base, (m) => m.firstMs),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario,
      metric: 'RSS idle (after the first answers)',
      unit: 'MB',
      show: fmt.mb,
      values: mem(cand, (m) => m.idleRssMB),
      baselines: mem(base, (m) => m.idleRssMB),
      baselineLabel: label,
      ...(routes === 100
        ? {
            target: '< 80 MB',
            perRepRatios: undefined,
            check: undefined,
            absolute: (v) => v < 80,
          }
        : {}),
    });
    addRow({
      section,
      scenario,
      metric: 'RSS after load',
      unit: 'MB',
      show: fmt.mb,
      values: mem(cand, (m) => m.loadedRssMB),
      baselines: mem(base, (m) => m.loadedRssMB),
      baselineLabel: label,
    });
  }
  addRow({
    section,
    scenario: 'raw node:http, 100 routes (Map) vs 1 route, 32 conn',
    metric: 'throughput',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'raw-100'),
    baselines: rps(c32, 'raw-1'),
    baselineLabel: 'raw, 1 route',
    note: 'sanity check of the baselines',
  });
  const loadBusy = median(pick(c32, 'raw-100', (t) => t.loadBusy));
  const serverBusy = median(pick(c32, 'raw-100', (t) => t.serverBusy));
  raw.scenarios.replayNotes = { rawLoadBusy: loadBusy, rawServerBusy: serverBusy };
  log(
    `  (raw-100 at 32 conn: load generator core ${Math.round(loadBusy * 100)}% busy, server core ${Math.round(serverBusy * 100)}% busy)`,
  );
  printSection(section);
}

// ---------------------------------------------------------------------------------------------
// Scenario 2: lookup from 100 to 1,000,000 interactions; startup; end-to-end with a big set

async function scenarioLookup() {
  const section = 'lookup';
  const reps = Math.max(5, S.reps);
  const chunk = quick ? 0.05 : 0.075;
  const chunks = 6;
  const worker = (size) =>
    startWorker({
      name: `lookup ${size}`,
      core: SERVER_CORE,
      args: [
        '--expose-gc',
        '--max-old-space-size=8192',
        join(BENCH_DIR, 'lookup.mjs'),
        JSON.stringify({ size }),
      ],
    });
  // The median of a repetition's chunks: robust to a chunk that lost its core to the VM's host,
  // yet (unlike the fastest) still charged with the garbage collections the lookups cause.
  const nsOf = (answers) => median(answers.map((a) => (a.ms * 1e6) / a.count));
  const base = await worker(100);
  const results = [];
  try {
    for (const size of S.sizes) {
      const big = await worker(size);
      try {
        // Alternate in short chunks (ABBA…) so both see the same moments of this noisy VM.
        const paired = async (mode, chunkCount) => {
          const a = [];
          const b = [];
          for (let k = 0; k < chunkCount; k++) {
            const order = k % 2 === 0 ? [base, big] : [big, base];
            for (const w of order) (w === base ? a : b).push(await w.ask(`time ${chunk} ${mode}`));
          }
          const baseNs = nsOf(a);
          const bigNs = nsOf(b);
          return { baseNs, bigNs, ratio: bigNs / baseNs };
        };
        const perRep = [];
        const parts = { normalize: [], lookup: [] };
        for (let rep = 0; rep < reps; rep++) {
          perRep.push(await paired('full', chunks));
          // Where the difference is: normalizing the request, or the hash table lookup.
          if (rep < S.reps) {
            parts.normalize.push(await paired('normalize', 4));
            parts.lookup.push(await paired('lookup', 4));
          }
        }
        const result = { ...big.ready, perRep, parts };
        results.push(result);
        log(
          `  lookup ${fmt.int(size)}: ${perRep.map((r) => `${r.bigNs.toFixed(0)}`).join(', ')} ns ` +
            `(100: ${perRep.map((r) => `${r.baseNs.toFixed(0)}`).join(', ')}), build ${result.buildMs.toFixed(0)} ms, RSS ${result.rssMB.toFixed(0)} MB`,
        );
      } finally {
        await big.stop();
      }
    }
  } finally {
    await base.stop();
  }
  raw.scenarios.lookup = { base: base.ready, results };
  for (const r of results) {
    addRow({
      section,
      scenario: `lookup, ${fmt.int(r.size)} interactions`,
      metric: 'normalizeRequest + lookup',
      unit: 'ns',
      show: (n) => n.toFixed(0),
      values: r.perRep.map((p) => p.bigNs),
      baselines: r.perRep.map((p) => p.baseNs),
      baselineLabel: '100 interactions, own process',
      target: '≤ 1.20×',
      check: (x) => x <= 1.2,
    });
  }
  for (const r of results) {
    if (r.size === 100) continue;
    for (const [part, label] of [
      ['normalize', 'normalizeRequest alone'],
      ['lookup', 'index.lookup alone (key given)'],
    ]) {
      addRow({
        section,
        scenario: `lookup, ${fmt.int(r.size)} interactions`,
        metric: label,
        unit: 'ns',
        show: (n) => n.toFixed(0),
        values: r.parts[part].map((p) => p.bigNs),
        baselines: r.parts[part].map((p) => p.baseNs),
        baselineLabel: '100 interactions, own process',
      });
    }
  }
  for (const r of results) {
    addRow({
      section,
      scenario: `index, ${fmt.int(r.size)} interactions`,
      metric: 'ReplayIndex build',
      unit: 'ms',
      show: (n) => n.toFixed(1),
      values: [r.buildMs],
      note: `${((r.buildMs * 1000) / r.size).toFixed(2)} µs per interaction`,
    });
    addRow({
      section,
      scenario: `index, ${fmt.int(r.size)} interactions`,
      metric: 'process RSS after build',
      unit: 'MB',
      show: fmt.mb,
      values: [r.rssMB],
      baselines: [base.ready.rssMB],
      baselineLabel: '100 interactions',
      note: `heap used ${r.heapUsedMB.toFixed(0)} MB`,
    });
  }
  printSection(section);
}

async function scenarioStartup() {
  const section = 'startup';
  const size = S.startupSize;
  const bigDir = join(work, `startup-${size}`);
  const smallDir = join(work, 'startup-100');
  const generated = Date.now();
  const written = writeCassettes(tapedeck, bigDir, size, 100);
  writeCassettes(tapedeck, smallDir, 100, 1);
  log(
    `  wrote ${fmt.int(size)} interactions in ${written.files} cassettes (${(written.bytes / 2 ** 20).toFixed(0)} MB) in ${((Date.now() - generated) / 1000).toFixed(1)} s`,
  );
  // 2,000 routes spread evenly over the whole set (prebuilt in the load generator: many more
  // would make every slice slow to start), against the 100 routes of the small set.
  const spread = Math.min(size, 2_000);
  const bigPaths = Array.from({ length: spread }, (_, k) =>
    routePath(Math.floor((k * size) / spread)),
  );
  const smallPaths = Array.from({ length: 100 }, (_, i) => routePath(i));
  const reps = [];
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    try {
      const measured = {};
      for (const [name, dir, n] of [
        [`replay-${size}`, bigDir, size],
        ['replay-100', smallDir, 100],
      ]) {
        const server = await startReplay({
          name,
          core: SERVER_CORE,
          workDir: work,
          cassettes: dir,
        });
        servers.push(server);
        const path = routePath(n - 1);
        const { status } = await httpGet(`${server.url}${path}`);
        const firstMs = Number(process.hrtime.bigint() - server.startedAt) / 1e6;
        if (status !== 200) throw new Error(`${name}: first request got ${status}`);
        if (server.listening.interactions !== n) {
          throw new Error(
            `${name}: loaded ${server.listening.interactions} interactions, not ${n}`,
          );
        }
        measured[name] = {
          listeningMs: server.listeningMs,
          firstMs,
          rssMB: rssBytes(server.pid) / 2 ** 20,
        };
      }
      const [big, small] = servers;
      const result = await load({
        targets: [
          { name: 'big', url: big.url, pids: [big.pid], paths: bigPaths },
          { name: 'small', url: small.url, pids: [small.pid], paths: smallPaths },
        ],
        connections: 32,
        duration: S.duration,
        warmup: S.warmup,
        rotate: rep,
      });
      checkClean(result, 'startup load');
      measured.load = result;
      reps.push(measured);
      log(
        `  startup rep ${rep + 1}/${S.reps}: ${fmt.int(size)} → first answer ${measured[`replay-${size}`].firstMs.toFixed(0)} ms, ` +
          `100 → ${measured['replay-100'].firstMs.toFixed(0)} ms; under load ${fmt.int(result.targets.big.rps)} vs ${fmt.int(result.targets.small.rps)} req/s`,
      );
    } finally {
      await stopAll(servers);
    }
  }
  raw.scenarios.startup = reps;
  const big = `replay-${size}`;
  addRow({
    section,
    scenario: `replay startup, ${fmt.int(size)} interactions in 100 cassettes`,
    metric: 'spawn → first answered request',
    unit: 'ms',
    show: (n) => n.toFixed(0),
    values: reps.map((r) => r[big].firstMs),
    baselines: reps.map((r) => r['replay-100'].firstMs),
    baselineLabel: '100 interactions, 1 cassette',
    ...(size === 100_000 ? { target: '< 2,000 ms', absolute: (v) => v < 2000 } : {}),
  });
  addRow({
    section,
    scenario: `replay startup, ${fmt.int(size)} interactions in 100 cassettes`,
    metric: 'spawn → listening',
    unit: 'ms',
    show: (n) => n.toFixed(0),
    values: reps.map((r) => r[big].listeningMs),
    baselines: reps.map((r) => r['replay-100'].listeningMs),
    baselineLabel: '100 interactions, 1 cassette',
  });
  addRow({
    section,
    scenario: `replay startup, ${fmt.int(size)} interactions in 100 cassettes`,
    metric: 'server RSS after first answer',
    unit: 'MB',
    show: fmt.mb,
    values: reps.map((r) => r[big].rssMB),
    baselines: reps.map((r) => r['replay-100'].rssMB),
    baselineLabel: '100 interactions',
  });
  const t = (name, f) => reps.map((r) => f(r.load.targets[name]));
  addRow({
    section,
    scenario: `replay under load, ${fmt.int(size)} interactions (${fmt.int(spread)} routes hit), 32 conn`,
    metric: 'throughput',
    unit: 'req/s',
    show: fmt.int,
    values: t('big', (x) => x.rps),
    baselines: t('small', (x) => x.rps),
    baselineLabel: 'replay, 100 interactions',
    target: '≥ 0.83× (1/1.2)',
    check: (r) => r >= 1 / 1.2,
  });
  addRow({
    section,
    scenario: `replay under load, ${fmt.int(size)} interactions (${fmt.int(spread)} routes hit), 32 conn`,
    metric: 'server CPU per request',
    unit: 'µs',
    show: fmt.us,
    values: t('big', (x) => x.cpuUsPerRequest),
    baselines: t('small', (x) => x.cpuUsPerRequest),
    baselineLabel: 'replay, 100 interactions',
    target: '≤ 1.20×',
    check: (r) => r <= 1.2,
  });
  if (S.startupHuge > 0) await startupHuge(section, reps);
  printSection(section);
}

/**
 * One startup of replay over BENCH_STARTUP_HUGE interactions (tiny bodies, 1,000 cassettes):
 * spawn → listening → first answered request, and RSS, against the 100-interaction startups
 * of the same scenario. One repetition: writing and loading the set takes minutes.
 */
async function startupHuge(section, smallReps) {
  const size = S.startupHuge;
  const dir = join(work, `startup-${size}`);
  const generated = Date.now();
  // Tiny bodies: at 1 KB each the set would be ~2.7 GB of JSON, a test of the disk and of
  // JSON.parse rather than of the index; the lookup scale (2a) uses the same bodies.
  const written = writeCassettes(tapedeck, dir, size, 1_000, { small: true });
  log(
    `  wrote ${fmt.int(size)} interactions in ${written.files} cassettes (${(written.bytes / 2 ** 20).toFixed(0)} MB) in ${((Date.now() - generated) / 1000).toFixed(1)} s`,
  );
  const scenario = `replay startup, ${fmt.int(size)} interactions in ${fmt.int(written.files)} cassettes, small bodies (one run)`;
  let server;
  try {
    server = await startReplay({
      name: `replay-${size}`,
      core: SERVER_CORE,
      workDir: work,
      cassettes: dir,
    });
    const { status } = await httpGet(`${server.url}${routePath(size - 1)}`);
    const firstMs = Number(process.hrtime.bigint() - server.startedAt) / 1e6;
    if (status !== 200) throw new Error(`first request got ${status}`);
    const rssMB = rssBytes(server.pid) / 2 ** 20;
    raw.scenarios.startupHuge = {
      size,
      firstMs,
      listeningMs: server.listeningMs,
      rssMB,
      bytes: written.bytes,
    };
    log(`  ${fmt.int(size)}: first answer ${firstMs.toFixed(0)} ms, RSS ${rssMB.toFixed(0)} MB`);
    const small = (f) => median(smallReps.map((r) => f(r['replay-100'])));
    addRow({
      section,
      scenario,
      metric: 'spawn → first answered request',
      unit: 'ms',
      show: (n) => n.toFixed(0),
      values: [firstMs],
      baselines: [small((r) => r.firstMs)],
      baselineLabel: '100 interactions, 1 cassette',
      note: `${(written.bytes / 2 ** 20).toFixed(0)} MB of cassettes; listening after ${server.listeningMs.toFixed(0)} ms`,
    });
    addRow({
      section,
      scenario,
      metric: 'server RSS after first answer',
      unit: 'MB',
      show: fmt.mb,
      values: [rssMB],
      baselines: [small((r) => r.rssMB)],
      baselineLabel: '100 interactions',
    });
  } catch (error) {
    addRow({ section, scenario, metric: `failed: ${reason(error)}`, unit: '' });
  } finally {
    await server?.stop(120_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario 3: record overhead

/**
 * What a record run left in `dir`: how many interactions, how many bytes, the first interaction,
 * and which of `secrets` occur anywhere in the files.
 */
function readRecording(dir, secrets) {
  let count = 0;
  let bytes = 0;
  let first;
  const found = new Set();
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json') && !entry.name.startsWith('.')) {
        const text = readFileSync(full, 'utf8');
        bytes += statSync(full).size;
        for (const secret of secrets) if (text.includes(secret)) found.add(secret);
        const { interactions } = JSON.parse(text);
        first ??= interactions[0];
        count += interactions.length;
      }
    }
  };
  walk(dir);
  return { count, bytes, first, found };
}

/** The strings of the record scenario's upstream body that redaction must keep off disk. */
const RECORD_SECRETS = [
  ACCOUNT_SECRETS.accessToken,
  ACCOUNT_SECRETS.refreshToken,
  ...ACCOUNT_SECRETS.emails,
  ACCOUNT_SECRETS.phone,
];

/**
 * Stops a recording server (SIGTERM, then it drains its cassette writes) and checks what it
 * left: every interaction recorded (none blocked by the scanner, none failed), no key file
 * generated, and with redaction on no secret of the upstream's body on disk; with it off, the
 * body exactly as sent.
 */
async function stopRecorder(server, cassettes, { redacted }) {
  const stopping = process.hrtime.bigint();
  await server.stop(120_000);
  const stopMs = Number(process.hrtime.bigint() - stopping) / 1e6;
  const summary = server.lines
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    })
    .find((e) => e?.event === 'summary');
  const onDisk = readRecording(cassettes, RECORD_SECRETS);
  const problems = [];
  if (summary === undefined) problems.push('printed no summary line');
  else {
    if (summary.blocked > 0) problems.push(`blocked ${summary.blocked} interaction(s)`);
    if (summary.recordFailures > 0) problems.push(`failed to write ${summary.recordFailures}`);
    if (summary.served !== onDisk.count)
      problems.push(`served ${summary.served} requests but recorded ${onDisk.count}`);
  }
  // A generated key would mean pseudonyms differ from run to run (and a file left behind).
  if (existsSync(join(server.stateDir, 'redaction.key')))
    problems.push('generated a redaction key file: TAPEDECK_REDACTION_KEY was not used');
  const body = onDisk.first?.response.body;
  if (redacted) {
    if (onDisk.found.size > 0)
      problems.push(`left ${onDisk.found.size} secret(s) of the upstream's body on disk`);
  } else if (body?.encoding !== 'json' || !isDeepStrictEqual(body.json, accountJson())) {
    problems.push('did not record the upstream body unchanged');
  } else if (onDisk.found.size !== RECORD_SECRETS.length) {
    problems.push(`recorded only ${onDisk.found.size} of ${RECORD_SECRETS.length} secrets raw`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${server.name}: ${problems.join('; ')} (cassettes in ${cassettes}):\n${server.stderr()}`,
    );
  }
  return {
    stopMs,
    onDisk: { count: onDisk.count, bytes: onDisk.bytes },
    summary: {
      served: summary.served,
      recordFailures: summary.recordFailures,
      blocked: summary.blocked,
    },
  };
}

/** Peers measured in record mode with --peers (bench/lib/peers). */
const RECORD_PEERS = ['talkback', 'wiremock'];

/** How many files are under `dir` (what a peer recorder wrote). */
function countFiles(dir) {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  }
  return n;
}

async function scenarioRecord() {
  const section = 'record';
  const phases = { c32: [], c1: [] };
  const recordings = [];
  const peerRecordings = [];
  const recordPeerFailures = {};
  const recordPeerProblems = {};
  for (let rep = 0; rep < S.reps; rep++) {
    for (const [phase, connections, duration, warmup] of [
      ['c32', 32, S.duration, S.warmup],
      ['c1', 1, S.latencyDuration, Math.min(0.5, S.warmup)],
    ]) {
      const servers = [];
      const cassettes = join(work, `record-${rep}-${phase}`);
      const cassettesOff = join(work, `record-noredact-${rep}-${phase}`);
      try {
        // The direct baseline gets a core of its own, as every server under test does; the
        // proxies' upstream shares the load generator's core (there are only two). Both answer
        // every path with the account body: ~1 KB of JSON with a token and emails to redact.
        const direct = await startRaw({
          name: 'upstream-direct',
          core: SERVER_CORE,
          any: true,
          body: 'account',
        });
        servers.push(direct);
        const upstream = await startRaw({
          name: 'upstream',
          core: LOAD_CORE,
          any: true,
          body: 'account',
        });
        servers.push(upstream);
        const undici = await startProxy({
          name: 'undici-proxy',
          core: SERVER_CORE,
          kind: 'undici',
          target: upstream.url,
        });
        servers.push(undici);
        const hp3 = await startProxy({
          name: 'http-proxy-3',
          core: SERVER_CORE,
          kind: 'http-proxy-3',
          target: upstream.url,
        });
        servers.push(hp3);
        const record = await startRecord({
          name: 'record',
          core: SERVER_CORE,
          workDir: work,
          target: upstream.url,
          cassettes,
        });
        servers.push(record);
        const noredact = await startRecordNoRedact({
          name: 'record-noredact',
          core: SERVER_CORE,
          workDir: work,
          target: upstream.url,
          cassettes: cassettesOff,
        });
        servers.push(noredact);
        // With --peers: talkback in record mode and WireMock proxying and recording, each
        // into a directory of its own (every request new, so every one is recorded).
        const peerRecorders = [];
        if (peersMode) {
          for (const key of RECORD_PEERS) {
            const name = `${key}-record`;
            const dir = join(work, `${name}-${rep}-${phase}`);
            try {
              const server = await peers[key].startRecorder({
                name,
                core: SERVER_CORE,
                dir,
                target: upstream.url,
                probePath: `/v1/things/${rep}-${phase}-probe/0`,
              });
              servers.push(server);
              await expectBody(server, `/v1/things/${rep}-${phase}-probe/1`, accountBytes());
              peerRecorders.push({ key, name, server, dir });
            } catch (error) {
              recordPeerFailures[key] ??= `failed to start: ${reason(error)}`;
              log(`  ${peers[key].label} (record): ${recordPeerFailures[key]}`);
            }
          }
        }
        for (const s of [direct, undici, hp3, record, noredact])
          await expectBody(s, '/v1/check/0', accountBytes());
        const prefix = (name) => `/v1/things/${rep}-${phase}-${name}/`;
        const result = await load({
          targets: [
            { name: 'direct', url: direct.url, pids: [direct.pid], prefix: prefix('direct') },
            {
              name: 'undici-proxy',
              url: undici.url,
              pids: [undici.pid, upstream.pid],
              prefix: prefix('undici'),
            },
            {
              name: 'http-proxy-3',
              url: hp3.url,
              pids: [hp3.pid, upstream.pid],
              prefix: prefix('hp3'),
            },
            {
              name: 'record',
              url: record.url,
              pids: [record.pid, upstream.pid],
              prefix: prefix('record'),
            },
            {
              name: 'record-noredact',
              url: noredact.url,
              pids: [noredact.pid, upstream.pid],
              prefix: prefix('noredact'),
            },
            ...peerRecorders.map(({ name, server }) => ({
              name,
              url: server.url,
              pids: [server.pid, upstream.pid],
              prefix: prefix(name),
            })),
          ],
          connections,
          duration,
          warmup,
          rotate: rep,
          pathMode: 'unique',
          // Recorders keep writing for a while after their last answer (the last batches of a
          // cassette that grows to tens of MB): wait for each target to go idle after its slice,
          // so that work is charged to it and does not slow the next target's slice.
          settle: 3,
        });
        const problems = checkClean(
          result,
          `record ${phase}`,
          new Set(RECORD_PEERS.map((key) => `${key}-record`)),
        );
        for (const [name, text] of Object.entries(problems)) {
          const key = name.replace(/-record$/, '');
          recordPeerProblems[key] = [...(recordPeerProblems[key] ?? []), `rep ${rep + 1}, ${text}`];
          log(`  ${name}: ${text}`);
        }
        phases[phase].push(result);
        // One after the other, so that each stop time is its own drain.
        const recorded = await stopRecorder(record, cassettes, { redacted: true });
        const recordedOff = await stopRecorder(noredact, cassettesOff, { redacted: false });
        recordings.push({ rep, phase, ...recorded, noredact: recordedOff });
        const mb = (r) => (r.onDisk.bytes / 2 ** 20).toFixed(1);
        const t = result.targets;
        log(
          `  record rep ${rep + 1}/${S.reps}, ${connections} conn: ` +
            Object.entries(t)
              .map(
                ([n, v]) =>
                  `${n} ${fmt.int(v.rps)} req/s p50 ${fmt.ms(v.latencyMs.p50)} ms ${fmt.us(v.cpuUsPerRequest)} µs CPU/req`,
              )
              .join(' | ') +
            ` — recorded ${fmt.int(recorded.onDisk.count)} interactions (${mb(recorded)} MB), stop took ${recorded.stopMs.toFixed(0)} ms; redaction off: ${fmt.int(recordedOff.onDisk.count)} (${mb(recordedOff)} MB), ${recordedOff.stopMs.toFixed(0)} ms`,
        );
        rmSync(cassettes, { recursive: true, force: true });
        rmSync(cassettesOff, { recursive: true, force: true });
        for (const { key, name, server, dir } of peerRecorders) {
          await server.stop();
          const files = countFiles(dir);
          const served = result.targets[name].count;
          peerRecordings.push({ rep, phase, key, files, served });
          log(
            `  ${peers[key].label} (record) wrote ${fmt.int(files)} files for ${fmt.int(served)} measured requests (plus warm-up)`,
          );
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        await stopAll(servers);
      }
    }
  }
  raw.scenarios.record = { ...phases, recordings, peerRecordings, recordPeerFailures };
  const { c32, c1: one } = phases;
  const rps = (reps, n) => pick(reps, n, (t) => t.rps);
  const cpu = (reps, n) => pick(reps, n, (t) => t.cpuUsPerRequest);
  const p50 = (reps, n) => pick(reps, n, (t) => t.latencyMs.p50);
  const int = fmt.int;
  const scenario = 'record, every path distinct, 32 conn';
  addRow({
    section,
    scenario,
    metric: 'throughput: tapedeck record ÷ direct',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'record'),
    baselines: rps(c32, 'direct'),
    baselineLabel: 'direct to upstream',
  });
  addRow({
    section,
    scenario,
    metric: 'throughput: tapedeck record ÷ undici proxy',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'record'),
    baselines: rps(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
    target: '≥ 0.90×',
    check: (r) => r >= 0.9,
  });
  for (const key of RECORD_PEERS) {
    const name = `${key}-record`;
    const label = `${peers[key].label} ${peers[key].version() ?? ''} recording`.replace('  ', ' ');
    if (!c32.some((r) => r.targets[name])) {
      if (peersMode) {
        addRow({
          section,
          scenario: label,
          metric: recordPeerFailures[key] ?? 'not measured',
          unit: '',
        });
      }
      continue;
    }
    const present = (reps, f) =>
      reps.map((r) => (r.targets[name] ? f(r.targets[name]) : undefined));
    addRow({
      section,
      scenario,
      metric: `throughput: tapedeck record ÷ ${label}`,
      unit: 'req/s',
      show: int,
      values: rps(c32, 'record'),
      baselines: present(c32, (t) => t.rps),
      baselineLabel: label,
      target: '≥ 5×',
      check: (r) => r >= 5,
    });
    addRow({
      section,
      scenario,
      metric: `throughput: ${label} ÷ direct`,
      unit: 'req/s',
      show: int,
      values: present(c32, (t) => t.rps),
      baselines: rps(c32, 'direct'),
      baselineLabel: 'direct to upstream',
    });
    addRow({
      section,
      scenario,
      metric: `proxy CPU per request: ${label} ÷ undici proxy`,
      unit: 'µs',
      show: fmt.us,
      values: present(c32, (t) => t.cpuUsPerRequest),
      baselines: cpu(c32, 'undici-proxy'),
      baselineLabel: 'minimal undici capturing proxy',
    });
    const files = peerRecordings.filter((r) => r.key === key && r.phase === 'c32');
    if (files.length > 0) {
      rows[rows.length - 1].note =
        `${label} wrote ${fmt.int(median(files.map((f) => f.files)))} files per run for ${fmt.int(median(files.map((f) => f.served)))} measured requests (plus warm-up), checked after it stopped`;
    }
    if (recordPeerProblems[key]) {
      addRow({
        section,
        scenario: label,
        metric: `answered with errors: ${recordPeerProblems[key].join('; ')}`,
        unit: '',
      });
    }
  }
  addRow({
    section,
    scenario,
    metric: 'throughput: http-proxy-3 ÷ undici proxy',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'http-proxy-3'),
    baselines: rps(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
  });
  addRow({
    section,
    scenario,
    metric: 'throughput: undici proxy ÷ direct',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'undici-proxy'),
    baselines: rps(c32, 'direct'),
    baselineLabel: 'direct to upstream',
  });
  addRow({
    section,
    scenario,
    metric: 'proxy CPU per request: tapedeck record ÷ undici proxy',
    unit: 'µs',
    show: fmt.us,
    values: cpu(c32, 'record'),
    baselines: cpu(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
  });
  addRow({
    section,
    scenario,
    metric: 'proxy CPU per request: http-proxy-3 ÷ undici proxy',
    unit: 'µs',
    show: fmt.us,
    values: cpu(c32, 'http-proxy-3'),
    baselines: cpu(c32, 'undici-proxy'),
    baselineLabel: 'minimal undici capturing proxy',
  });
  // What redaction costs: tapedeck record with the default rules against the same server with
  // redaction switched off (bench/servers/record-noredact.mjs), same load, same slices.
  const ruleFiles = readdirSync(REDACTION_RULES_DIR).filter((f) => f.endsWith('.json'));
  const rulesNote =
    `tapedeck record ran with TAPEDECK_REDACTION_RULES set to the repository's ` +
    `${relative(REPO_DIR, REDACTION_RULES_DIR)}/ (${ruleFiles.join(', ')}, plus the built-in ` +
    `detectors) and a fixed TAPEDECK_REDACTION_KEY of ${REDACTION_KEY.length} characters ` +
    `(bench/lib/servers.mjs), so no key file was generated; the upstream's ~1.1 KB account ` +
    `body has 8 values to redact (2 tokens, 5 emails, 1 phone number)`;
  addRow({
    section,
    scenario,
    metric: 'throughput: tapedeck record (default rules) ÷ tapedeck record (redaction off)',
    unit: 'req/s',
    show: int,
    values: rps(c32, 'record'),
    baselines: rps(c32, 'record-noredact'),
    baselineLabel: 'tapedeck record, redaction off',
    target: '≥ 0.80×',
    check: (r) => r >= 0.8,
    note: rulesNote,
  });
  const redactionCpu = cpu(c32, 'record').map((v, i) => v - cpu(c32, 'record-noredact')[i]);
  const cpuRow = addRow({
    section,
    scenario,
    metric: 'CPU per request: default rules ÷ redaction off',
    unit: 'µs',
    show: fmt.us,
    values: cpu(c32, 'record'),
    baselines: cpu(c32, 'record-noredact'),
    baselineLabel: 'tapedeck record, redaction off',
  });
  const afterSlices = (n) =>
    fmt.us(median(pick(c32, n, (t) => ((t.settleCpuS?.[0] ?? 0) / t.count) * 1e6)));
  cpuRow.note = `redaction and the scan add ${fmt.us(median(redactionCpu))} µs per request (median of the per-repetition differences); as capacity (the inverse ratio) ${fmt.x(median(cpuRow.perRepRatios.map((x) => 1 / x)))}. Of the CPU per request, ${afterSlices('record')} µs (default rules) and ${afterSlices('record-noredact')} µs (redaction off) were spent after the slices' last answers, writing the last batches`;
  const scenario1 = 'record, every path distinct, 1 conn';
  const direct50 = p50(one, 'direct');
  for (const [name, label] of [
    ['record', 'tapedeck record'],
    ['record-noredact', 'tapedeck record (redaction off)'],
    ['undici-proxy', 'undici proxy'],
    ['http-proxy-3', 'http-proxy-3'],
    ...RECORD_PEERS.map((key) => [`${key}-record`, `${peers[key].label} recording`]),
  ]) {
    if (!one.some((r) => r.targets[name])) continue;
    const added = one.map((r, i) =>
      r.targets[name] ? r.targets[name].latencyMs.p50 - direct50[i] : undefined,
    );
    addRow({
      section,
      scenario: scenario1,
      metric: `added p50 latency: ${label}`,
      unit: 'ms',
      values: added,
      note: 'p50 through the proxy minus p50 direct, per repetition',
      ...(name === 'record' ? { target: '≤ 0.25 ms', absolute: (v) => v <= 0.25 } : {}),
    });
  }
  addRow({
    section,
    scenario: scenario1,
    metric: 'p50 latency: tapedeck record ÷ direct',
    unit: 'ms',
    values: p50(one, 'record'),
    baselines: direct50,
    baselineLabel: 'direct to upstream',
  });
  const recorded32 = recordings.filter((r) => r.phase === 'c32');
  addRow({
    section,
    scenario,
    metric: 'interactions recorded per run (one cassette)',
    unit: '',
    show: int,
    values: recorded32.map((r) => r.onDisk.count),
    note: `cassette ${median(recorded32.map((r) => r.onDisk.bytes / 2 ** 20)).toFixed(1)} MB; SIGTERM → exit ${median(recorded32.map((r) => r.stopMs)).toFixed(0)} ms`,
  });
  addRow({
    section,
    scenario,
    metric: 'interactions recorded per run, redaction off',
    unit: '',
    show: int,
    values: recorded32.map((r) => r.noredact.onDisk.count),
    note: `cassette ${median(recorded32.map((r) => r.noredact.onDisk.bytes / 2 ** 20)).toFixed(1)} MB; SIGTERM → exit ${median(recorded32.map((r) => r.noredact.stopMs)).toFixed(0)} ms. Checked in every run: each server recorded every request it served (none blocked, none failed, no key file generated); with the default rules no token, email or phone number of the upstream's body reached disk, with redaction off the body is on disk exactly as the upstream sent it`,
  });
  printSection(section);
}

async function scenarioAppend() {
  const section = 'record';
  const sizes = S.appendSizes;
  const result = await runJson({
    name: 'append',
    core: SERVER_CORE,
    args: [
      join(BENCH_DIR, 'append.mjs'),
      JSON.stringify({ sizes, reps: S.reps, appends: quick ? 2 : 3 }),
    ],
  });
  raw.scenarios.append = result;
  for (const size of sizes) {
    addRow({
      section,
      scenario: `append 1 interaction to a cassette of ${fmt.int(size)}`,
      metric: 'FsCassetteStore.update',
      unit: 'ms',
      show: (n) => n.toFixed(1),
      values: result.perRep.map((r) => r[size]),
      baselines: result.perRep.map((r) => r[sizes[0]]),
      baselineLabel: `cassette of ${fmt.int(sizes[0])}`,
      note: `${(result.bytes[size] / 2 ** 20).toFixed(1)} MB file`,
    });
  }
  log(
    `  append: ${sizes.map((s) => `${fmt.int(s)} → ${median(result.perRep.map((r) => r[s])).toFixed(1)} ms`).join(', ')}`,
  );
  printSection(section);
}

// ---------------------------------------------------------------------------------------------
// Scenario 4 (--peers): the peers serving the same recordings, side by side with replay and raw

/** The replay peers, in the order they are started (bench/lib/peers). */
const REPLAY_PEERS = ['wiremock', 'talkback', 'mountebank', 'mockoon'];

/** Versions of every peer package (bench/peers/package.json pins them). */
function peerVersions() {
  const out = {};
  for (const key of [...REPLAY_PEERS, 'prism']) {
    const p = peers[key];
    out[p.label] = `${p.pkg}@${p.version() ?? 'not installed'}`;
  }
  return out;
}

/** First line of an error, without a trailing stack, for a table cell. */
function reason(error) {
  const text = String(error?.message ?? error)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

async function scenarioPeers() {
  const section = 'peers';
  const c100 = join(work, 'peers-cassettes');
  writeCassettes(tapedeck, c100, 100);
  const routes = recordedRoutes(c100);
  const paths = Array.from({ length: 100 }, (_, i) => routePath(i));
  const prepared = {};
  for (const key of REPLAY_PEERS) {
    const dir = join(work, `peer-${key}`);
    mkdirSync(dir, { recursive: true });
    try {
      peers[key].prepare(routes, dir);
      prepared[key] = { dir };
    } catch (error) {
      prepared[key] = { error: reason(error) };
    }
  }
  const phases = { c32: [], c1: [], fresh: [], startup: [] };
  const failures = {};
  // Errors a peer made under load: reported in its rows, not a reason to stop the run.
  const loadProblems = {};
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    const startup = {};
    try {
      // Each is asked as soon as it listens (before the next one starts): spawn → first answer.
      const firstAnswer = async (server) => {
        servers.push(server);
        await expectBody(server, routePath(0), itemBytes(0));
        startup[server.name] = {
          firstMs: Number(process.hrtime.bigint() - server.startedAt) / 1e6,
        };
        return server;
      };
      const raw100 = await firstAnswer(
        await startRaw({ name: 'raw-100', core: SERVER_CORE, routes: 100 }),
      );
      const replay = await firstAnswer(
        await startReplay({
          name: 'replay-100',
          core: SERVER_CORE,
          workDir: work,
          cassettes: c100,
        }),
      );
      const started = [];
      for (const key of REPLAY_PEERS) {
        const peer = peers[key];
        if (prepared[key].error) {
          failures[key] ??= `conversion failed: ${prepared[key].error}`;
          continue;
        }
        try {
          const server = await peer.start({
            name: key,
            core: SERVER_CORE,
            dir: prepared[key].dir,
            probePath: routePath(0),
          });
          servers.push(server);
          // startServer-based peers (talkback) print a listening line: ask them right away.
          await expectBody(server, routePath(0), itemBytes(0));
          await expectBody(server, routePath(42), itemBytes(42));
          startup[key] = {
            firstMs: server.readyMs ?? Number(process.hrtime.bigint() - server.startedAt) / 1e6,
          };
          started.push({ key, server });
        } catch (error) {
          failures[key] ??= `failed to start: ${reason(error)}`;
          log(`  ${peer.label}: ${failures[key]}`);
        }
      }
      for (const s of servers) (startup[s.name] ??= {}).idleRssMB = rssBytes(s.pid) / 2 ** 20;
      const targets = [
        { name: 'raw-100', url: raw100.url, pids: [raw100.pid], paths },
        { name: 'replay-100', url: replay.url, pids: [replay.pid], paths },
        ...started.map(({ key, server }) => ({
          name: key,
          url: server.url,
          pids: [server.pid],
          paths,
        })),
      ];
      for (const [phase, connections, duration, warmup, reconnectRate] of [
        ['c32', 32, S.duration, Math.max(S.warmup, quick ? 0.25 : 2), 0],
        ['c1', 1, S.latencyDuration, Math.min(0.5, S.warmup), 0],
        ['fresh', 32, S.latencyDuration, Math.min(0.5, S.warmup), 1],
      ]) {
        const result = await load({
          targets,
          connections,
          duration,
          warmup,
          rotate: rep,
          reconnectRate,
        });
        const problems = checkClean(result, `peers ${phase}`, new Set(REPLAY_PEERS));
        for (const [name, text] of Object.entries(problems)) {
          (loadProblems[name] ??= []).push(`rep ${rep + 1}, ${text}`);
          log(`  ${name}: ${text}`);
        }
        phases[phase].push(result);
        log(
          `  peers rep ${rep + 1}/${S.reps}, ${connections} conn${reconnectRate ? ', new connection per request' : ''}: ` +
            Object.entries(result.targets)
              .map(
                ([n, v]) =>
                  `${n} ${fmt.int(v.rps)} req/s p99 ${fmt.ms(v.latencyMs.p99)} ms ${fmt.us(v.cpuUsPerRequest)} µs CPU/req`,
              )
              .join(' | '),
        );
      }
      for (const s of servers) (startup[s.name] ??= {}).loadedRssMB = rssBytes(s.pid) / 2 ** 20;
      phases.startup.push(startup);
    } finally {
      await stopAll(servers);
    }
  }
  raw.scenarios.peers = { ...phases, failures, loadProblems, versions: peerVersions() };

  const base = 'raw-100';
  const label = 'raw node:http, 100 routes (Map)';
  const get = (reps, name, f) =>
    reps.map((rep) => (rep.targets[name] ? f(rep.targets[name]) : undefined));
  const startupOf = (name, f) => phases.startup.map((s) => (s[name] ? f(s[name]) : undefined));
  const candidates = [
    ['replay-100', `tapedeck replay ${tapedeckVersion()}`],
    ...REPLAY_PEERS.map((key) => [key, `${peers[key].label} ${peers[key].version() ?? ''}`.trim()]),
  ];
  for (const [name, title] of candidates) {
    if (failures[name] && !phases.c32.some((r) => r.targets[name])) {
      addRow({ section, scenario: title, metric: failures[name], unit: '' });
      continue;
    }
    const scenario = `${title}, 100 routes`;
    addRow({
      section,
      scenario,
      metric: 'throughput, 32 conn',
      unit: 'req/s',
      show: fmt.int,
      values: get(phases.c32, name, (t) => t.rps),
      baselines: get(phases.c32, base, (t) => t.rps),
      baselineLabel: label,
      ...(name === 'replay-100' ? { target: '≥ 0.85×', check: (r) => r >= 0.85 } : {}),
    });
    addRow({
      section,
      scenario,
      metric: 'p99 latency, 32 conn (p50 in the notes)',
      unit: 'ms',
      values: get(phases.c32, name, (t) => t.latencyMs.p99),
      baselines: get(phases.c32, base, (t) => t.latencyMs.p99),
      baselineLabel: label,
      note: `p50 ${fmt.ms(median(get(phases.c32, name, (t) => t.latencyMs.p50)))} ms (raw ${fmt.ms(median(get(phases.c32, base, (t) => t.latencyMs.p50)))} ms)`,
      ...(name === 'replay-100' ? { target: '≤ 2.00×', check: (r) => r <= 2 } : {}),
    });
    addRow({
      section,
      scenario,
      metric: 'server CPU per request, 32 conn',
      unit: 'µs',
      show: fmt.us,
      values: get(phases.c32, name, (t) => t.cpuUsPerRequest),
      baselines: get(phases.c32, base, (t) => t.cpuUsPerRequest),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario,
      metric: 'p50 latency, 1 conn (unloaded)',
      unit: 'ms',
      values: get(phases.c1, name, (t) => t.latencyMs.p50),
      baselines: get(phases.c1, base, (t) => t.latencyMs.p50),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario,
      metric: 'throughput, new connection per request, 32 conn',
      unit: 'req/s',
      show: fmt.int,
      values: get(phases.fresh, name, (t) => t.rps),
      baselines: get(phases.fresh, base, (t) => t.rps),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario,
      metric: 'startup: spawn → first answered request',
      unit: 'ms',
      show: (n) => n.toFixed(0),
      values: startupOf(name, (s) => s.firstMs),
      baselines: startupOf(base, (s) => s.firstMs),
      baselineLabel: label,
    });
    addRow({
      section,
      scenario,
      metric: 'RSS idle / after load',
      unit: 'MB',
      show: fmt.mb,
      values: startupOf(name, (s) => s.idleRssMB),
      baselines: startupOf(base, (s) => s.idleRssMB),
      baselineLabel: label,
      note: `after load: ${fmt.mb(median(startupOf(name, (s) => s.loadedRssMB)))} MB (raw ${fmt.mb(median(startupOf(base, (s) => s.loadedRssMB)))} MB); value and ratio are idle`,
    });
    if (failures[name]) {
      addRow({ section, scenario, metric: `in some repetitions: ${failures[name]}`, unit: '' });
    }
    if (loadProblems[name]) {
      addRow({
        section,
        scenario,
        metric: `answered with errors: ${loadProblems[name].join('; ')}`,
        unit: '',
      });
    }
  }
  // The issue's claim: tapedeck replay faster than every peer, in the same slices.
  for (const key of REPLAY_PEERS) {
    if (!phases.c32.some((r) => r.targets[key])) continue;
    addRow({
      section,
      scenario: `tapedeck replay vs ${peers[key].label}`,
      metric: 'throughput ratio, 32 conn',
      unit: 'req/s',
      show: fmt.int,
      values: get(phases.c32, 'replay-100', (t) => t.rps),
      baselines: get(phases.c32, key, (t) => t.rps),
      baselineLabel: peers[key].label,
      target: '> 1.00×',
      check: (r) => r > 1,
    });
  }
  printSection(section);
}

// ---------------------------------------------------------------------------------------------
// Scenario 5: spec mocks on a multi-megabyte OpenAPI spec — tapedeck mock vs Prism (--peers)

/** Representative operations: a list, and reads by id with a path parameter. */
const SPEC_PATHS = ['/v1/customers', '/v1/customers/cus_bench0001', '/v1/charges/ch_bench0001'];
/** The same on the generated spec (bench/lib/spec.mjs). */
const GENERATED_RESOURCES = 150;
const GENERATED_PATHS = [
  '/v1/thing000s',
  '/v1/thing042s/th_bench0001',
  '/v1/thing099s/th_bench0002',
];
/** The spec requires credentials (HTTP basic or bearer): every request carries a test key. */
const SPEC_HEADERS = { accept: 'application/json', authorization: 'Bearer sk_test_bench' };

/** Whether this build has `tapedeck mock` (another issue adds it). */
function hasTapedeckMock() {
  const r = spawnSync(process.execPath, [join(REPO_DIR, 'bin', 'tapedeck'), 'mock', '--help'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return r.status === 0 && /mock/i.test(r.stdout) && /spec/i.test(r.stdout);
}

async function startTapedeckMock({ name, spec, probePath }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stateDir = mkdtempSync(join(work, 'state-mock-'));
  return startProcess({
    name,
    core: SERVER_CORE,
    command: process.execPath,
    args: [
      join(REPO_DIR, 'bin', 'tapedeck'),
      'mock',
      spec,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    cwd: work,
    env: { TAPEDECK_STATE_DIR: stateDir, TAPEDECK_LOG_LEVEL: 'error', NO_COLOR: '1' },
    url,
    probe: { url: `${url}${probePath}`, headers: SPEC_HEADERS },
    timeoutMs: S.specTimeoutS * 1000,
  });
}

async function scenarioSpec() {
  const section = 'spec';
  const text = specBytes();
  const full = join(work, 'stripe-openapi-2022-04.json');
  writeFileSync(full, text);
  const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const mockAvailable = hasTapedeckMock();
  const result = { variants: {} };
  const fullRun = await measureSpec({
    section,
    label: `Stripe OpenAPI 2022-04, ${mb(text.byteLength)} (bench/fixtures, MIT)`,
    spec: full,
    paths: SPEC_PATHS,
    mockAvailable,
    withPrism: peersMode,
  });
  result.variants.full = fullRun;
  // Prism may not load Stripe's spec at all (it resolves every $ref graph up front, and
  // Stripe's schemas are recursive): then compare both on a generated spec without cycles.
  if (peersMode && !fullRun.started.prism) {
    const generated = JSON.stringify(generatedSpec(GENERATED_RESOURCES));
    const file = join(work, 'generated-openapi.json');
    writeFileSync(file, generated);
    result.variants.generated = await measureSpec({
      section,
      label: `generated spec, ${GENERATED_RESOURCES} resources × (list, get by id), no recursive schemas, ${mb(generated.length)}`,
      spec: file,
      paths: GENERATED_PATHS,
      mockAvailable,
      withPrism: true,
    });
  }
  raw.scenarios.spec = result;
  printSection(section);
}

/**
 * tapedeck mock and (withPrism) Prism on `spec`: spawn → first answered request, idle RSS,
 * then both loaded side by side on SPEC_PATHS at 32 connections, in interleaved slices, for
 * S.reps repetitions. A server that fails to start is reported as such and not retried.
 */
async function measureSpec({ section, label, spec, paths, mockAvailable, withPrism }) {
  const failures = {};
  if (!mockAvailable) failures.mock = 'tapedeck mock not available in this build';
  if (!withPrism) failures.prism = 'Prism runs with --peers only';
  const reps = [];
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    const measured = { startup: {} };
    try {
      const starters = [];
      if (!failures.mock) {
        starters.push([
          'mock',
          () => startTapedeckMock({ name: 'mock', spec, probePath: paths[0] }),
        ]);
      }
      if (!failures.prism) {
        starters.push([
          'prism',
          () =>
            peers.prism.start({
              name: 'prism',
              core: SERVER_CORE,
              spec,
              probe: { path: paths[0], headers: SPEC_HEADERS },
              timeoutMs: S.specTimeoutS * 1000,
            }),
        ]);
      }
      const started = [];
      for (const [name, start] of starters) {
        try {
          const server = await start();
          servers.push(server);
          for (const path of paths) {
            const { status, body } = await peerGet(`${server.url}${path}`, SPEC_HEADERS);
            if (status !== 200) {
              throw new Error(`${path} answered ${status}: ${body.toString('utf8').slice(0, 200)}`);
            }
            JSON.parse(body.toString('utf8'));
          }
          measured.startup[name] = {
            firstMs: server.readyMs,
            idleRssMB: rssBytes(server.pid) / 2 ** 20,
          };
          started.push({ name, server });
        } catch (error) {
          failures[name] ??= `failed to start: ${reason(error)}`;
          log(`  ${name} on ${label}: ${failures[name]}`);
        }
      }
      if (started.length > 0) {
        const result = await load({
          targets: started.map(({ name, server }) => ({
            name,
            url: server.url,
            pids: [server.pid],
            paths: paths,
            headers: SPEC_HEADERS,
          })),
          connections: 32,
          duration: S.duration,
          warmup: Math.max(S.warmup, quick ? 0.25 : 2),
          rotate: rep,
        });
        for (const [name, text] of Object.entries(
          checkClean(result, 'spec mocks', new Set(['prism'])),
        )) {
          failures[`${name} under load`] = text;
          log(`  ${name}: ${text}`);
          addRow({
            section,
            scenario: `Prism, ${label}`,
            metric: `answered with errors: rep ${rep + 1}, ${text}`,
            unit: '',
          });
        }
        measured.load = result;
        log(
          `  spec rep ${rep + 1}/${S.reps} (${label}): ` +
            started
              .map(
                ({ name }) =>
                  `${name} first answer ${fmt.int(measured.startup[name].firstMs)} ms, ${fmt.int(result.targets[name].rps)} req/s`,
              )
              .join(' | '),
        );
      }
      reps.push(measured);
    } finally {
      await stopAll(servers);
    }
    if (Object.keys(measured.startup).length === 0) break;
  }
  const ok = (name) => reps.some((r) => r.startup[name]);
  const value = (name, f) => reps.map((r) => (r.startup[name] ? f(r) : undefined));
  const prismTitle = `Prism ${peers.prism.version() ?? ''}`.trim();
  for (const [name, title] of [
    ['mock', 'tapedeck mock'],
    ['prism', prismTitle],
  ]) {
    if (!ok(name)) {
      if (name === 'mock' || withPrism) {
        addRow({ section, scenario: `${title}, ${label}`, metric: failures[name], unit: '' });
      }
      continue;
    }
    const vsPrism = name === 'mock' && ok('prism');
    const scenario = `${title}, ${label}`;
    const prismBase = (f) =>
      vsPrism ? { baselines: value('prism', f), baselineLabel: 'Prism' } : {};
    addRow({
      section,
      scenario,
      metric: 'load the spec: spawn → first answered request',
      unit: 'ms',
      show: (n) => n.toFixed(0),
      values: value(name, (r) => r.startup[name].firstMs),
      ...prismBase((r) => r.startup.prism.firstMs),
    });
    addRow({
      section,
      scenario,
      metric: 'throughput, 32 conn',
      unit: 'req/s',
      show: fmt.int,
      values: value(name, (r) => r.load.targets[name].rps),
      ...prismBase((r) => r.load.targets.prism.rps),
      ...(vsPrism ? { target: '≥ 10×', check: (x) => x >= 10 } : {}),
      note: `GET ${paths.join(', ')} in turn, with a bearer test key (the spec requires credentials)`,
    });
    addRow({
      section,
      scenario,
      metric: 'p99 latency, 32 conn',
      unit: 'ms',
      values: value(name, (r) => r.load.targets[name].latencyMs.p99),
      ...prismBase((r) => r.load.targets.prism.latencyMs.p99),
    });
    addRow({
      section,
      scenario,
      metric: 'server CPU per request',
      unit: 'µs',
      show: fmt.us,
      values: value(name, (r) => r.load.targets[name].cpuUsPerRequest),
      ...prismBase((r) => r.load.targets.prism.cpuUsPerRequest),
    });
    addRow({
      section,
      scenario,
      metric: 'RSS idle',
      unit: 'MB',
      show: fmt.mb,
      values: value(name, (r) => r.startup[name].idleRssMB),
      ...prismBase((r) => r.startup.prism.idleRssMB),
    });
  }
  return { reps, failures, started: { mock: ok('mock'), prism: ok('prism') } };
}

// ---------------------------------------------------------------------------------------------
// Scenario 6: drift checking (bench/drift.mjs, when this build has it)

async function scenarioDrift() {
  const section = 'drift';
  const script = join(BENCH_DIR, 'drift.mjs');
  if (!existsSync(script)) {
    addRow({
      section,
      scenario: 'drift check',
      metric: 'bench/drift.mjs not present in this build',
      unit: '',
    });
    printSection(section);
    return;
  }
  const perRep = [];
  for (let rep = 0; rep < S.reps; rep++) {
    try {
      const result = await runJson({
        name: 'drift',
        args: [script],
        env: quick ? { DRIFT_BENCH_N: '2000' } : {},
      });
      perRep.push(result);
      log(`  drift rep ${rep + 1}/${S.reps}: ${JSON.stringify(result)}`);
    } catch (error) {
      addRow({
        section,
        scenario: 'drift check',
        metric: `bench/drift.mjs failed: ${reason(error)}`,
        unit: '',
      });
      printSection(section);
      return;
    }
  }
  raw.scenarios.drift = perRep;
  // bench/drift.mjs prints one JSON line; read its rate and memory whatever it calls them.
  const pickNumber = (r, names) => {
    for (const n of names) if (typeof r[n] === 'number') return r[n];
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'number' && names.some((n) => k.toLowerCase().includes(n.toLowerCase())))
        return v;
    }
    return undefined;
  };
  const rate = perRep.map((r) =>
    pickNumber(r, ['interactionsPerSecond', 'checkedPerSecond', 'perSecond', 'rate', 'PerS']),
  );
  const rss = perRep.map((r) => pickNumber(r, ['rssMB', 'peakRssMB', 'rss']));
  const first = perRep[0] ?? {};
  const what = [
    first.interactions !== undefined && `${fmt.int(first.interactions)} interactions`,
    first.cassettes !== undefined && `${fmt.int(first.cassettes)} cassettes`,
    first.concurrency !== undefined && `concurrency ${first.concurrency}`,
    first.learn !== undefined && `noise learning ${first.learn ? 'on' : 'off'}`,
  ]
    .filter(Boolean)
    .join(', ');
  const scenario = `drift check against a local upstream${what ? ` (${what})` : ''}`;
  const requests = perRep.map((r) => r.requestsPerSecond);
  addRow({
    section,
    scenario,
    metric: 'interactions checked per second',
    unit: '/s',
    show: fmt.int,
    values: rate,
    note: `bench/drift.mjs, run once per repetition${requests.some((v) => typeof v === 'number') ? `; ${fmt.int(median(requests))} upstream requests per second` : ''}${typeof first.drifted === 'number' ? `; ${fmt.int(first.drifted)} interactions reported as drifted` : ''}`,
  });
  if (rss.some((v) => v !== undefined)) {
    addRow({
      section,
      scenario,
      metric: 'peak RSS',
      unit: 'MB',
      show: fmt.mb,
      values: rss,
    });
  }
  printSection(section);
}

// ---------------------------------------------------------------------------------------------
// Report

/** The commit measured, and whether the working tree differed from it (dist/ is built from it). */
function gitState() {
  const git = (...args) => {
    const r = spawnSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json');
  return commit === undefined
    ? 'unknown'
    : `${commit}${dirty ? ' (src/ has uncommitted changes)' : ''}`;
}

/** The `java -version` line (WireMock runs on it), or undefined. */
function javaVersion() {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stderr.split('\n')[0]?.trim() : undefined;
}

/** tapedeck's version, from the repository's package.json. */
function tapedeckVersion() {
  return JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')).version;
}

function machine() {
  const cpu = cpus();
  return {
    commit: gitState(),
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    taskset: hasTaskset(),
    tapedeck: tapedeckVersion(),
    java: javaVersion(),
    ...(peersMode ? { peers: peerVersions() } : {}),
  };
}

function commandLine() {
  const args = process.argv.slice(2);
  if (args.length === 0) return 'npm run bench';
  if (args.length === 1 && args[0] === '--peers') return 'npm run bench:peers';
  return `node bench/run.mjs ${args.join(' ')}`;
}

function markdown(m, finishedAt) {
  const command = commandLine();
  const envSet = Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_'))
    .map((k) => `${k}=${process.env[k]}`);
  const sections = [
    ['replay', '1. Replay vs raw node:http'],
    ['lookup', '2a. Lookup from 100 to 1,000,000 interactions (in-process)'],
    ['startup', '2b. Replay startup and throughput with a big cassette set'],
    ['record', '3. Record overhead'],
    ['peers', '4. Peers serving the same 100 recordings (replay), side by side with raw node:http'],
    ['spec', '5. Spec mocks on a multi-megabyte OpenAPI spec'],
    ['drift', '6. Drift check'],
  ];
  const out = [
    '# tapedeck benchmark results',
    '',
    `- Date: ${startedAt.toISOString()} (took ${((finishedAt - startedAt) / 1000).toFixed(0)} s)`,
    `- Command: \`${[...envSet, command].join(' ')}\`${quick ? ' (smoke run: one repetition, short durations; not for comparisons)' : ''}${only ? ' (a subset of the scenarios)' : ''}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}`,
    `- Code: commit ${m.commit}`,
    ...(m.peers
      ? [
          `- Peers (bench/peers/package.json, pinned): ${Object.entries(m.peers)
            .map(([k, v]) => `${k} \`${v}\``)
            .join(
              ', ',
            )}; WireMock on ${m.java ?? 'java (version unknown)'}. How each is configured: bench/lib/peers/*.mjs and docs/performance.md`,
        ]
      : []),
    `- Pinning: ${m.taskset ? 'servers on core 0, load generator (autocannon 8) on core 1 (taskset)' : 'none (taskset not available)'}`,
    `- Settings: ${S.reps} repetitions; per target and repetition ${S.warmup} s warm-up, ${S.duration} s measured at 32 connections and ${S.latencyDuration} s at 1 connection, in interleaved slices of ${S.slice} s; keep-alive`,
    '- Ratios: computed per repetition against the baseline measured in the same repetition; the table shows the median ratio and, in brackets, the lowest and highest. Values are medians over repetitions.',
    '- Noise: this is a 2-vCPU VM whose cores are sometimes taken away for a second or more, so absolute req/s move a lot between runs; CPU time per request (from /proc) and per-repetition ratios are the stable numbers. Even at 32 connections neither the server nor the load generator keeps its core busy (wake-ups across vCPUs are slow here), which pulls throughput ratios towards 1; the capacity ratio (from CPU per request) does not have that bias.',
    '',
  ];
  for (const [key, title] of sections) {
    const selected = rows.filter((r) => r.section === key);
    if (selected.length === 0) continue;
    out.push(`## ${title}`, '', table(selected), '');
    const notes = selected
      .filter((r) => r.note)
      .map((r) => `- ${r.scenario} — ${r.metric}: ${r.note}`);
    if (notes.length > 0) out.push(...notes, '');
  }
  const missed = rows.filter((r) => r.met === false);
  out.push('## Targets', '');
  out.push(missed.length === 0 ? 'Every target was met.' : `${missed.length} target(s) missed:`);
  for (const r of missed) {
    const got =
      r.ratio !== undefined && !r.absoluteTarget
        ? fmt.x(r.ratio)
        : `${r.show(r.value)} ${r.unit}`.trim();
    out.push(`- ${r.scenario} — ${r.metric}: ${got} against ${r.target}`);
  }
  out.push('');
  return out.join('\n');
}

function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

async function main() {
  if (peersMode && !peers.peersInstalled()) {
    throw new Error(
      'the peers are not installed: run `npm ci --prefix bench/peers` (or `npm run bench:peers`, which does it)',
    );
  }
  const m = machine();
  log(
    `tapedeck benchmarks${quick ? ' (--quick)' : ''}: ${m.cpu}, ${m.cores} cores, Node ${m.node}, taskset ${m.taskset ? 'yes' : 'no'}`,
  );
  log(`settings: ${JSON.stringify(S)}`);
  log(`work dir: ${work}`);
  const steps = [
    ['replay', '1. replay vs raw node:http', scenarioReplay],
    ['lookup', '2a. lookup microbenchmark', scenarioLookup],
    ['startup', '2b. replay startup with a big cassette set', scenarioStartup],
    ['record', '3. record overhead', scenarioRecord],
    ['append', '3b. cassette append cost', scenarioAppend],
    ['peers', '4. peers serving the same recordings', scenarioPeers, peersMode],
    ['spec', '5. spec mocks: tapedeck mock vs Prism', scenarioSpec],
    ['drift', '6. drift check', scenarioDrift],
  ];
  for (const [key, title, step, enabled = true] of steps) {
    if (!enabled || (only && !only.includes(key))) continue;
    const t0 = Date.now();
    log(`\n== ${title}`);
    await step();
    log(`== ${title}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const finishedAt = new Date();
  const md = markdown(m, finishedAt);
  const results = join(BENCH_DIR, 'results');
  mkdirSync(results, { recursive: true });
  writeAtomically(join(results, 'latest.md'), md);
  const json = {
    date: startedAt.toISOString(),
    durationS: (finishedAt - startedAt) / 1000,
    command: commandLine(),
    machine: m,
    rows: rows.map(({ show: _show, ...r }) => r),
    raw,
  };
  writeAtomically(join(results, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  log(`\n${md}`);
  log(
    `wrote ${join('bench', 'results', 'latest.md')} and latest.json in ${((finishedAt - startedAt) / 1000).toFixed(0)} s`,
  );
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
