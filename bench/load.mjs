// The load generator, run as its own process (pinned to its own core by run.mjs).
//
// It drives several targets that are compared with each other (say raw node:http and tapedeck
// replay) in interleaved slices: every target is warmed up, then the measured time is cut into
// slices of `slice` seconds and the targets take turns, in an order that rotates every round.
// This machine is a VM whose cores are sometimes taken away for a second or more; interleaving
// puts the baseline and the candidate under the same conditions, which back-to-back runs of
// several seconds each do not.
//
// Latency is kept for every response at full resolution (autocannon's own histogram rounds to
// whole milliseconds). The CPU time of each target's processes is read from /proc around each
// of its slices. With `settle` (seconds, at most), every slice (and warm-up) is followed by a
// wait until the target's processes are idle (see settleDown) before the CPU time is read and
// the next target starts: work a server does after its last answer (a recorder writing its last
// batch to disk) is then charged to that server, and does not take the core from the next
// target's slice. `reconnectRate: 1` drives the targets without keep-alive instead (runFresh: a
// new TCP connection per request); a target's own `headers` go with each of its requests.
// Prints one JSON line.
//
//   node bench/load.mjs '{"targets":[{"name":"raw","url":"http://127.0.0.1:8080","pids":[123]}],
//                         "connections":32,"duration":5,"warmup":1,"slice":1,"paths":["/"]}'
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { cpuSeconds, TICK_S } from './lib/proc.mjs';
import { percentileSorted } from './lib/stats.mjs';

// The configuration is JSON, inline or (`@FILE`) in a file when it is too long for argv.
const arg = process.argv[2];
const options = JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg);
const {
  targets,
  connections,
  duration,
  warmup = 1,
  slice = 1,
  settle = 0,
  rotate = 0,
  pathMode = 'cycle',
  paths = ['/'],
  prefix = '/',
  // 1: a new connection for every request (no keep-alive, see runFresh); 0: keep-alive.
  reconnectRate = 0,
  headers = { accept: 'application/json' },
} = options;

let counter = 0;
/**
 * `cycle`: each connection walks a fixed list of paths (the target's own `paths`, or the shared
 * ones), prebuilt once: the cheapest way to drive autocannon. `unique`: every request gets a
 * path never sent before (`prefix` + a counter), built per request by setupRequest, so a
 * recorder cannot answer it from what it has already recorded.
 */
function requestsFor(target) {
  if (pathMode === 'unique') {
    const base = target.prefix ?? prefix;
    return [
      {
        method: 'GET',
        setupRequest(request) {
          request.path = `${base}${counter++}`;
          return request;
        },
      },
    ];
  }
  // A target's own requests (method, path, body, headers), say POSTs that create something.
  if (target.requests) return target.requests;
  return (target.paths ?? paths).map((path) => ({ method: 'GET', path }));
}

/**
 * One autocannon run. Resolves with its result and the seconds from autocannon's `start` event
 * (after its clients and request buffers are built) to the end, so building many prebuilt
 * requests does not count as serving time (nor as load generator CPU time).
 */
function run(target, seconds, onResponse) {
  return new Promise((resolve, reject) => {
    let startedAt;
    let cpuAtStart;
    const instance = autocannon(
      {
        url: target.url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        // autocannon notices the end of a run at its next sample tick: sample often, so runs
        // of a fraction of a second end on time.
        sampleInt: 50,
        // A target's own headers (say, credentials a spec mock checks) go with every request.
        headers: { ...headers, ...target.headers },
        requests: requestsFor(target),
      },
      (error, result) => {
        if (error) return reject(error);
        const end = process.hrtime.bigint();
        const cpu = process.cpuUsage(cpuAtStart);
        resolve({
          result,
          elapsedS: Number(end - (startedAt ?? end)) / 1e9,
          loadCpuS: (cpu.user + cpu.system) / 1e6,
        });
      },
    );
    instance.once('start', () => {
      startedAt = process.hrtime.bigint();
      cpuAtStart = process.cpuUsage();
    });
    if (onResponse) instance.on('response', onResponse);
  });
}

/**
 * The same as run(), without keep-alive: `connections` loops that each open a TCP connection,
 * send one request with `Connection: close`, read the answer until the server closes, and start
 * over. Latency runs from the connect call to the end of the answer (what a client without
 * keep-alive waits for). autocannon's own reconnectRate cannot be used: it drops the answer of
 * every request after which it reconnects from its statistics.
 */
function runFresh(target, seconds, onResponse) {
  const { hostname, port } = new URL(target.url);
  const all = { ...headers, ...target.headers, connection: 'close' };
  const lines = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const list = target.paths ?? paths;
  const requests = list.map((path) =>
    Buffer.from(`GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${lines}\r\n`),
  );
  let next = 0;
  let errors = 0;
  let timeouts = 0;
  const started = process.hrtime.bigint();
  const cpuAtStart = process.cpuUsage();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  const one = () =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const socket = connect({ host: hostname, port: Number(port), noDelay: true });
      let head = '';
      let done = false;
      const finish = (failed) => {
        if (done) return;
        done = true;
        socket.destroy();
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (failed) errors++;
        else onResponse(undefined, Number(head.slice(9, 12)), 0, ms);
        resolve();
      };
      socket.setTimeout(10_000, () => {
        timeouts++;
        finish(true);
      });
      socket.on('data', (chunk) => {
        if (head.length < 12) head += chunk.toString('latin1', 0, 12);
      });
      socket.on('end', () => finish(!head.startsWith('HTTP/1.')));
      socket.on('error', () => finish(true));
      socket.write(requests[next++ % requests.length]);
    });
  const loop = async () => {
    while (process.hrtime.bigint() < deadline) await one();
  };
  return Promise.all(Array.from({ length: connections }, loop)).then(() => {
    const cpu = process.cpuUsage(cpuAtStart);
    return {
      result: { errors, timeouts },
      elapsedS: Number(process.hrtime.bigint() - started) / 1e9,
      loadCpuS: (cpu.user + cpu.system) / 1e6,
    };
  });
}

const measure = reconnectRate > 0 ? runFresh : run;

class Samples {
  constructor() {
    this.values = new Float64Array(1 << 15);
    this.n = 0;
    this.non2xx = 0;
    this.errors = 0;
    this.timeouts = 0;
    this.elapsedS = 0;
    this.cpuS = undefined;
    this.settleCpuS = undefined;
    this.settleS = 0;
    this.loadCpuS = 0;
  }
  add(statusCode, ms) {
    if (statusCode < 200 || statusCode >= 300) this.non2xx++;
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = ms;
  }
  addCpu(before, after, field = 'cpuS') {
    const used = before.map((b, i) =>
      b === undefined || after[i] === undefined ? undefined : after[i] - b,
    );
    this[field] = this[field] === undefined ? used : this[field].map((c, i) => c + (used[i] ?? 0));
  }
  summary() {
    const n = this.n;
    const sorted = this.values.subarray(0, n).sort();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i];
    const cpu = this.cpuS ?? [];
    return {
      count: n,
      non2xx: this.non2xx,
      errors: this.errors,
      timeouts: this.timeouts,
      elapsedS: this.elapsedS,
      rps: n / this.elapsedS,
      latencyMs: {
        mean: n === 0 ? undefined : sum / n,
        p50: percentileSorted(sorted, 50),
        p90: percentileSorted(sorted, 90),
        p99: percentileSorted(sorted, 99),
        p999: percentileSorted(sorted, 99.9),
        max: n === 0 ? undefined : sorted[n - 1],
      },
      // CPU seconds per process of the target (its first pid is the server under test).
      serverCpuS: cpu,
      // Of which after the slices, while waiting for the processes to go idle (`settle`), per
      // process, and how long that wait was in all.
      settleCpuS: this.settleCpuS,
      settleS: this.settleS,
      // With `settle`, the CPU time after the slices counts too: this can exceed 1.
      serverBusy: cpu[0] === undefined ? undefined : cpu[0] / this.elapsedS,
      cpuUsPerRequest: cpu[0] === undefined || n === 0 ? undefined : (cpu[0] / n) * 1e6,
      // How busy the load generator's core was: near 1, it (not the server) set the pace.
      loadBusy: this.loadCpuS / this.elapsedS,
    };
  }
}

/**
 * Waits until the processes `pids` have been idle for two consecutive 100 ms windows (at most
 * one clock tick of CPU time each, summed over the processes), or `settle` seconds have passed.
 * Two windows, because a recorder waits up to 100 ms between two writes of a cassette.
 * Resolves with the seconds waited.
 */
async function settleDown(pids) {
  const started = process.hrtime.bigint();
  const maxNs = BigInt(Math.round(settle * 1e9));
  let quiet = 0;
  let before = pids.map(cpuSeconds);
  while (quiet < 2 && process.hrtime.bigint() - started < maxNs) {
    await sleep(100);
    const after = pids.map(cpuSeconds);
    const used = after.reduce((sum, a, i) => sum + ((a ?? 0) - (before[i] ?? 0)), 0);
    quiet = used <= TICK_S + 1e-9 ? quiet + 1 : 0;
    before = after;
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

for (const target of targets) {
  if (warmup > 0) await measure(target, warmup, () => {});
  if (settle > 0) await settleDown(target.pids ?? []);
}

const samples = targets.map(() => new Samples());
const rounds = Math.max(1, Math.round(duration / slice));
const selfBefore = process.cpuUsage();
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < targets.length; k++) {
    const t = (round + rotate + k) % targets.length;
    const target = targets[t];
    const s = samples[t];
    const pids = target.pids ?? [];
    const cpuBefore = pids.map(cpuSeconds);
    const { result, elapsedS, loadCpuS } = await measure(
      target,
      duration / rounds,
      (_client, status, _b, ms) => s.add(status, ms),
    );
    s.elapsedS += elapsedS;
    if (settle > 0) {
      const cpuAtEnd = pids.map(cpuSeconds);
      s.settleS += await settleDown(pids);
      s.addCpu(cpuAtEnd, pids.map(cpuSeconds), 'settleCpuS');
    }
    s.addCpu(cpuBefore, pids.map(cpuSeconds));
    s.loadCpuS += loadCpuS;
    s.errors += result.errors;
    s.timeouts += result.timeouts;
  }
}
const self = process.cpuUsage(selfBefore);

process.stdout.write(
  `${JSON.stringify({
    targets: Object.fromEntries(targets.map((t, i) => [t.name, samples[i].summary()])),
    loadCpuS: (self.user + self.system) / 1e6,
    rounds,
  })}\n`,
);
