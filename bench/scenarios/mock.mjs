// Scenario 5: spec mocks on a multi-megabyte OpenAPI spec: tapedeck mock vs Prism (--peers).

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rssBytes } from '../lib/proc.mjs';
import { get as peerGet } from '../lib/peers/common.mjs';
import * as peers from '../lib/peers/index.mjs';
import { generatedSpec, specBytes } from '../lib/spec.mjs';
import {
  quick,
  peersMode,
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
  stopAll,
  reason,
} from '../lib/harness.mjs';
import { baseline } from '../lib/baseline.mjs';
import { startTapedeck, TAPEDECK_BIN } from '../lib/servers.mjs';

/** The mock of the --baseline-rev build, when there is one. */
const OLD = 'mock-old';

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

/** Whether the build whose CLI is `bin` has `tapedeck mock`. */
function hasTapedeckMock(bin = TAPEDECK_BIN) {
  const r = spawnSync(process.execPath, [bin, 'mock', '--help'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return r.status === 0 && /mock/i.test(r.stdout) && /spec/i.test(r.stdout);
}

/**
 * `tapedeck mock SPEC --port 0 --json` from the build whose CLI is `bin` (the command line
 * every build since the mock has understood), answered once on `probePath`: `readyMs` is
 * spawn → that first answer.
 */
async function startTapedeckMock({ name, spec, probePath, bin }) {
  const server = await startTapedeck({
    name,
    core: SERVER_CORE,
    workDir: work,
    command: 'mock',
    args: [spec],
    bin,
    timeoutMs: S.specTimeoutS * 1000,
  });
  try {
    const { status, body } = await peerGet(`${server.url}${probePath}`, SPEC_HEADERS);
    if (status !== 200)
      throw new Error(`${probePath} answered ${status}: ${body.toString('utf8').slice(0, 200)}`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ...server, readyMs: Number(process.hrtime.bigint() - server.startedAt) / 1e6 };
}

export async function scenarioSpec() {
  const section = 'spec';
  const text = specBytes();
  const full = join(work, 'stripe-openapi-2022-04.json');
  writeFileSync(full, text);
  const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const mockAvailable = hasTapedeckMock();
  const old = baseline();
  // The baseline build's mock, side by side with this build's (--baseline-rev).
  const oldBin = old && hasTapedeckMock(old.bin) ? old.bin : undefined;
  if (old && !oldBin) log(`  ${old.label} has no tapedeck mock: no new ÷ old comparison`);
  const result = { variants: {} };
  if (S.mockSpec === 'generated') {
    // BENCH_MOCK_SPEC=generated: a small spec, for checking the scenario itself quickly.
    const generated = JSON.stringify(generatedSpec(S.mockResources));
    const file = join(work, 'generated-openapi.json');
    writeFileSync(file, generated);
    result.variants.generated = await measureSpec({
      section,
      label: `generated spec, ${S.mockResources} resources × (list, get by id), ${mb(generated.length)}`,
      spec: file,
      paths: GENERATED_PATHS.filter((p) => Number(/thing(\d+)/.exec(p)[1]) < S.mockResources),
      mockAvailable,
      withPrism: peersMode,
      oldBin,
      oldLabel: old?.label,
    });
    raw.scenarios.spec = result;
    printSection(section);
    return;
  }
  const fullRun = await measureSpec({
    section,
    label: `Stripe OpenAPI 2022-04, ${mb(text.byteLength)} (bench/fixtures, MIT)`,
    spec: full,
    paths: SPEC_PATHS,
    mockAvailable,
    withPrism: peersMode,
    oldBin,
    oldLabel: old?.label,
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
async function measureSpec({
  section,
  label,
  spec,
  paths,
  mockAvailable,
  withPrism,
  oldBin,
  oldLabel,
}) {
  const failures = {};
  if (!mockAvailable) failures.mock = 'tapedeck mock not available in this build';
  if (!withPrism) failures.prism = 'Prism runs with --peers only';
  if (!oldBin || !mockAvailable) failures[OLD] = 'no baseline build';
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
      if (!failures[OLD]) {
        starters.push([
          OLD,
          () => startTapedeckMock({ name: OLD, spec, probePath: paths[0], bin: oldBin }),
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
  if (ok('mock') && ok(OLD)) {
    // This build's mock ÷ the baseline build's, in the same slices: the "0.95× of before".
    const scenario = `tapedeck mock, ${label}`;
    const both = (f) => ({
      values: value('mock', (r) => (r.startup[OLD] ? f(r, 'mock') : undefined)),
      baselines: value(OLD, (r) => (r.startup.mock ? f(r, OLD) : undefined)),
      baselineLabel: `mock of ${oldLabel}`,
    });
    addRow({
      section,
      scenario,
      metric: 'throughput, 32 conn: new ÷ old build',
      unit: 'req/s',
      show: fmt.int,
      ...both((r, n) => r.load.targets[n].rps),
      target: '≥ 0.95×',
      check: (x) => x >= 0.95,
    });
    const cpu = addRow({
      section,
      scenario,
      metric: 'server CPU per request: new ÷ old build',
      unit: 'µs',
      show: fmt.us,
      ...both((r, n) => r.load.targets[n].cpuUsPerRequest),
    });
    addRow({
      section,
      scenario,
      metric: 'capacity: old CPU/req ÷ new CPU/req',
      perRepRatios: cpu.perRepRatios.map((x) => (x ? 1 / x : undefined)),
    });
  }
  return { reps, failures, started: { mock: ok('mock'), prism: ok('prism'), old: ok(OLD) } };
}
