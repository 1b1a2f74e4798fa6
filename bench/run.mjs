// tapedeck's benchmark suite: `npm run bench` (builds, then runs this file).
//
//   node bench/run.mjs                 full run (a few minutes)
//   node bench/run.mjs --quick         smoke run (~30 s, one repetition: numbers are not reliable)
//   node bench/run.mjs --peers         also the peers (npm run bench:peers installs them first)
//   node bench/run.mjs --only replay,mock            a subset of the scenarios
//   node bench/run.mjs --only sandbox-store          the sandbox storage micro-bench
//   node bench/run.mjs --only sandbox [--peers]      sandbox vs replay (and Mockoon CRUD)
//   node bench/run.mjs --only sandbox-scenarios      200 scenario rules vs none, read and create
//   node bench/run.mjs --only sandbox-webhooks       5 webhook endpoints vs none, read and create
//   node bench/run.mjs --only replay-metrics         replay with its metrics sink vs none
//   node bench/run.mjs --baseline-rev REV --only replay,mock
//                                      also REV's replay and mock servers, built into a temp
//                                      dir, interleaved with this build's: new ÷ old
//   node bench/run.mjs --help
//
// Settings (environment): BENCH_DURATION (measured seconds per target per repetition at 32
// connections), BENCH_LATENCY_DURATION (same at 1 connection), BENCH_WARMUP (seconds per
// target), BENCH_REPS, BENCH_SLICE (seconds per interleaved slice), BENCH_SIZES (lookup
// microbenchmark sizes, comma-separated), BENCH_STARTUP_SIZE (interactions for the startup run),
// BENCH_APPEND_SIZES (cassette sizes for the append cost), BENCH_STARTUP_HUGE (one more
// startup with that many interactions; 1,000,000 with --peers), BENCH_SPEC_TIMEOUT (seconds a
// spec mock may take to load the spec), BENCH_MOCK_SPEC (`generated`: the mock scenario on a
// generated spec of BENCH_MOCK_RESOURCES resources instead of Stripe's).
//
// Every server under test runs in its own process on core 0, the load generator (autocannon, in
// bench/load.mjs) on core 1 (taskset, when it exists). Targets that are compared are measured in
// interleaved slices within one repetition; every ratio is computed per repetition against the
// baseline of that same repetition, and the table shows the median ratio (and the range).
// Each scenario is a file of bench/scenarios/; bench/lib/harness.mjs holds what they share, and
// bench/lib/report.mjs writes bench/results/latest.md and latest.json. See bench/README.md.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareBaseline } from './lib/baseline.mjs';
import {
  baselineRev,
  log,
  only,
  peersMode,
  quick,
  raw,
  rows,
  S,
  startedAt,
  work,
} from './lib/harness.mjs';
import * as peers from './lib/peers/index.mjs';
import { commandLine, machine, markdown, writeAtomically } from './lib/report.mjs';
import { BENCH_DIR } from './lib/servers.mjs';
import { scenarioAppend } from './scenarios/append.mjs';
import { scenarioBudgets } from './scenarios/budgets.mjs';
import { scenarioDrift } from './scenarios/drift.mjs';
import { scenarioLookup } from './scenarios/lookup.mjs';
import { scenarioSpec } from './scenarios/mock.mjs';
import { scenarioPeers } from './scenarios/peers.mjs';
import { scenarioRecord } from './scenarios/record.mjs';
import { scenarioReplay } from './scenarios/replay.mjs';
import { scenarioReplayMetrics } from './scenarios/replay-metrics.mjs';
import { scenarioSandboxStore } from './scenarios/sandbox.mjs';
import { scenarioSandbox } from './scenarios/sandbox-http.mjs';
import { scenarioSandboxScenarios } from './scenarios/sandbox-scenarios.mjs';
import { scenarioSandboxWebhooks } from './scenarios/sandbox-webhooks.mjs';
import { scenarioStartup } from './scenarios/startup.mjs';

/** The scenarios in report order: key (for --only), title, function, enabled. */
const STEPS = [
  ['replay', '1. replay vs raw node:http', scenarioReplay],
  ['lookup', '2a. lookup microbenchmark', scenarioLookup],
  ['startup', '2b. replay startup with a big cassette set', scenarioStartup],
  ['record', '3. record overhead', scenarioRecord],
  ['append', '3b. cassette append cost', scenarioAppend],
  ['peers', '4. peers serving the same recordings', scenarioPeers, peersMode],
  ['spec', '5. spec mocks: tapedeck mock vs Prism', scenarioSpec],
  ['drift', '6. drift check', scenarioDrift],
  ['budgets', '7. time budgets moved out of the unit tests', scenarioBudgets],
  ['sandbox-store', '8. sandbox storage: one tenant among many vs one alone', scenarioSandboxStore],
  ['sandbox', '9. sandbox: stateful read and create vs replay (and Mockoon CRUD)', scenarioSandbox],
  [
    'sandbox-scenarios',
    '10. sandbox: 200 magic-value scenario rules vs none (read and create)',
    scenarioSandboxScenarios,
  ],
  [
    'sandbox-webhooks',
    '11. sandbox: 5 webhook endpoints with receivers vs none (read and create)',
    scenarioSandboxWebhooks,
  ],
  ['replay-metrics', '12. replay: the metrics sink vs none', scenarioReplayMetrics],
];

function help() {
  const lines = [
    'usage: node bench/run.mjs [--quick] [--peers] [--only KEYS] [--baseline-rev REV]',
    '',
    `scenarios (--only, comma-separated): ${STEPS.map(([key]) => key).join(', ')} (mock = spec)`,
    '--baseline-rev REV: build REV (git archive + tsc) into a temp dir and run its replay and',
    '  mock servers interleaved with this build\'s (rows "new ÷ old"); needs `npm run build`.',
    'settings: see the top of bench/run.mjs (BENCH_* environment variables).',
  ];
  log(lines.join('\n'));
}

async function main() {
  if (peersMode && !peers.peersInstalled()) {
    throw new Error(
      'the peers are not installed: run `npm ci --prefix bench/peers` (or `npm run bench:peers`, which does it)',
    );
  }
  const unknown = only?.filter((key) => !STEPS.some(([k]) => k === key)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: no scenario ${unknown.join(', ')}`);
  const m = machine();
  log(
    `tapedeck benchmarks${quick ? ' (--quick)' : ''}: ${m.cpu}, ${m.cores} cores, Node ${m.node}, taskset ${m.taskset ? 'yes' : 'no'}`,
  );
  log(`settings: ${JSON.stringify(S)}`);
  log(`work dir: ${work}`);
  if (baselineRev !== undefined) {
    const baseline = prepareBaseline(baselineRev, work);
    m.baseline = baseline.label;
    raw.baseline = baseline.label;
    log(`baseline: ${baseline.label}, built in ${baseline.dir}`);
  }
  for (const [key, title, step, enabled = true] of STEPS) {
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
  if (process.argv.includes('--help') || process.argv.includes('-h')) help();
  else await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
