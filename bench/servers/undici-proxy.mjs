// A minimal capturing reverse proxy: undici Pool.request to the upstream, the body streamed to
// the client while a copy of its chunks is kept, and the copy dropped at the end. It is the
// floor for what a recording proxy built on undici can cost: no decoding, redaction or disk.
//   node bench/servers/undici-proxy.mjs --target http://127.0.0.1:PORT
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { target: { type: 'string' } } });
if (values.target === undefined) throw new Error('--target URL is required');

const pool = new Pool(values.target, { connections: 128, keepAliveTimeout: 4_000 });

/** Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded in either direction. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardable(rawHeaders) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!HOP.has(rawHeaders[i].toLowerCase())) out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return out;
}

let captured = 0;

const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 0 ? null : chunks.length === 1 ? chunks[0] : chunks;
    pool.request(
      { method: req.method, path: req.url, headers: forwardable(req.rawHeaders), body },
      (error, response) => {
        if (error) {
          res.writeHead(502, { 'content-length': '0' });
          res.end();
          return;
        }
        const headers = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (!HOP.has(name)) headers[name] = value;
        }
        res.writeHead(response.statusCode, headers);
        const copy = [];
        response.body.on('data', (chunk) => {
          copy.push(chunk);
          if (!res.write(chunk)) {
            response.body.pause();
            res.once('drain', () => response.body.resume());
          }
        });
        response.body.on('end', () => {
          res.end();
          // The capture is complete here; a recorder would decode and store it. Drop it.
          for (const chunk of copy) captured += chunk.byteLength;
          copy.length = 0;
        });
        response.body.on('error', () => res.destroy());
      },
    );
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', kind: 'undici-proxy', url: `http://127.0.0.1:${port}` })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    void pool.close().then(() => {
      process.stdout.write(`${JSON.stringify({ event: 'summary', capturedBytes: captured })}\n`);
      process.exit(0);
    });
  });
});
