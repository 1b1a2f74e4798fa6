// talkback (a bench/peers dependency) as a server for the benchmarks: replays the tapes in
// `tapes`, or (mode "record") forwards unknown requests to `target` and writes each as a new
// tape. talkback's own server listens on every interface; this uses its documented
// `talkback.requestHandler(options)` behind a node:http server bound to 127.0.0.1, doing per
// request what talkback's server does (collect the body, `handle`, writeHead + end).
// Prints tapedeck's `{"event":"listening","url":...}` line once it accepts connections.
//   TALKBACK_MODULES=bench/peers/node_modules node bench/servers/talkback.mjs \
//     '{"tapes":"/tmp/tapes","mode":"replay","target":"http://127.0.0.1:9"}'
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const { tapes, mode, target } = JSON.parse(process.argv[2]);
const modules = process.env.TALKBACK_MODULES;
if (!modules) throw new Error('TALKBACK_MODULES must point to bench/peers/node_modules');
const require = createRequire(join(modules, 'noop.js'));
const talkback = require('talkback');

const { RecordMode, FallbackMode } = talkback.Options;
const handler = await talkback.requestHandler({
  host: target,
  path: tapes,
  record: mode === 'record' ? RecordMode.NEW : RecordMode.DISABLED,
  fallbackMode: FallbackMode.NOT_FOUND,
  ignoreHeaders: ['content-length', 'host', 'user-agent', 'connection'],
  silent: true,
  summary: false,
  name: 'bench',
});

const server = createServer((rawReq, res) => {
  const chunks = [];
  rawReq.on('data', (c) => chunks.push(c));
  rawReq.on('end', () => {
    const req = {
      headers: rawReq.headers,
      url: rawReq.url,
      method: rawReq.method,
      body: Buffer.concat(chunks),
    };
    handler.handle(req).then(
      (answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      },
      (error) => {
        process.stderr.write(`talkback: ${error?.stack ?? error}\n`);
        res.statusCode = 500;
        res.end();
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', kind: 'talkback', url: `http://127.0.0.1:${port}` })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
