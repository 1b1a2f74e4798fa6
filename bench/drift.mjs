// The drift job at scale: `node bench/drift.mjs` (after `npm run build`).
//
// Starts a local upstream in a child process (so its memory is not counted), writes a cassette
// set of N interactions (default 10,000: 100 cassettes of 100) into a temp dir, runs the drift
// job in this process with the default settings (noise learning on: every GET is sent twice;
// concurrency 4) and prints one JSON line: interactions checked per second, requests per second,
// and the peak RSS of the drift process. One interaction in ten drifts (a field removed), and
// every answer carries a volatile timestamp and request id, so comparison and noise learning do
// their real work.
//
// Settings (environment): DRIFT_BENCH_N (interactions), DRIFT_BENCH_PER_CASSETTE,
// DRIFT_BENCH_CONCURRENCY, DRIFT_BENCH_LEARN (0 to send once).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearInterval, setInterval } from 'node:timers';
import { performance } from 'node:perf_hooks';

const N = Number(process.env.DRIFT_BENCH_N ?? 10_000);
const PER_CASSETTE = Number(process.env.DRIFT_BENCH_PER_CASSETTE ?? 100);
const CONCURRENCY = Number(process.env.DRIFT_BENCH_CONCURRENCY ?? 4);
const LEARN = process.env.DRIFT_BENCH_LEARN !== '0';

const WORDS = ['anvil', 'bracket', 'clamp', 'drill', 'flange', 'gasket', 'hinge', 'rivet'];

/** The stable part of item `i` (~0.8 KB of JSON); `v2` drops a field from every tenth item. */
function item(i, v2) {
  const value = {
    id: `itm_${i}`,
    name: `${WORDS[i % WORDS.length]} ${i}`,
    status: i % 3 === 0 ? 'active' : 'archived',
    price: 100 + (i % 900),
    tags: [0, 1, 2].map((k) => ({
      id: `tag_${(i + k) % 50}`,
      label: WORDS[(i + k) % WORDS.length],
    })),
    dimensions: { w: i % 17, h: i % 23, d: i % 29, unit: 'mm' },
    description: `${WORDS[(i * 3) % WORDS.length]} `.repeat(40).trim(),
    legacy_code: `LC-${i}`,
  };
  if (v2 && i % 10 === 0) delete value.legacy_code;
  return value;
}

function upstreamMain() {
  const server = createServer((req, res) => {
    const m = /^\/v1\/items\/(\d+)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.stringify({
      ...item(Number(m[1]), true),
      generated_at: new Date().toISOString(),
      request_id: `req_${Math.random().toString(36).slice(2)}`,
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-request-id': String(Math.random()),
    });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
}

function writeCassettes(dir) {
  const recordedAt = '2026-01-01T00:00:00.000Z';
  for (let c = 0; c * PER_CASSETTE < N; c++) {
    const interactions = [];
    for (let i = c * PER_CASSETTE; i < Math.min(N, (c + 1) * PER_CASSETTE); i++) {
      interactions.push({
        latencyMs: 1,
        recordedAt,
        request: {
          method: 'GET',
          path: `/v1/items/${i}`,
          query: {},
          headers: { accept: 'application/json' },
        },
        response: {
          status: 200,
          headers: { 'content-type': 'application/json', 'x-request-id': 'req-recorded' },
          body: {
            encoding: 'json',
            json: { ...item(i, false), generated_at: recordedAt, request_id: 'req_recorded' },
          },
        },
      });
    }
    writeFileSync(
      join(dir, `items-${String(c).padStart(4, '0')}.json`),
      `${JSON.stringify({ version: 1, interactions }, null, 2)}\n`,
    );
  }
}

async function main() {
  // Loaded here, not at the top: the forked upstream process runs this file too.
  const { resolveConfig } = await import('../dist/app/config/config.js');
  const { composeDrift } = await import('../dist/app/compose/drift.js');
  const root = mkdtempSync(join(tmpdir(), 'tapedeck-drift-bench-'));
  const child = fork(fileURLToPath(import.meta.url), ['--upstream'], { stdio: 'inherit' });
  try {
    const [{ port }] = await once(child, 'message');
    const cassettes = join(root, 'cassettes');
    mkdirSync(cassettes);
    writeCassettes(cassettes);
    const { config } = resolveConfig({
      cwd: root,
      env: {},
      flags: [
        { pointer: '/cassettes', value: cassettes, flag: 'bench' },
        { pointer: '/stateDir', value: join(root, 'state'), flag: 'bench' },
        { pointer: '/drift/target', value: `http://127.0.0.1:${port}`, flag: 'bench' },
        { pointer: '/drift/concurrency', value: CONCURRENCY, flag: 'bench' },
        { pointer: '/drift/learn', value: LEARN, flag: 'bench' },
      ],
    });
    const logger = { enabled: () => false, log() {} };
    const env = { TAPEDECK_REDACTION_KEY: 'bench-drift-key-0123456789abcdef' };
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const run = await composeDrift(config, env, logger, { update: false });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const { totals } = run.report;
    const requests = totals.checked * (LEARN ? 2 : 1);
    const result = {
      bench: 'drift',
      interactions: totals.interactions,
      cassettes: run.report.cassettes.length,
      concurrency: CONCURRENCY,
      learn: LEARN,
      seconds: Number(seconds.toFixed(2)),
      interactionsPerSecond: Math.round(totals.interactions / seconds),
      requestsPerSecond: Math.round(requests / seconds),
      peakRssMB: Math.round(peak / 1024 / 1024),
      drifted: totals.breaking + totals.nonBreaking,
      unchecked: totals.unchecked,
      noiseFindings: totals.noiseFindings,
      node: process.version,
    };
    if (result.drifted !== Math.ceil(N / 10) || result.unchecked !== 0)
      throw new Error(`unexpected report: ${JSON.stringify(result)}`);
    console.log(JSON.stringify(result));
  } finally {
    child.disconnect();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv.includes('--upstream')) upstreamMain();
else await main();
