// A plain http-proxy-3 reverse proxy (no capture), with a keep-alive agent to the upstream:
// the alternative to undici for carrying bytes upstream.
//   node bench/servers/http-proxy3.mjs --target http://127.0.0.1:PORT
import { Agent, createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createProxyServer } from 'http-proxy-3';

const { values } = parseArgs({ options: { target: { type: 'string' } } });
if (values.target === undefined) throw new Error('--target URL is required');

const proxy = createProxyServer({
  target: values.target,
  agent: new Agent({ keepAlive: true, maxSockets: 128 }),
  xfwd: false,
});
proxy.on('error', (_error, _req, res) => {
  if (res && 'writeHead' in res && !res.headersSent) {
    res.writeHead(502, { 'content-length': '0' });
    res.end();
  }
});

const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', kind: 'http-proxy-3', url: `http://127.0.0.1:${port}` })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
