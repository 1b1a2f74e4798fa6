// Scenario 11 (replay-metrics): what counting every answer costs replay (issue 16). Two replay
// servers on the same 100 recordings, side by side under the same load: one with its metrics
// (the pipeline reports each answer to the registry behind GET /__tapedeck/metrics), one with
// no metrics sink at all. Nobody scrapes during the load: this is the cost on the request's
// path, one key string and a few additions per answer.
//
// Target (issue 16): metrics cost ≤ 1.05× (throughput with metrics ≥ 1/1.05 of without).
import { join } from 'node:path';
import * as cassetteFormat from '../lib/cassette-format.mjs';
import { itemBytes, routePath, writeCassettes } from '../lib/fixtures.mjs';
import { startReplayMetrics } from '../lib/servers.mjs';
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

export async function scenarioReplayMetrics() {
  const section = 'replay-metrics';
  const cassettes = join(work, 'replay-metrics-100');
  writeCassettes(cassetteFormat, cassettes, 100);
  const paths = Array.from({ length: 100 }, (_, i) => routePath(i));
  const reps = [];
  for (let rep = 0; rep < S.reps; rep++) {
    const servers = [];
    try {
      const targets = [];
      for (const [name, metrics] of [
        ['metrics', true],
        ['none', false],
      ]) {
        const server = await startReplayMetrics({
          name: `replay-${name}-${rep}`,
          core: SERVER_CORE,
          workDir: work,
          cassettes,
          metrics,
        });
        servers.push(server);
        await expectBody(server, routePath(42), itemBytes(42));
        targets.push({ name, url: server.url, pids: [server.pid], paths });
      }
      const result = await load({
        targets,
        connections: 32,
        duration: S.duration,
        warmup: S.warmup,
        rotate: rep,
      });
      checkClean(result, 'replay-metrics');
      reps.push(result);
      const rates = Object.entries(result.targets).map(([k, t]) => `${k} ${fmt.int(t.rps)}`);
      log(`  rep ${rep + 1}/${S.reps}: ${rates.join(', ')}`);
    } finally {
      await stopAll(servers);
    }
  }
  const rps = (name) => pick(reps, name, (t) => t.rps);
  addRow({
    section,
    scenario: 'replay, 100 routes, 32 connections: metrics vs no sink (cost = none ÷ metrics)',
    metric: 'cost ratio',
    unit: 'req/s',
    values: rps('none'),
    baselines: rps('metrics'),
    baselineLabel: 'with metrics',
    target: '≤ 1.05×',
    check: (ratio) => ratio <= 1.05,
    show: fmt.int,
  });
  // CPU per request moves less than throughput on this VM (see the notes of the report).
  const cpu = (name) => pick(reps, name, (t) => t.cpuUsPerRequest);
  addRow({
    section,
    scenario: 'replay, 100 routes, 32 connections: CPU per request, metrics ÷ no sink',
    metric: 'cost ratio',
    unit: 'µs CPU/req',
    values: cpu('metrics'),
    baselines: cpu('none'),
    baselineLabel: 'no sink',
    target: '≤ 1.05×',
    check: (ratio) => ratio <= 1.05,
    show: fmt.us,
  });
  raw.scenarios['replay-metrics'] = { reps };
  printSection(section);
}
