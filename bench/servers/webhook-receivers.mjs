// Webhook receivers for the sandbox-webhooks scenario: `--count N` loopback HTTP servers, each
// answering every POST with 200 and an empty body, counting what it gets. A control server
// answers `GET /counts` with the tallies so far (as JSON), and prints the listening line that
// bench/lib/proc.mjs waits for, with the receivers' URLs:
//
//   node bench/servers/webhook-receivers.mjs --count 5
//   {"event":"listening","url":"http://127.0.0.1:PORT","endpoints":["http://127.0.0.1:P1/hook/0",…]}
//
// Every delivery is counted by its event id (the body's `id`, Stripe's event envelope), so a
// delivery that comes twice is a duplicate, not a second delivery, and a body without an id or
// a delivery without a signature header is counted as malformed: the bench fails on any.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '5' } },
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive integer');

/** Signature headers of the three schemes: a delivery carries one of them. */
const SIGNATURE_HEADERS = ['stripe-signature', 'webhook-signature', 'x-hub-signature-256'];

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

const tallies = [];
/** Every arrival at any receiver (performance.now(), ms), in order. */
const arrivals = [];
for (let i = 0; i < count; i++) {
  const tally = { events: new Set(), received: 0, duplicates: 0, malformed: 0 };
  tallies.push(tally);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      tally.received++;
      arrivals.push(performance.now());
      let id;
      try {
        id = JSON.parse(Buffer.concat(chunks).toString('utf8')).id;
      } catch {
        id = undefined;
      }
      const signed = SIGNATURE_HEADERS.some((h) => typeof req.headers[h] === 'string');
      if (req.method !== 'POST' || typeof id !== 'string' || !signed) tally.malformed++;
      else if (tally.events.has(id)) tally.duplicates++;
      else tally.events.add(id);
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  tally.url = `http://127.0.0.1:${await listen(server)}/hook/${i}`;
}

/** Arrivals closer together than this are one burst of delivering (see busyMs). */
const BURST_GAP_MS = 100;

/**
 * The tallies: per receiver, distinct events, all requests, duplicates and malformed ones; and
 * over all receivers, from `?since=MS` (performance.now() of this process: see `now`), how many
 * arrived and `busyMs`, the time spent delivering: the sum of the gaps between consecutive
 * arrivals shorter than BURST_GAP_MS. The sandbox delivers in bursts (its own slices of the load
 * and the settling after them) with idle stretches in between (the other sandbox's slices):
 * arrivals ÷ busyMs is the rate while it delivers, which wall time would halve.
 */
const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'GET' || url.pathname !== '/counts') {
    res.writeHead(404).end();
    return;
  }
  const since = Number(url.searchParams.get('since') ?? 0);
  let arrived = 0;
  let busyMs = 0;
  let previous;
  for (const at of arrivals) {
    if (at < since) continue;
    arrived++;
    if (previous !== undefined && at - previous < BURST_GAP_MS) busyMs += at - previous;
    previous = at;
  }
  const body = JSON.stringify({
    now: performance.now(),
    arrived,
    busyMs,
    receivers: tallies.map((t) => ({
      url: t.url,
      distinct: t.events.size,
      received: t.received,
      duplicates: t.duplicates,
      malformed: t.malformed,
    })),
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
});
const port = await listen(control);
process.stdout.write(
  `${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${port}`, endpoints: tallies.map((t) => t.url) })}\n`,
);
process.on('SIGTERM', () => process.exit(0));
