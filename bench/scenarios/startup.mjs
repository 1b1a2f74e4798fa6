// Scenario 2b: replay startup and throughput with a big cassette set.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as cassetteFormat from '../lib/cassette-format.mjs';
import { routePath, writeCassettes } from '../lib/fixtures.mjs';
import { rssBytes } from '../lib/proc.mjs';
import { startReplay } from '../lib/servers.mjs';
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
  httpGet,
  load,
  checkClean,
  stopAll,
  reason,
} from '../lib/harness.mjs';

export async function scenarioStartup() {
  const section = 'startup';
  const size = S.startupSize;
  const bigDir = join(work, `startup-${size}`);
  const smallDir = join(work, 'startup-100');
  const generated = Date.now();
  const written = writeCassettes(cassetteFormat, bigDir, size, 100);
  writeCassettes(cassetteFormat, smallDir, 100, 1);
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
  const written = writeCassettes(cassetteFormat, dir, size, 1_000, { small: true });
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
