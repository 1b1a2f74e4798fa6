import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  brotliCompressSync,
  deflateSync,
  gunzipSync,
  brotliDecompressSync,
  gzipSync,
} from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Interaction } from '../../src/core/cassette/model.js';
import { runCleanups, defer } from '../helpers/cleanup.js';
import { header, send } from '../helpers/client.js';
import { readCassette } from '../helpers/files.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startSentinel, startUpstream, type UpstreamHandler } from '../helpers/upstream.js';

afterEach(runCleanups);

/** Random bytes that can never be valid UTF-8 (0xff starts no UTF-8 sequence). */
function binaryBytes(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes[0] = 0xff;
  return bytes;
}

const JSON_BODY = { id: 7, name: 'Ada', tags: ['x', 'y'], nested: { ok: true, n: null } };
const JSON_BYTES = Buffer.from(JSON.stringify(JSON_BODY));
const TEXT = 'hello, world\nline two ✓ with unicode\n';
const GZIP_JSON = { encoded: 'gzip', items: [1, 2, 3], note: 'compressed answer' };
const BR_TEXT = 'brotli text '.repeat(50);
const DEFLATE_HTML = `<html><body>${'<p>deflate</p>'.repeat(40)}</body></html>`;
const CHUNKS = ['first part;', 'second part;', 'last part.'];

interface Fixture {
  readonly binary: Buffer;
  readonly large: Buffer;
  readonly handler: UpstreamHandler;
}

/** An upstream with one route per kind of response. */
function fixture(): Fixture {
  const binary = binaryBytes(4096);
  const large = binaryBytes(5 * 1024 * 1024);
  const handler: UpstreamHandler = async (req, res) => {
    const path = req.url.split('?')[0] ?? '';
    switch (path) {
      case '/json':
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': JSON_BYTES.byteLength,
          'x-request-id': 'req-1',
        });
        res.end(req.method === 'HEAD' ? undefined : JSON_BYTES);
        return;
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(TEXT);
        return;
      case '/binary':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(binary);
        return;
      case '/gzip':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify(GZIP_JSON)));
        return;
      case '/br':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'br' });
        res.end(brotliCompressSync(BR_TEXT));
        return;
      case '/deflate':
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' });
        res.end(deflateSync(DEFLATE_HTML));
        return;
      case '/empty':
        res.writeHead(200, { 'content-length': '0', 'x-empty': 'yes' });
        res.end();
        return;
      case '/no-content':
        res.writeHead(204, { 'x-deleted': 'yes' });
        res.end();
        return;
      case '/missing':
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not_found' }));
        return;
      case '/broken':
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '7' });
        res.end('upstream is sad');
        return;
      case '/large':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(large);
        return;
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (const chunk of CHUNKS.slice(0, -1)) {
          res.write(chunk);
          // The pause is the behaviour under test: chunks that arrive apart, not in one read.
          await sleep(20);
        }
        res.end(CHUNKS.at(-1));
        return;
      default:
        res.writeHead(500);
        res.end(`unexpected path ${req.url}`);
    }
  };
  return { binary, large, handler };
}

interface Case {
  readonly method: 'GET' | 'HEAD';
  readonly path: string;
  readonly status: number;
  /** The decoded body the client must get. */
  readonly body: Buffer;
  /** Checks on the stored interaction. */
  readonly stored: (interaction: Interaction) => void;
}

function cases(f: Fixture): Case[] {
  return [
    {
      method: 'GET',
      path: '/json',
      status: 200,
      body: JSON_BYTES,
      stored: (i) => {
        expect(i.response.body).toEqual({ encoding: 'json', json: JSON_BODY });
        expect(i.response.headers['content-type']).toBe('application/json');
        expect(i.response.headers['x-request-id']).toBe('req-1');
      },
    },
    {
      method: 'GET',
      path: '/text',
      status: 200,
      body: Buffer.from(TEXT),
      stored: (i) => expect(i.response.body).toEqual({ encoding: 'text', text: TEXT }),
    },
    {
      method: 'GET',
      path: '/binary',
      status: 200,
      body: f.binary,
      stored: (i) =>
        expect(i.response.body).toEqual({
          encoding: 'base64',
          base64: f.binary.toString('base64'),
        }),
    },
    {
      method: 'GET',
      path: '/gzip',
      status: 200,
      body: Buffer.from(JSON.stringify(GZIP_JSON)),
      stored: (i) => {
        expect(i.response.body).toEqual({ encoding: 'json', json: GZIP_JSON });
        expect(i.response.headers['content-encoding']).toBe('gzip');
      },
    },
    {
      method: 'GET',
      path: '/br',
      status: 200,
      body: Buffer.from(BR_TEXT),
      stored: (i) => {
        expect(i.response.body).toEqual({ encoding: 'text', text: BR_TEXT });
        expect(i.response.headers['content-encoding']).toBe('br');
      },
    },
    {
      method: 'GET',
      path: '/deflate',
      status: 200,
      body: Buffer.from(DEFLATE_HTML),
      stored: (i) => {
        expect(i.response.body).toEqual({ encoding: 'text', text: DEFLATE_HTML });
        expect(i.response.headers['content-encoding']).toBe('deflate');
      },
    },
    {
      method: 'GET',
      path: '/empty',
      status: 200,
      body: Buffer.alloc(0),
      stored: (i) => {
        expect(i.response.body).toBeUndefined();
        expect(i.response.headers['x-empty']).toBe('yes');
      },
    },
    {
      method: 'GET',
      path: '/no-content',
      status: 204,
      body: Buffer.alloc(0),
      stored: (i) => {
        expect(i.response.body).toBeUndefined();
        expect(i.response.headers['x-deleted']).toBe('yes');
      },
    },
    {
      method: 'GET',
      path: '/missing',
      status: 404,
      body: Buffer.from(JSON.stringify({ error: 'not_found' })),
      stored: (i) =>
        expect(i.response.body).toEqual({ encoding: 'json', json: { error: 'not_found' } }),
    },
    {
      method: 'GET',
      path: '/broken',
      status: 503,
      body: Buffer.from('upstream is sad'),
      stored: (i) => {
        expect(i.response.body).toEqual({ encoding: 'text', text: 'upstream is sad' });
        expect(i.response.headers['retry-after']).toBe('7');
      },
    },
    {
      method: 'GET',
      path: '/large',
      status: 200,
      body: f.large,
      stored: (i) =>
        expect(i.response.body).toEqual({ encoding: 'base64', base64: f.large.toString('base64') }),
    },
    {
      method: 'HEAD',
      path: '/json',
      status: 200,
      body: Buffer.alloc(0),
      stored: (i) => {
        expect(i.response.body).toBeUndefined();
        // A HEAD answer has no body to derive the length from, so the recorded one is kept.
        expect(i.response.headers['content-length']).toBe(String(JSON_BYTES.byteLength));
      },
    },
    {
      method: 'GET',
      path: '/chunked',
      status: 200,
      body: Buffer.from(CHUNKS.join('')),
      stored: (i) => expect(i.response.body).toEqual({ encoding: 'text', text: CHUNKS.join('') }),
    },
  ];
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

describe('record, then replay with the upstream stopped', () => {
  it('gives back the same status and body bytes for every kind of response', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    const f = fixture();
    const upstream = await startUpstream(f.handler);
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    const all = cases(f);
    const recorded = new Map<Case, { status: number; body: Buffer }>();
    for (const c of all) {
      const r = await send(recorder.url, c.path, { method: c.method });
      expect(r.status, `${c.method} ${c.path} while recording`).toBe(c.status);
      expect(r.body.equals(c.body), `${c.method} ${c.path} body while recording`).toBe(true);
      recorded.set(c, { status: r.status, body: r.body });
    }
    expect(upstream.requests).toHaveLength(all.length);
    await recorder.stop();
    await upstream.close();

    // The cassette: one interaction per request, bodies stored decoded.
    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.version).toBe(1);
    expect(cassette.interactions).toHaveLength(all.length);
    for (const c of all) {
      const stored = cassette.interactions.filter(
        (i) => i.request.method === c.method && i.request.path === c.path,
      );
      expect(stored, `${c.method} ${c.path} in the cassette`).toHaveLength(1);
      const interaction = stored[0]!;
      expect(interaction.response.status).toBe(c.status);
      c.stored(interaction);
      if (interaction.response.body !== undefined) {
        expect(
          interaction.response.headers,
          `${c.path}: content-length is derived`,
        ).not.toHaveProperty('content-length');
      }
      for (const name of HOP_BY_HOP) expect(interaction.response.headers).not.toHaveProperty(name);
      expect(interaction.request.headers).not.toHaveProperty('host');
    }

    // Replay: no upstream at all, only a sentinel that must stay untouched.
    const sentinel = await startSentinel();
    const replay = await startTapedeck('replay', { ...dirs, target: sentinel.url });
    for (const c of all) {
      const r = await send(replay.url, c.path, { method: c.method });
      const expected = recorded.get(c)!;
      expect(r.status, `${c.method} ${c.path} replayed`).toBe(expected.status);
      expect(r.body.equals(expected.body), `${c.method} ${c.path} body replayed`).toBe(true);
      expect(header(r.headers, 'x-tapedeck-layer')).toBe('cassette');
      // Without accept-encoding the client gets identity bytes, with an exact length.
      expect(header(r.headers, 'content-encoding')).toBeUndefined();
      expect(header(r.headers, 'transfer-encoding')).toBeUndefined();
      const length =
        c.status === 204
          ? undefined
          : String(c.method === 'HEAD' ? JSON_BYTES.byteLength : expected.body.byteLength);
      expect(header(r.headers, 'content-length'), `${c.path} content-length`).toBe(length);
      if (c.path === '/json') {
        // Recorded headers come back as they were.
        expect(header(r.headers, 'content-type')).toBe('application/json');
        expect(header(r.headers, 'x-request-id')).toBe('req-1');
      }
    }
    expect(sentinel.connections()).toBe(0);
  });

  it('reuses keep-alive connections while recording and replaying', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    let n = 0;
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, n: ++n }));
    });
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    defer(() => agent.destroy());
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
    const paths = ['/a', '/b', '/c'];
    const recorded: string[] = [];
    for (const [i, path] of paths.entries()) {
      const r = await nodeGet(agent, recorder.port, path);
      expect(r.status).toBe(200);
      expect(r.reused).toBe(i > 0);
      recorded.push(r.body);
    }
    // Sequential requests travel upstream over one pooled connection.
    expect(upstream.connections()).toBe(1);
    expect(upstream.requests.map((r) => r.url)).toEqual(paths);
    await recorder.stop();
    await upstream.close();

    const replay = await startTapedeck('replay', dirs);
    for (const [i, path] of paths.entries()) {
      const r = await nodeGet(agent, replay.port, path);
      expect(r.status).toBe(200);
      expect(r.reused).toBe(i > 0);
      expect(r.body).toBe(recorded[i]);
    }
  });
});

/** A GET through a node:http Agent, reporting whether the socket was reused. */
function nodeGet(
  agent: HttpAgent,
  port: number,
  path: string,
): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          reused: req.reusedSocket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('replay content negotiation', () => {
  it('re-applies the recorded content coding only when the client accepts it', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    const payload = JSON.stringify({ big: 'x'.repeat(2000), list: [1, 2, 3] });
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/gz') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(payload));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
        res.end(brotliCompressSync(payload));
      }
    });
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
    expect((await send(recorder.url, '/gz')).text()).toBe(payload);
    expect((await send(recorder.url, '/br')).text()).toBe(payload);
    await recorder.stop();
    await upstream.close();

    const replay = await startTapedeck('replay', dirs);

    const gz = await send(replay.url, '/gz', { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(gz.status).toBe(200);
    expect(header(gz.headers, 'content-encoding')).toBe('gzip');
    expect(header(gz.headers, 'content-length')).toBe(String(gz.raw.byteLength));
    expect(gunzipSync(gz.raw).toString('utf8')).toBe(payload);

    const plain = await send(replay.url, '/gz');
    expect(header(plain.headers, 'content-encoding')).toBeUndefined();
    expect(header(plain.headers, 'content-length')).toBe(String(Buffer.byteLength(payload)));
    expect(plain.raw.toString('utf8')).toBe(payload);

    // A coding the client does not accept, or refuses with q=0, is not applied.
    for (const accept of ['br', 'gzip;q=0', 'identity']) {
      const r = await send(replay.url, '/gz', { headers: { 'accept-encoding': accept } });
      expect(header(r.headers, 'content-encoding'), accept).toBeUndefined();
      expect(r.raw.toString('utf8'), accept).toBe(payload);
    }

    const br = await send(replay.url, '/br', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(header(br.headers, 'content-encoding')).toBe('br');
    expect(header(br.headers, 'content-length')).toBe(String(br.raw.byteLength));
    expect(brotliDecompressSync(br.raw).toString('utf8')).toBe(payload);
  });

  it('asks only for codings it can remove, never records a body it cannot check, and undoes stacked codings', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    // An API that answers in zstd whatever it is asked: tapedeck cannot decode, redact or scan that.
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x01, 0xff, 0x02]);
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/zstd') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'zstd' });
        res.end(zstd);
      } else {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip, br' });
        res.end(brotliCompressSync(gzipSync('stacked codings')));
      }
    });
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
    const recordedZstd = await send(recorder.url, '/zstd', {
      decode: false,
      headers: { 'accept-encoding': 'zstd, gzip;q=0.5' },
    });
    // The client still gets the bytes; the upstream was asked only for what tapedeck can decode.
    expect(recordedZstd.raw.equals(zstd)).toBe(true);
    expect(upstream.requests[0]!.headers['accept-encoding']).toBe('gzip;q=0.5');
    expect((await send(recorder.url, '/stacked')).text()).toBe('stacked codings');
    await recorder.stop();
    await upstream.close();
    expect(recorder.logger.text()).toContain('builtin/opaque-body');
    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.interactions.map((i) => i.request.path)).toEqual(['/stacked']);

    const replay = await startTapedeck('replay', dirs);
    // Two codings are removed when recording and not re-applied: the client gets identity.
    const stacked = await send(replay.url, '/stacked', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(header(stacked.headers, 'content-encoding')).toBeUndefined();
    expect(stacked.raw.toString('utf8')).toBe('stacked codings');
  });
});
