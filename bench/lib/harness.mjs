// The shared state and helpers of the benchmark run (bench/run.mjs): settings, the rows of
// the results table, the load generator, and the checks every scenario uses.

import { Buffer } from 'node:buffer';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJson } from './proc.mjs';
import { BENCH_DIR, REPO_DIR } from './servers.mjs';
import { median, minMax, ratios } from './stats.mjs';

// ---------------------------------------------------------------------------------------------
// Settings

/** The value of `--name value` or `--name=value` on the command line, or undefined. */
export function argValue(name) {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return undefined;
}

export const quick = process.argv.includes('--quick');
// --peers adds the peers (bench/peers: WireMock, talkback, mountebank, Mockoon, Prism).
export const peersMode = process.argv.includes('--peers');
// --only replay,lookup,startup,record,append,peers,spec,drift runs a subset (the report then
// has only those; peers needs --peers). `mock` is another name for `spec`.
export const only = argValue('--only')
  ?.split(',')
  .map((s) => (s.trim() === 'mock' ? 'spec' : s.trim()));
// --baseline-rev REV also runs the replay and mock servers of REV (built into a temp dir by
// bench/lib/baseline.mjs), interleaved with this build's, and reports new ÷ old.
export const baselineRev = argValue('--baseline-rev');
export const envNumber = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number, not ${raw}`);
  return n;
};
export const envList = (name, fallback) => {
  if (!process.env[name]) return fallback;
  const list = process.env[name].split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${name} must be a comma-separated list of positive integers`);
  }
  return list;
};

export const S = {
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
  // The spec of the mock scenario: Stripe's (the default), or `generated` (bench/lib/spec.mjs,
  // BENCH_MOCK_RESOURCES resources): a small one for a quick check of the scenario itself.
  mockSpec: process.env['BENCH_MOCK_SPEC'] === 'generated' ? 'generated' : 'stripe',
  mockResources: envNumber('BENCH_MOCK_RESOURCES', 150),
};
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export const work = mkdtempSync(join(tmpdir(), 'tapedeck-bench-'));
export const startedAt = new Date();
export const rows = [];
export const raw = { settings: S, scenarios: {} };

// ---------------------------------------------------------------------------------------------
// Helpers

export const fmt = {
  int: (n) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US')),
  ms: (n) => (n === undefined ? '—' : n < 10 ? n.toFixed(3) : n.toFixed(1)),
  x: (n) => (n === undefined ? '—' : `${n.toFixed(2)}×`),
  us: (n) => (n === undefined ? '—' : n.toFixed(1)),
  mb: (n) => (n === undefined ? '—' : n.toFixed(0)),
};

export function log(line) {
  process.stdout.write(`${line}\n`);
}

/**
 * One table row. `values` and `baselines` are per repetition; the row shows their medians and
 * the median of the per-repetition ratios. `check(ratio)` says whether the target is met.
 */
export function addRow({
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

export function metCell(met) {
  return met === undefined ? 'n/a' : met ? 'yes' : '**no**';
}

export function rowCells(r) {
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

export function table(selected) {
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

export function printSection(section) {
  log('');
  log(table(rows.filter((r) => r.section === section)));
  log('');
}

/** GET with node:http and no keep-alive: status and body bytes. */
export function httpGet(url) {
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

export async function expectBody(server, path, expected) {
  const { status, body } = await httpGet(`${server.url}${path}`);
  if (status !== 200 || !body.equals(expected)) {
    throw new Error(
      `${server.name} answered ${path} with ${status} and ${body.byteLength} bytes, not the expected 200 and ${expected.byteLength} bytes:\n${body.toString('utf8').slice(0, 500)}`,
    );
  }
}

export let loadConfigs = 0;
export function load(config) {
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
export function checkClean(result, phase, tolerate = new Set()) {
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

export const pick = (reps, name, f) => reps.map((rep) => f(rep.targets[name]));

export async function stopAll(servers) {
  for (const s of servers) await s?.stop();
}

/** First line of an error, without a trailing stack, for a table cell. */
export function reason(error) {
  const text = String(error?.message ?? error)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** tapedeck's version, from the repository's package.json. */
export function tapedeckVersion() {
  return JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')).version;
}
