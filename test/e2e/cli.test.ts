import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { runCliToEnd, startServerCli, type CliRun } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const SECRET = 'e2e-canary-token-7f3a9c';
const BINARY = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 37) % 256));

/** A small upstream API with the body kinds a recording must keep byte for byte. */
function upstream(): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  let counter = 0;
  const server = createServer((req, res) => {
    hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url.startsWith('/json')) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end(JSON.stringify({ items: [{ id: 1, name: 'one' }], query: url }));
      } else if (url === '/gzip') {
        const body = gzipSync(JSON.stringify({ compressed: 'gzip', padding: 'x'.repeat(500) }));
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.byteLength,
        });
        res.end(body);
      } else if (url === '/brotli') {
        const body = brotliCompressSync('brotli text body\n'.repeat(20));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'br' });
        res.end(body);
      } else if (url === '/binary') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(BINARY);
      } else if (url === '/counter') {
        counter++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ counter }));
      } else if (url === '/orders' && req.method === 'POST') {
        res.writeHead(201, {
          'content-type': 'application/json',
          'set-cookie': `sid=${SECRET}; Path=/; HttpOnly`,
        });
        res.end(
          JSON.stringify({
            id: 'ord_1',
            received: JSON.parse(Buffer.concat(chunks).toString() || 'null') as unknown,
          }),
        );
      } else if (url === '/fail') {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
        res.end('unavailable');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no route');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits });
    });
  });
}

interface Exchange {
  status: number;
  body: Buffer;
}

/** The client flow: run once through record, once against replay. */
async function flow(base: string): Promise<Exchange[]> {
  const calls: [string, Parameters<typeof request>[1]?][] = [
    ['/json?b=2&a=1'],
    ['/gzip', { headers: { 'accept-encoding': 'gzip' } }],
    ['/brotli'],
    ['/binary'],
    ['/counter'],
    ['/counter'],
    [
      '/orders',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ sku: 'A-1', qty: 2 }),
      },
    ],
    ['/fail'],
    ['/missing'],
  ];
  const out: Exchange[] = [];
  for (const [path, options] of calls) {
    const response = await request(`${base}${path}`, options);
    let body = Buffer.from(await response.body.arrayBuffer());
    const encoding = response.headers['content-encoding'];
    if (encoding === 'gzip') body = (await import('node:zlib')).gunzipSync(body);
    if (encoding === 'br') body = (await import('node:zlib')).brotliDecompressSync(body);
    out.push({ status: response.statusCode, body });
  }
  return out;
}

const running: CliRun[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function envFor(dir: string): Record<string, string> {
  return { TAPEDECK_STATE_DIR: join(dir, '.state') };
}

describe('tapedeck CLI end to end', () => {
  it('records a flow through the proxy and replays it byte-identically with the upstream stopped', async () => {
    const dir = tempDir();
    const api = await upstream();
    servers.push(api.server);
    const cassettes = join(dir, 'cassettes');

    const record = await startServerCli(
      [
        'record',
        '--target',
        api.url,
        '--port',
        '0',
        '--cassettes',
        cassettes,
        '--cassette',
        'flow',
      ],
      { cwd: dir, env: envFor(dir) },
    );
    running.push(record.run);
    const recorded = await flow(record.url);
    record.run.child.kill('SIGINT');
    expect(await record.run.exited).toBe(0);
    expect(record.run.stderr).toContain('recorded 9 interaction(s) to flow');

    await new Promise((r) => api.server.close(r));
    const hitsWhileRecording = api.hits.length;

    const cassetteText = readFileSync(join(cassettes, 'flow.json'), 'utf8');
    expect(cassetteText).not.toContain(SECRET);
    expect(readFileSync(join(dir, '.state', 'state.db')).includes(Buffer.from(SECRET))).toBe(false);

    const replay = await startServerCli(['replay', '--port', '0', '--cassettes', cassettes], {
      cwd: dir,
      env: envFor(dir),
    });
    running.push(replay.run);
    const replayed = await flow(replay.url);
    expect(replayed.map((r) => r.status)).toEqual(recorded.map((r) => r.status));
    replayed.forEach((r, i) => expect(r.body.equals(recorded[i]!.body), `body ${i}`).toBe(true));
    expect(JSON.parse(replayed[5]!.body.toString())).toEqual({ counter: 2 });
    expect(api.hits).toHaveLength(hitsWhileRecording);

    const miss = await request(`${replay.url}/json?b=3&a=1`);
    expect(miss.statusCode).toBe(599);
    expect(miss.headers['x-tapedeck-miss']).toBe('1');
    const report = await miss.body.text();
    expect(report).toContain('GET /json?a=1&b=2');
    expect(report).toMatch(/✗ query\.b\s+recorded "2", request has "3"/);

    replay.run.child.kill('SIGTERM');
    expect(await replay.run.exited).toBe(0);
    expect(replay.run.stderr).toContain('1 miss(es)');
    expect(replay.run.stderr).toContain('GET /json?a=1&b=3');
  });

  it('replay --strict exits 1 when a request missed', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'cassettes'));
    const replay = await startServerCli(
      ['replay', '--port', '0', '--strict', '--cassettes', 'cassettes'],
      { cwd: dir, env: envFor(dir) },
    );
    running.push(replay.run);
    const miss = await request(`${replay.url}/anything`, {
      headers: { accept: 'application/json' },
    });
    expect(miss.statusCode).toBe(599);
    expect(((await miss.body.json()) as { code: string }).code).toBe('TD_NO_MATCH');
    replay.run.child.kill('SIGINT');
    expect(await replay.run.exited).toBe(1);
    expect(replay.run.stderr).toContain('TD_STRICT_MISSES');
  });

  it('replay refuses to start on a malformed cassette, naming the file and the JSON path (exit 3)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'cassettes'));
    writeFileSync(
      join(dir, 'cassettes', 'broken.json'),
      JSON.stringify({
        version: 1,
        interactions: [
          {
            request: { method: 'GET', path: '/', query: {}, headers: {} },
            response: { status: 'ok', headers: {} },
            latencyMs: 1,
            recordedAt: '2026-01-01T00:00:00Z',
          },
        ],
      }),
    );
    const result = await runCliToEnd(['replay', '--port', '0'], { cwd: dir, env: envFor(dir) });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cassettes/broken.json');
    expect(result.stderr).toContain('/interactions/0/response/status: must be integer');
    expect(result.stderr).toContain('[TD_CASSETTE_INVALID]');
  });

  it('verify passes clean cassettes and lists every problem otherwise (exit 1), also as JSON', async () => {
    const dir = tempDir();
    const cassettes = join(dir, 'cassettes');
    mkdirSync(cassettes);
    writeFileSync(join(cassettes, 'ok.json'), '{"version": 1, "interactions": []}\n');
    const clean = await runCliToEnd(['verify'], { cwd: dir, env: envFor(dir) });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('all valid');

    writeFileSync(join(cassettes, 'bad.json'), '{"version": 1, "interactions": [{"request": {}}]}');
    writeFileSync(join(cassettes, 'torn.json'), '{"version": 1, "interac');
    const dirty = await runCliToEnd(['verify', '--cassettes', cassettes], {
      cwd: dir,
      env: envFor(dir),
    });
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toContain('bad.json');
    expect(dirty.stdout).toContain('at /interactions/0: must have the property "response"');
    expect(dirty.stdout).toContain('at /interactions/0/request: must have the property "method"');
    expect(dirty.stdout).toContain('torn.json');
    expect(dirty.stdout).toContain('not valid JSON');

    const json = await runCliToEnd(['verify', '--json'], { cwd: dir, env: envFor(dir) });
    const parsed = JSON.parse(json.stdout) as {
      ok: boolean;
      cassettes: number;
      problems: { file: string; pointer: string }[];
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.cassettes).toBe(3);
    expect(
      parsed.problems.some(
        (p) => p.file.endsWith('bad.json') && p.pointer === '/interactions/0/request',
      ),
    ).toBe(true);
  });

  it('verify fails with exit 3 for a cassettes directory that does not exist', async () => {
    const dir = tempDir();
    const result = await runCliToEnd(['verify', '--cassettes', 'nowhere'], {
      cwd: dir,
      env: envFor(dir),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('TD_CASSETTES_DIR_MISSING');
  });

  it('init writes a commented config that the CLI then reads', async () => {
    const dir = tempDir();
    const first = await runCliToEnd(['init'], { cwd: dir, env: envFor(dir) });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created tapedeck.config.json');
    expect(existsSync(join(dir, 'cassettes'))).toBe(true);
    expect(existsSync(join(dir, 'redaction-rules'))).toBe(true);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('.tapedeck/');
    const second = await runCliToEnd(['init'], { cwd: dir, env: envFor(dir) });
    expect(second.stdout).toContain('kept    tapedeck.config.json');
    const verify = await runCliToEnd(['verify'], { cwd: dir, env: envFor(dir) });
    expect(verify.code).toBe(0);
  });

  it('reports bad flags and bad config with exit 2 and a next step', async () => {
    const dir = tempDir();
    const badPort = await runCliToEnd(['replay', '--port', 'eighty'], {
      cwd: dir,
      env: envFor(dir),
    });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('must be a port number');

    writeFileSync(join(dir, 'tapedeck.config.json'), '{ "replay": { "missStatus": 42 } }');
    const badConfig = await runCliToEnd(['replay'], { cwd: dir, env: envFor(dir) });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('/replay/missStatus');
    expect(badConfig.stderr).toContain('tapedeck.config.json');

    const noTarget = await runCliToEnd(
      ['record', '--port', '0', '--config', 'tapedeck.config.json'],
      { cwd: dir, env: envFor(dir) },
    );
    expect(noTarget.code).toBe(2);
  });

  it('record refuses a target host listed as forbidden before it listens', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'tapedeck.config.json'),
      JSON.stringify({ upstream: { forbiddenHosts: ['api.example.com'] } }),
    );
    const result = await runCliToEnd(
      ['record', '--target', 'https://api.example.com', '--port', '0'],
      { cwd: dir, env: envFor(dir) },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('forbiddenHosts');
    expect(result.stdout).not.toContain('listening');
  });

  it('demo records the built-in API and replays it byte for byte', async () => {
    const dir = tempDir();
    const result = await runCliToEnd(['demo', '--cassettes', join(dir, 'c')], {
      cwd: dir,
      env: envFor(dir),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('byte-identical');
    expect(readFileSync(join(dir, 'c', 'demo', 'shop.json'), 'utf8')).not.toContain(
      'demo-secret-token',
    );
  });

  it('prints help and version', async () => {
    const dir = tempDir();
    const help = await runCliToEnd(['--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('record [options]');
    expect(help.stdout).toContain('Exit codes');
    const replayHelp = await runCliToEnd(['replay', '--help'], { cwd: dir });
    expect(replayHelp.stdout).toContain('--on-miss');
    const version = await runCliToEnd(['--version'], { cwd: dir });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
