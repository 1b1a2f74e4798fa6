// Where the time goes per request: runs `tapedeck replay` (100 routes) or `tapedeck record`
// (every path distinct, one cassette; the record scenario's upstream body and default rules) or
// `tapedeck sandbox` (the Stripe spec and profile; `sandbox` reads one customer of a tenant,
// `sandbox-create` creates customers; `sandbox-webhooks` creates customers for a tenant with 5
// webhook endpoints, loopback receivers answering 200: bench/servers/webhook-receivers.mjs)
// under `node --cpu-prof`, drives it with 32 connections, stops it with SIGTERM (which writes
// the profile) and prints the functions with the most self time. Not part of `npm run bench`; run it by hand:
//   npm run build && node bench/profile.mjs replay
//   (or: record, raw, sandbox, sandbox-create, sandbox-webhooks)
// BENCH_DURATION=5 sets the measured seconds; BENCH_KEEP_PROFILE=1 keeps the .cpuprofile file.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cassetteFormat from './lib/cassette-format.mjs';
import { profileSummary } from './lib/cpuprofile.mjs';
import { routePath, writeCassettes } from './lib/fixtures.mjs';
import { runJson, startServer } from './lib/proc.mjs';
import { BENCH_DIR, startRaw, startRecord, startReplay } from './lib/servers.mjs';
import {
  adminPost,
  createCustomer,
  CUSTOMER_FORM,
  FORM,
  startSandbox,
  stripeSpec,
} from './lib/sandbox.mjs';

const what = process.argv[2] ?? 'replay';
const WHAT = ['replay', 'record', 'raw', 'sandbox', 'sandbox-create', 'sandbox-webhooks'];
if (!WHAT.includes(what)) throw new Error(`usage: profile.mjs ${WHAT.join('|')}`);
const duration = Number(process.env.BENCH_DURATION ?? 5);
const work = mkdtempSync(join(tmpdir(), 'tapedeck-profile-'));
const profiles = join(work, 'profiles');
const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profiles}`];

try {
  let server;
  let upstream;
  let load;
  if (what === 'raw') {
    server = await startRaw({ name: 'raw', core: 0, routes: 100, nodeArgs });
    load = { paths: Array.from({ length: 100 }, (_, i) => routePath(i)) };
  } else if (what === 'replay') {
    writeCassettes(cassetteFormat, join(work, 'c100'), 100);
    server = await startReplay({
      name: 'replay',
      core: 0,
      workDir: work,
      cassettes: join(work, 'c100'),
      nodeArgs,
    });
    load = { paths: Array.from({ length: 100 }, (_, i) => routePath(i)) };
  } else if (what.startsWith('sandbox')) {
    const spec = stripeSpec(work);
    server = await startSandbox(work, spec, { nodeArgs });
    const { key } = await adminPost(server.url, 'tenants', { name: 'profile' });
    if (what === 'sandbox-webhooks') {
      upstream = await startServer({
        name: 'webhook receivers',
        core: 1,
        args: [join(BENCH_DIR, 'servers', 'webhook-receivers.mjs'), '--count', '5'],
      });
      for (const url of upstream.listening.endpoints) {
        await adminPost(server.url, 'tenants/profile/webhooks/endpoints', {
          url,
          events: ['customer.created'],
        });
      }
    }
    const id = await createCustomer(server.url, key);
    const headers = { authorization: `Bearer ${key}` };
    load =
      what === 'sandbox'
        ? { headers, paths: [`/v1/customers/${id}`] }
        : {
            headers,
            requests: [
              {
                method: 'POST',
                path: '/v1/customers',
                body: CUSTOMER_FORM,
                headers: { 'content-type': FORM },
              },
            ],
            // The deliveries the creates made are sent before the profile ends.
            ...(what === 'sandbox-webhooks' ? { settle: 10 } : {}),
          };
  } else {
    upstream = await startRaw({ name: 'upstream', core: 1, any: true, body: 'account' });
    server = await startRecord({
      name: 'record',
      core: 0,
      workDir: work,
      target: upstream.url,
      cassettes: join(work, 'rec'),
      nodeArgs,
    });
    load = { pathMode: 'unique', prefix: '/v1/things/' };
  }
  const result = await runJson({
    name: 'load',
    core: 1,
    args: [
      join(BENCH_DIR, 'load.mjs'),
      JSON.stringify({
        targets: [
          {
            name: what,
            url: server.url,
            pids: [server.pid],
            headers: load.headers,
            requests: load.requests,
          },
        ],
        connections: 32,
        duration,
        warmup: 1,
        slice: duration,
        ...load,
      }),
    ],
  });
  await server.stop(120_000);
  await upstream?.stop();
  const summary = result.targets[what];
  console.log(
    `${what}: ${Math.round(summary.rps)} req/s, ${summary.cpuUsPerRequest?.toFixed(1)} µs CPU per request, p99 ${summary.latencyMs.p99?.toFixed(2)} ms`,
  );
  const file = readdirSync(profiles).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no .cpuprofile was written');
  const { self, inclusive, busyMs, idleMs } = profileSummary(join(profiles, file), 25);
  console.log(`profile: ${busyMs.toFixed(0)} ms busy, ${idleMs.toFixed(0)} ms idle (whole run)`);
  const table = (title, rows) => {
    console.log(`\n${title}\n\n| ms | share | function | where |\n| ---: | ---: | --- | --- |`);
    for (const e of rows) {
      console.log(
        `| ${e.ms.toFixed(0)} | ${(e.share * 100).toFixed(1)}% | ${e.name} | ${e.where} |`,
      );
    }
  };
  table('Self time (all code):', self);
  table("Inclusive time (tapedeck's own functions, dist/):", inclusive);
  if (process.env.BENCH_KEEP_PROFILE) {
    console.log(
      `\nprofile kept: ${join(profiles, file)} (open it in Chrome DevTools > Performance)`,
    );
  }
} finally {
  if (!process.env.BENCH_KEEP_PROFILE) rmSync(work, { recursive: true, force: true });
}
