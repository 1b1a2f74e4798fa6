// Soak: a replay server (the built dist/) on a realistic cassette set, driven at 200 concurrent
// keep-alive connections for a long time, to show what a short benchmark cannot: memory that
// creeps up (a cache without a bound, a listener per request, a journal that never drops) and
// latency that drifts as the heap grows. A benchmark, not a test: it reports, it does not fail.
//
//   npm run bench:soak                       30 minutes (build first)
//   node bench/soak.mjs --minutes 2          a short check that it works
//   node bench/soak.mjs --help
//
// Every `--interval` seconds (30) it runs bench/load.mjs for one window and samples the server:
// RSS (/proc), heap used (bench/lib/heap-probe.mjs, loaded into the server with --import),
// throughput and p50/p99 latency of that window. The first `--warmup` seconds (30) are load
// without samples. It reports the RSS growth from the first sample after warm-up to the last
// (target: at most 10%) and the p99 drift (the last window's p99 ÷ the first's), as Markdown in
// bench/results/soak-latest.md and every sample in bench/results/soak-latest.json.
//
// The server runs on core 0, the load generator on core 1 (taskset, when it exists), as in
// bench/run.mjs. Cassettes, state and the probe file go to a temp dir, removed at the end.
import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as cassetteFormat from './lib/cassette-format.mjs';
import { itemBytes, routePath, writeCassettes } from './lib/fixtures.mjs';
import { rssBytes, runJson } from './lib/proc.mjs';
import { machine, writeAtomically } from './lib/report.mjs';
import { BENCH_DIR, REPO_DIR, startTapedeck } from './lib/servers.mjs';

const SERVER_CORE = 0;
const LOAD_CORE = 1;
const RSS_GROWTH_TARGET_PCT = 10;

const HELP = `node bench/soak.mjs [options]

  --minutes N       total run time, warm-up included (default 30)
  --connections N   concurrent keep-alive connections (default 200)
  --interval S      seconds per sample window (default 30)
  --warmup S        seconds of load before the first sample (default 30)
  --routes N        recorded interactions, one route each (default 1000)
  --cassettes N     cassette files they are spread over (default 10)
  --out DIR         where soak-latest.md and soak-latest.json go (default bench/results)

Needs a built dist/ (npm run build; npm run bench:soak builds first).`;

function option(name, fallback) {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return fallback;
}

function positive(name, fallback) {
  const raw = option(name, undefined);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`${name} must be a positive number, not ${raw}\n`);
    process.exit(2);
  }
  return n;
}

if (process.argv.includes('--help')) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const settings = {
  minutes: positive('--minutes', 30),
  connections: Math.round(positive('--connections', 200)),
  intervalS: positive('--interval', 30),
  warmupS: positive('--warmup', 30),
  routes: Math.round(positive('--routes', 1000)),
  cassettes: Math.round(positive('--cassettes', 10)),
};
const outDir = option('--out', join(BENCH_DIR, 'results'));
const windows = Math.floor((settings.minutes * 60 - settings.warmupS) / settings.intervalS);
if (windows < 2) {
  process.stderr.write(
    `--minutes ${settings.minutes} leaves ${windows} sample window(s) after a ${settings.warmupS} s warm-up: at least 2 are needed (lower --interval or --warmup, or raise --minutes).\n`,
  );
  process.exit(2);
}
if (!existsSync(join(REPO_DIR, 'dist', 'index.js'))) {
  process.stderr.write('No dist/ build: run `npm run build` first (or `npm run bench:soak`).\n');
  process.exit(2);
}

const log = (line) => process.stdout.write(`${line}\n`);
const mb = (bytes) => (bytes === undefined ? undefined : bytes / 2 ** 20);
const f1 = (n) => (n === undefined ? '—' : n.toFixed(1));
const f2 = (n) => (n === undefined ? '—' : n.toFixed(2));
const int = (n) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));

const work = mkdtempSync(join(tmpdir(), 'tapedeck-soak-'));
const probeFile = join(work, 'memory.json');
let loadConfigs = 0;

/** One window of load: bench/load.mjs for `seconds`, its summary of the one target. */
async function loadWindow(target, seconds) {
  const file = join(work, `load-${loadConfigs++}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      targets: [target],
      connections: settings.connections,
      duration: seconds,
      warmup: 0,
      slice: seconds,
    }),
  );
  const result = await runJson({
    name: 'load generator',
    core: LOAD_CORE,
    args: [join(BENCH_DIR, 'load.mjs'), `@${file}`],
    timeoutMs: (seconds + 120) * 1000,
  });
  rmSync(file, { force: true });
  return result.targets[target.name];
}

/** The server's memory as its probe last wrote it (at most a second old). */
function heap() {
  try {
    return JSON.parse(readFileSync(probeFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function markdownReport(report) {
  const { summary: s, samples } = report;
  const lines = [
    '# Soak: replay at sustained load',
    '',
    `Run ${report.startedAt} – ${report.finishedAt} with \`${report.command}\`; commit ${report.machine.commit}, ${report.machine.cpu} (${report.machine.cores} cores), Node ${report.machine.node}.`,
    '',
    `${settings.connections} keep-alive connections on a replay server (dist/) with ${settings.routes} recorded interactions (~1 KB JSON each) in ${settings.cassettes} cassettes, each connection cycling through all routes. ${settings.warmupS} s of warm-up, then a sample every ${settings.intervalS} s (${samples.length} windows).`,
    '',
    '| Result | Value | Target | Met |',
    '| --- | --- | --- | --- |',
    `| RSS growth, first sample after warm-up → last | ${f1(s.rssGrowthPct)}% (${f1(s.rssFirstMB)} → ${f1(s.rssLastMB)} MB) | ≤ ${RSS_GROWTH_TARGET_PCT}% | ${s.rssGrowthPct <= RSS_GROWTH_TARGET_PCT ? 'yes' : '**no**'} |`,
    `| Heap used, first → last | ${f1(s.heapFirstMB)} → ${f1(s.heapLastMB)} MB (${f1(s.heapGrowthPct)}%) | — | n/a |`,
    `| p99 drift (last window ÷ first) | ${f2(s.p99Drift)}× (${f2(s.p99FirstMs)} → ${f2(s.p99LastMs)} ms) | — | n/a |`,
    `| p50 drift (last window ÷ first) | ${f2(s.p50Drift)}× (${f2(s.p50FirstMs)} → ${f2(s.p50LastMs)} ms) | — | n/a |`,
    `| Throughput, last window ÷ first | ${f2(s.rpsDrift)}× (${int(s.rpsFirst)} → ${int(s.rpsLast)} req/s) | — | n/a |`,
    `| Peak RSS over the samples | ${f1(s.rssPeakMB)} MB | — | n/a |`,
    `| Errors, timeouts, non-2xx answers | ${s.errors}, ${s.timeouts}, ${s.non2xx} in ${int(s.requests)} requests | 0 | ${s.errors + s.timeouts + s.non2xx === 0 ? 'yes' : '**no**'} |`,
    '',
    '| t (s) | RSS (MB) | heap used (MB) | heap total (MB) | req/s | p50 (ms) | p99 (ms) | max (ms) | errors | non-2xx |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...samples.map(
      (x) =>
        `| ${int(x.tS)} | ${f1(x.rssMB)} | ${f1(x.heapUsedMB)} | ${f1(x.heapTotalMB)} | ${int(x.rps)} | ${f2(x.p50Ms)} | ${f2(x.p99Ms)} | ${f1(x.maxMs)} | ${x.errors + x.timeouts} | ${x.non2xx} |`,
    ),
    '',
    'The machine is shared and its cores are sometimes taken away: one slow window moves p99 a lot, so read the drift with the table, not alone. A 30-minute run is the reference; a short one only checks that the tool works.',
    '',
  ];
  return lines.join('\n');
}

const startedAt = new Date();
const cassettesDir = join(work, 'cassettes');
writeCassettes(cassetteFormat, cassettesDir, settings.routes, settings.cassettes);
const paths = Array.from({ length: settings.routes }, (_, i) => routePath(i));
const server = await startTapedeck({
  name: 'replay-soak',
  core: SERVER_CORE,
  workDir: work,
  command: 'replay',
  args: ['--cassettes', cassettesDir],
  nodeArgs: ['--import', pathToFileURL(join(BENCH_DIR, 'lib', 'heap-probe.mjs')).href],
  env: { SOAK_PROBE_FILE: probeFile },
});
let exitCode = 0;
try {
  // One answer checked byte for byte before the load, so a broken set fails at once.
  const probe = await new Promise((resolve, reject) => {
    get(`${server.url}${routePath(7)}`, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
  if (probe.status !== 200 || !probe.body.equals(itemBytes(7)))
    throw new Error(`the replay server answered ${routePath(7)} with ${probe.status}`);

  const target = { name: 'replay', url: server.url, pids: [server.pid], paths };
  log(
    `soak: ${settings.connections} connections, ${settings.routes} routes in ${settings.cassettes} cassettes, ${settings.warmupS} s warm-up, ${windows} windows of ${settings.intervalS} s (pid ${server.pid})`,
  );
  const warm = await loadWindow(target, settings.warmupS);
  log(
    `  warm-up: ${int(warm.rps)} req/s, p99 ${f2(warm.latencyMs.p99)} ms, RSS ${f1(mb(rssBytes(server.pid)))} MB`,
  );
  const t0 = process.hrtime.bigint();
  const samples = [];
  for (let w = 0; w < windows; w++) {
    const t = await loadWindow(target, settings.intervalS);
    const memory = heap();
    const sample = {
      tS: Number(process.hrtime.bigint() - t0) / 1e9,
      rssMB: mb(rssBytes(server.pid)),
      heapUsedMB: mb(memory?.heapUsed),
      heapTotalMB: mb(memory?.heapTotal),
      externalMB: mb(memory?.external),
      rps: t.rps,
      requests: t.count,
      p50Ms: t.latencyMs.p50,
      p99Ms: t.latencyMs.p99,
      maxMs: t.latencyMs.max,
      errors: t.errors,
      timeouts: t.timeouts,
      non2xx: t.non2xx,
      cpuUsPerRequest: t.cpuUsPerRequest,
    };
    samples.push(sample);
    log(
      `  t=${int(sample.tS)} s: RSS ${f1(sample.rssMB)} MB, heap ${f1(sample.heapUsedMB)} MB, ${int(sample.rps)} req/s, p50 ${f2(sample.p50Ms)} ms, p99 ${f2(sample.p99Ms)} ms, errors ${sample.errors + sample.timeouts}, non-2xx ${sample.non2xx}`,
    );
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const pct = (a, b) => (a === undefined || b === undefined ? undefined : ((b - a) / a) * 100);
  const sum = (k) => samples.reduce((n, x) => n + (x[k] ?? 0), 0);
  const summary = {
    rssFirstMB: first.rssMB,
    rssLastMB: last.rssMB,
    rssGrowthPct: pct(first.rssMB, last.rssMB),
    rssPeakMB: Math.max(...samples.map((x) => x.rssMB ?? 0)),
    rssGrowthTargetPct: RSS_GROWTH_TARGET_PCT,
    heapFirstMB: first.heapUsedMB,
    heapLastMB: last.heapUsedMB,
    heapGrowthPct: pct(first.heapUsedMB, last.heapUsedMB),
    p50FirstMs: first.p50Ms,
    p50LastMs: last.p50Ms,
    p50Drift: last.p50Ms / first.p50Ms,
    p99FirstMs: first.p99Ms,
    p99LastMs: last.p99Ms,
    p99Drift: last.p99Ms / first.p99Ms,
    rpsFirst: first.rps,
    rpsLast: last.rps,
    rpsDrift: last.rps / first.rps,
    requests: sum('requests'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    non2xx: sum('non2xx'),
  };
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node bench/soak.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machine(),
    settings,
    warmup: { rps: warm.rps, p99Ms: warm.latencyMs.p99 },
    summary,
    samples,
  };
  mkdirSync(outDir, { recursive: true });
  writeAtomically(join(outDir, 'soak-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(join(outDir, 'soak-latest.md'), markdownReport(report));
  log('');
  log(
    `RSS growth ${f1(summary.rssGrowthPct)}% (${f1(summary.rssFirstMB)} → ${f1(summary.rssLastMB)} MB; target ≤ ${RSS_GROWTH_TARGET_PCT}%), p99 drift ${f2(summary.p99Drift)}× (${f2(summary.p99FirstMs)} → ${f2(summary.p99LastMs)} ms), ${summary.errors + summary.timeouts} errors, ${summary.non2xx} non-2xx`,
  );
  log(`wrote ${join(outDir, 'soak-latest.md')} and soak-latest.json`);
} catch (error) {
  process.stderr.write(`soak failed: ${error?.message ?? error}\n${server.stderr()}\n`);
  exitCode = 1;
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = exitCode;
