// The baseline: a minimal node:http server answering GET routes with a precomputed ~1 KB
// JSON body. `--routes N` serves routes 0..N-1 (one route: an if; several: a Map lookup);
// `--any` answers every path with one body: route 0's, or with `--body account` the account
// body of lib/fixtures.mjs (the upstream for the record benchmark, with secrets to redact).
//   node bench/servers/raw.mjs --routes 100
//   node bench/servers/raw.mjs --any --body account
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { accountBytes, itemBytes, RESPONSE_HEADERS, routePath } from '../lib/fixtures.mjs';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '1' },
    any: { type: 'boolean', default: false },
    body: { type: 'string', default: 'item' },
  },
});

if (!['item', 'account'].includes(values.body)) throw new Error('--body is item or account');

function responseFor(i) {
  const body = values.body === 'account' ? accountBytes() : itemBytes(i);
  return { body, headers: { ...RESPONSE_HEADERS, 'content-length': String(body.byteLength) } };
}

const NOT_FOUND = Buffer.from('{"error":"not_found"}');
function notFound(res) {
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': NOT_FOUND.length });
  res.end(NOT_FOUND);
}

const count = Number(values.routes);
let handler;
if (values.any) {
  const only = responseFor(0);
  handler = (req, res) => {
    // Drain any request body before answering, as a real API would.
    req.resume();
    res.writeHead(200, only.headers);
    res.end(only.body);
  };
} else if (count === 1) {
  const path = routePath(0);
  const only = responseFor(0);
  handler = (req, res) => {
    if (req.method !== 'GET' || req.url !== path) return notFound(res);
    res.writeHead(200, only.headers);
    res.end(only.body);
  };
} else {
  const routes = new Map();
  for (let i = 0; i < count; i++) routes.set(routePath(i), responseFor(i));
  handler = (req, res) => {
    const route = req.method === 'GET' ? routes.get(req.url) : undefined;
    if (route === undefined) return notFound(res);
    res.writeHead(200, route.headers);
    res.end(route.body);
  };
}

const server = createServer({ keepAliveTimeout: 5_000 }, handler);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', kind: 'raw', url: `http://127.0.0.1:${port}` })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
