// Scenario 1: replay vs raw node:http (bench/run.mjs --only replay).

import { join } from 'node:path';
import * as cassetteFormat from '../lib/cassette-format.mjs';
import { itemBytes, routePath, writeCassettes } from '../lib/fixtures.mjs';
import { rssBytes } from '../lib/proc.mjs';
import { startRaw, startReplay } from '../lib/servers.mjs';
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
  expectBody,
  load,
  checkClean,
  pick,
  stopAll,
} from '../lib/harness.mjs';
import { baseline } from '../lib/baseline.mjs';

/** The replay server of the --baseline-rev build, when there is one. */
const OLD = 'replay-100-old';

export async function scenarioReplay() {
  const section = 'replay';
  const old = baseline();
  const c100 = join(work, 'replay-100');
  const c1 = join(work, 'replay-1');
  writeCassettes(cassetteFormat, c100, 100);
  writeCassettes(cassetteFormat, c1, 1);
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
      // --baseline-rev: the same replay server from the other build, in the same slices.
      const old100 = old
        ? await firstAnswer(
            await startReplay({
              name: OLD,
              core: SERVER_CORE,
              workDir: work,
              cassettes: c100,
              bin: old.bin,
            }),
          )
        : undefined;
      for (const s of servers) memory[s.name].idleRssMB = rssBytes(s.pid) / 2 ** 20;
      await expectBody(raw100, routePath(42), itemBytes(42));
      await expectBody(replay100, routePath(42), itemBytes(42));
      if (old100) await expectBody(old100, routePath(42), itemBytes(42));
      const targets = [
        { name: 'raw-1', url: raw1.url, pids: [raw1.pid], paths: paths1 },
        { name: 'raw-100', url: raw100.url, pids: [raw100.pid], paths: paths100 },
        { name: 'replay-100', url: replay100.url, pids: [replay100.pid], paths: paths100 },
        { name: 'replay-1', url: replay1.url, pids: [replay1.pid], paths: paths1 },
        ...(old100 ? [{ name: OLD, url: old100.url, pids: [old100.pid], paths: paths100 }] : []),
      ];
      for (const [phase, connections, duration, warmup] of [
        ['c32', 32, S.duration, S.warmup],
        ['c1', 1, S.latencyDuration, Math.min(0.5, S.warmup)],
        ['fresh', 32, S.latencyDuration, Math.min(0.5, S.warmup)],
      ]) {
        // `fresh`: a new connection for every request (no keep-alive), 100 routes only.
        const fresh = phase === 'fresh';
        const result = await load({
          targets: fresh
            ? targets.filter((t) => t.name.endsWith('-100') || t.name === OLD)
            : targets,
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
  if (old) baselineRows(section, phases, old.label);
  const loadBusy = median(pick(c32, 'raw-100', (t) => t.loadBusy));
  const serverBusy = median(pick(c32, 'raw-100', (t) => t.serverBusy));
  raw.scenarios.replayNotes = { rawLoadBusy: loadBusy, rawServerBusy: serverBusy };
  log(
    `  (raw-100 at 32 conn: load generator core ${Math.round(loadBusy * 100)}% busy, server core ${Math.round(serverBusy * 100)}% busy)`,
  );
  printSection(section);
}

/**
 * This build's replay ÷ the baseline build's (--baseline-rev), both on the 100 routes and
 * measured in the same interleaved slices: the "replay within noise of before".
 */
function baselineRows(section, phases, label) {
  const baselineLabel = `replay of ${label}`;
  for (const [phase, scenario] of [
    ['c32', 'replay, 100 routes, 32 conn'],
    ['c1', 'replay, 100 routes, 1 conn'],
    ['fresh', 'replay, 100 routes, 32 conn, new connection per request'],
  ]) {
    const reps = phases[phase];
    addRow({
      section,
      scenario,
      metric: 'throughput: new ÷ old build',
      unit: 'req/s',
      show: fmt.int,
      values: pick(reps, 'replay-100', (t) => t.rps),
      baselines: pick(reps, OLD, (t) => t.rps),
      baselineLabel,
      ...(phase === 'c32' ? { target: '≥ 0.97×', check: (r) => r >= 0.97 } : {}),
    });
    if (phase !== 'c32') continue;
    const cpu = addRow({
      section,
      scenario,
      metric: 'server CPU per request: new ÷ old build',
      unit: 'µs',
      show: fmt.us,
      values: pick(reps, 'replay-100', (t) => t.cpuUsPerRequest),
      baselines: pick(reps, OLD, (t) => t.cpuUsPerRequest),
      baselineLabel,
    });
    addRow({
      section,
      scenario,
      metric: 'capacity: old CPU/req ÷ new CPU/req',
      perRepRatios: cpu.perRepRatios.map((x) => (x ? 1 / x : undefined)),
      note: 'what the new ÷ old throughput ratio would be if both were CPU-bound on a core of their own',
    });
  }
}
