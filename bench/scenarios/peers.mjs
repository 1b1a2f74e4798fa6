// Scenario 4 (--peers): the peers serving the same recordings, side by side with replay and raw.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as cassetteFormat from '../lib/cassette-format.mjs';
import { itemBytes, routePath, writeCassettes } from '../lib/fixtures.mjs';
import { rssBytes } from '../lib/proc.mjs';
import { startRaw, startReplay } from '../lib/servers.mjs';
import { median } from '../lib/stats.mjs';
import * as peers from '../lib/peers/index.mjs';
import { recordedRoutes } from '../lib/peers/routes.mjs';
import {
  quick,
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
  stopAll,
  reason,
  tapedeckVersion,
} from '../lib/harness.mjs';

/** The replay peers, in the order they are started (bench/lib/peers). */
export const REPLAY_PEERS = ['wiremock', 'talkback', 'mountebank', 'mockoon'];

/** Versions of every peer package (bench/peers/package.json pins them). */
export function peerVersions() {
  const out = {};
  for (const key of [...REPLAY_PEERS, 'prism']) {
    const p = peers[key];
    out[p.label] = `${p.pkg}@${p.version() ?? 'not installed'}`;
  }
  return out;
}

export async function scenarioPeers() {
  const section = 'peers';
  const c100 = join(work, 'peers-cassettes');
  writeCassettes(cassetteFormat, c100, 100);
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
  // The claim: tapedeck replay faster than every peer, in the same slices.
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
