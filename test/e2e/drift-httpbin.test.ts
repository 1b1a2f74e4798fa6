/**
 * Drift against a real, unchanged upstream: Debian's python3-httpbin, which echoes the request
 * it got (`/headers`, `/get`, `/anything`). A curl-like client records through the built CLI
 * (`tapedeck record --port 0`), then `tapedeck drift` (built CLI) re-sends the cassette to the
 * same httpbin: it must find nothing breaking, because drift sends exactly what the recorder
 * sent, and the step whose credential drift withheld is "could not check: credential not
 * mapped". Needs `npm run build` and python3-httpbin (`.ci/run` installs it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../src/core/drift/model.js';
import { runCleanups, defer } from '../helpers/cleanup.js';
import { BIN, runCliToEnd, startServerCli } from '../helpers/cli.js';
import { rawExchange } from '../helpers/client.js';
import { startHttpbin, type Httpbin } from '../helpers/httpbin.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const KEY = 'e2e-httpbin-key-0123456789abcdef01';
const TOKEN = `tok${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('hex')}`;
const CURL = { 'user-agent': 'curl/8.5.0', accept: '*/*' };

beforeAll(() => {
  if (!existsSync(join(BIN, '..', '..', 'dist', 'cli', 'commands', 'drift.js')))
    throw new Error('run `npm run build` before the e2e tests');
});

function env(root: string): Record<string, string> {
  return { TAPEDECK_REDACTION_KEY: KEY, HOME: root };
}

/** `tapedeck record --port 0` in front of httpbin; stopped (SIGINT: writes drained) by `stop`. */
async function recorder(root: string, httpbin: Httpbin) {
  const { run, url } = await startServerCli(
    ['record', '--target', httpbin.url, '--port', '0', '--cassette', 'httpbin'],
    { cwd: root, env: env(root) },
  );
  defer(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  const stop = async () => {
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  };
  return { url, stop, run };
}

async function call(
  base: string,
  path: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
) {
  const r = await request(`${base}${path}`, {
    method: options.method ?? 'GET',
    headers: { ...CURL, ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await r.body.text();
  return { status: r.statusCode, text };
}

/** The curl flow: five steps, one with a bearer token drift has no mapping for. */
async function curlFlow(base: string) {
  const answers = [
    await call(base, '/get?plan=gold'),
    await call(base, '/headers'),
    await call(base, '/anything/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'gold', items: [{ sku: 'A-1', qty: 2 }] }),
    }),
    await call(base, '/status/418'),
    await call(base, '/bearer', { headers: { authorization: `Bearer ${TOKEN}` } }),
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 418, 200]);
  return answers;
}

function writeConfig(root: string, httpbin: Httpbin, upstream: object = {}) {
  writeFileSync(
    join(root, 'tapedeck.config.json'),
    JSON.stringify({
      cassettes: 'cassettes',
      stateDir: 'state',
      upstream,
      drift: { target: httpbin.url, timeoutMs: 5000, retries: 0 },
    }),
  );
}

/** The POST is re-sent only when marked replayable; repeating it on httpbin is harmless. */
function markReplayable(root: string) {
  const file = join(root, 'cassettes', 'httpbin.json');
  const cassette = JSON.parse(readFileSync(file, 'utf8')) as { meta?: object };
  writeFileSync(
    file,
    JSON.stringify({ ...cassette, meta: { ...cassette.meta, replayable: true } }),
  );
}

async function drift(root: string) {
  const run = await runCliToEnd(['drift', '--json', 'drift.json', '--out', 'drift.md'], {
    cwd: root,
    env: env(root),
  });
  const report = JSON.parse(readFileSync(join(root, 'drift.json'), 'utf8')) as DriftReport;
  return { ...run, report };
}

describe('drift against an unchanged python3-httpbin (built CLI)', () => {
  it('records a curl flow, then drift exits 0 with nothing breaking; the withheld credential is could-not-check', async () => {
    const root = tempDir();
    const httpbin = await startHttpbin();
    writeConfig(root, httpbin);
    const proxy = await recorder(root, httpbin);
    const answers = await curlFlow(proxy.url);
    // What httpbin saw is what a direct call shows: its own host, no forwarded headers.
    const echoed = JSON.parse(answers[1]!.text) as { headers: Record<string, string> };
    expect(echoed.headers['Host']).toBe(`127.0.0.1:${httpbin.port}`);
    expect(Object.keys(echoed.headers).filter((h) => /^x-forwarded|^forwarded$/i.test(h))).toEqual(
      [],
    );
    await proxy.stop();
    const cassetteText = readFileSync(join(root, 'cassettes', 'httpbin.json'), 'utf8');
    // The proxy's own port (new with every --port 0) is in no recording.
    expect(cassetteText).not.toContain(`:${new URL(proxy.url).port}`);
    expect(cassetteText).not.toContain(TOKEN);
    markReplayable(root);

    const served = (await httpbin.served()).length;
    const { code, stdout, stderr, report } = await drift(root);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(report.totals.interactions).toBe(5);
    expect(report.totals.breaking).toBe(0);
    expect(report.totals.breakingFindings).toBe(0);
    expect(report.verdict).toBe('clean');
    const byTarget = new Map(report.interactions.map((i) => [i.target, i]));
    for (const target of ['/get?plan=gold', '/headers', '/anything/orders', '/status/418'])
      expect(byTarget.get(target)?.outcome, target).toBe('same');
    const bearer = byTarget.get('/bearer')!;
    expect(bearer.outcome).toBe('unchecked');
    expect(bearer.unchecked?.reason).toBe('credential-not-mapped');
    expect(bearer.unchecked?.detail).toContain('drift.credentials');
    expect(`${stdout}${stderr}`).toMatch(/Could not check[^]*credential not mapped/);
    expect(stderr).toContain('Map it to an environment variable in drift.credentials');
    // Drift's requests all reached the local httpbin (safe ones twice: noise learning).
    const sent = (await httpbin.served()).slice(served);
    expect(sent.filter((l) => l === 'GET /headers')).toHaveLength(2);
    expect(sent).toContain('POST /anything/orders');
    expect(sent).toContain('GET /bearer');
    for (const text of [stdout, stderr, readFileSync(join(root, 'drift.md'), 'utf8')])
      expect(text).not.toContain(TOKEN);
  });

  it('sends the same configured X-Forwarded-* headers in record and drift, so drift stays green', async () => {
    const root = tempDir();
    const httpbin = await startHttpbin();
    writeConfig(root, httpbin, {
      forwardedHeaders: { 'x-forwarded-host': 'api.example.test', 'x-forwarded-proto': 'https' },
    });
    const proxy = await recorder(root, httpbin);
    const headers = JSON.parse((await call(proxy.url, '/headers')).text) as {
      headers: Record<string, string>;
    };
    expect(headers.headers['X-Forwarded-Host']).toBe('api.example.test');
    // httpbin builds its `url` from X-Forwarded-Proto: the configured value, not the hop's.
    const get = JSON.parse((await call(proxy.url, '/get')).text) as { url: string };
    expect(get.url).toBe(`https://127.0.0.1:${httpbin.port}/get`);
    await proxy.stop();

    const { code, stdout, stderr, report } = await drift(root);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(report.interactions.map((i) => i.outcome)).toEqual(['same', 'same']);
  });

  it('never lets a client-supplied authority reach httpbin as a forwarded host', async () => {
    const root = tempDir();
    const httpbin = await startHttpbin();
    writeConfig(root, httpbin);
    const proxy = await recorder(root, httpbin);
    const port = Number(new URL(proxy.url).port);
    const before = (await httpbin.served()).length;

    // Userinfo in Host is no host[:port]: refused with 400 before anything is sent upstream.
    const refused = await rawExchange(
      port,
      'GET /headers HTTP/1.1\r\nHost: evil.example@127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(refused).toMatch(/^HTTP\/1\.1 400 /);
    expect(refused).toContain('TD_BAD_REQUEST');
    expect(refused).not.toContain('evil.example');
    const repeated = await rawExchange(
      port,
      `GET /headers HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
    );
    expect(repeated).toMatch(/^HTTP\/1\.1 400 /);
    expect((await httpbin.served()).slice(before)).toEqual([]);

    // A well-formed but foreign Host, and forged forwarded headers, are not passed on either.
    const forged = await rawExchange(
      port,
      [
        'GET /headers HTTP/1.1',
        'Host: evil.example',
        'X-Forwarded-Host: evil.example',
        'Forwarded: host=evil.example;proto=https',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    expect(forged).toMatch(/^HTTP\/1\.1 200 /);
    const echoed = JSON.parse(forged.slice(forged.indexOf('\r\n\r\n') + 4)) as {
      headers: Record<string, string>;
    };
    expect(echoed.headers['Host']).toBe(`127.0.0.1:${httpbin.port}`);
    expect(JSON.stringify(echoed.headers)).not.toContain('evil.example');
    expect((await httpbin.served()).slice(before)).toEqual(['GET /headers']);
    await proxy.stop();
  });
});

describe('the httpbin helper', () => {
  it('serves on a free loopback port, and fails naming the Debian package when httpbin is missing', async () => {
    const a = await startHttpbin();
    const b = await startHttpbin();
    expect(a.port).not.toBe(b.port);
    expect(new URL(a.url).hostname).toBe('127.0.0.1');
    const r = await call(a.url, '/get');
    expect(r.status).toBe(200);
    expect(await a.served()).toEqual(['GET /get']);
    await a.stop();
    await expect(call(a.url, '/get')).rejects.toThrow();

    await expect(startHttpbin({ python: '/nonexistent/python3' })).rejects.toThrow(
      /python3-httpbin .*apt-get install -y --no-install-recommends python3-httpbin/,
    );
    // -S hides Debian's dist-packages: what a machine without the package looks like.
    await expect(startHttpbin({ pythonFlags: ['-S'] })).rejects.toThrow(
      /cannot import httpbin\)\. Install it with: apt-get install/,
    );
  });
});
