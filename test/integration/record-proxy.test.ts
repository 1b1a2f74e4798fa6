import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { header, rawExchange, send } from '../helpers/client.js';
import { grepFiles, listFiles, readCassette } from '../helpers/files.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { gate } from '../helpers/gate.js';
import { tmpDir } from '../helpers/tmp.js';
import { startSentinel, startUpstream, type TestUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

/** A latency of 0–14 ms that depends only on the path (a string hash), not on chance. */
function latencyFor(path: string): number {
  let h = 0;
  for (let i = 0; i < path.length; i++) h = (h * 31 + path.charCodeAt(i)) % 1_000_003;
  return h % 15;
}

/** An upstream that answers every request with its method and URL as JSON. */
function echoUpstream(): Promise<TestUpstream> {
  return startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url }));
  });
}

describe('record proxy: where requests go', () => {
  it('passes redirects through without following them, relative to tapedeck', async () => {
    const dirs = layout(await tmpDir());
    let upstreamUrl = '';
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/start') {
        res.writeHead(302, { location: `${upstreamUrl}/next?step=2` });
        res.end();
      } else {
        res.writeHead(200);
        res.end('next');
      }
    });
    upstreamUrl = upstream.url;
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    const r = await send(recorder.url, '/start');
    expect(r.status).toBe(302);
    expect(header(r.headers, 'location')).toBe('/next?step=2');
    expect(upstream.requests.map((q) => q.url)).toEqual(['/start']);

    await recorder.stop();
    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.interactions).toHaveLength(1);
    expect(cassette.interactions[0]!.response.status).toBe(302);
    expect(cassette.interactions[0]!.response.headers['location']).toBe('/next?step=2');
    expect(JSON.stringify(cassette)).not.toContain(`127.0.0.1:${upstream.port}/next`);
  });

  it('sends a request with a forged Host header to the configured upstream only', async () => {
    const dirs = layout(await tmpDir());
    const upstream = await echoUpstream();
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    const r = await send(recorder.url, '/who', { headers: { host: 'evil.example' } });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ method: 'GET', url: '/who' });
    expect(upstream.requests).toHaveLength(1);
    // The upstream sees its own host; the forged one does not travel at all (no x-forwarded-host
    // by default: core/http/forwarded.ts).
    expect(upstream.requests[0]!.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(JSON.stringify(upstream.requests[0]!.headers)).not.toContain('evil.example');
  });

  it('refuses an absolute-form target with 400; a //host path still goes to the target', async () => {
    const dirs = layout(await tmpDir());
    const upstream = await echoUpstream();
    const other = await startSentinel();
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    const response = await rawExchange(
      recorder.port,
      `GET http://127.0.0.1:${other.port}/steal HTTP/1.1\r\nHost: 127.0.0.1:${other.port}\r\nConnection: close\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toContain('TD_BAD_REQUEST');
    // A path that looks like a network-path reference still goes to the target, as a path.
    const sneaky = await send(recorder.url, `//127.0.0.1:${other.port}/steal`);
    expect(sneaky.status).toBe(200);
    expect(upstream.requests.map((r) => r.url)).toEqual([`//127.0.0.1:${other.port}/steal`]);
    await recorder.stop();
    expect(other.connections()).toBe(0);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('record proxy: headers', () => {
  it('neither forwards nor records hop-by-hop and x-tapedeck-* headers', async () => {
    const dirs = layout(await tmpDir());
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-tapedeck-layer': 'forged-by-upstream',
        'x-kept-response': 'yes',
      });
      res.end('ok');
    });
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    // Raw bytes: client libraries refuse to send most of these headers.
    const response = await rawExchange(
      recorder.port,
      [
        'GET /hop HTTP/1.1',
        `Host: 127.0.0.1:${recorder.port}`,
        'Connection: close, X-Hop-Custom',
        'Keep-Alive: timeout=5',
        'TE: trailers',
        'Upgrade: h2c',
        'Proxy-Authorization: Basic cHJveHk6c2VjcmV0',
        'X-Hop-Custom: drop-me',
        'X-Tapedeck-Session: s1',
        'X-Tapedeck-Anything: drop-me-too',
        'X-Kept: kept',
        '',
        '',
      ].join('\r\n'),
    );
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response.toLowerCase()).not.toContain('forged-by-upstream');
    expect(upstream.requests).toHaveLength(1);
    const seen = upstream.requests[0]!;
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    for (const name of [
      'keep-alive',
      'te',
      'upgrade',
      'proxy-authorization',
      'x-hop-custom',
      'x-tapedeck-session',
      'x-tapedeck-anything',
    ]) {
      expect(names, name).not.toContain(name);
    }
    // undici may add its own `connection: keep-alive`; the client's value must not travel.
    expect(String(seen.headers.connection ?? '')).not.toMatch(/x-hop-custom|close/i);
    expect(seen.headers['x-kept']).toBe('kept');

    await recorder.stop();
    const [interaction] = (await readCassette(dirs.cassettes)).interactions;
    const recorded = Object.keys(interaction!.request.headers);
    expect(recorded).toContain('x-kept');
    for (const name of [
      'connection',
      'keep-alive',
      'te',
      'upgrade',
      'proxy-authorization',
      'x-hop-custom',
      'x-tapedeck-session',
      'x-tapedeck-anything',
      'host',
    ]) {
      expect(recorded, name).not.toContain(name);
    }
    expect(interaction!.response.headers['x-kept-response']).toBe('yes');
    expect(interaction!.response.headers).not.toHaveProperty('x-tapedeck-layer');
    expect(interaction!.response.headers).not.toHaveProperty('connection');
    expect(interaction!.response.headers).not.toHaveProperty('keep-alive');
  });

  it('never writes credentials to disk', async () => {
    const dirs = layout(await tmpDir());
    const secrets = {
      authorization: 'sk_live_AuthzSecret4f9c2e7a',
      cookie: 'CookieSecretValue9d8e7f6a',
      apiKey: 'ApiKeySecretHeader1a2b3c4d',
      setCookie: 'SetCookieSecretValue5e6f7a8b',
      query: 'QueryApiKeySecret0c1d2e3f',
    };
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': [
          `session=${secrets.setCookie}; Path=/; HttpOnly; Secure`,
          'theme=dark; Path=/',
        ],
      });
      res.end(JSON.stringify({ ok: true, sawAuth: req.headers.authorization !== undefined }));
    });
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    const r = await send(recorder.url, `/account?api_key=${secrets.query}&page=2`, {
      headers: {
        authorization: `Bearer ${secrets.authorization}`,
        cookie: `sid=${secrets.cookie}; lang=en`,
        'x-api-key': secrets.apiKey,
      },
    });
    expect(r.status).toBe(200);
    // The proxy itself is transparent: the upstream gets the real credentials.
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${secrets.authorization}`);
    expect(upstream.requests[0]!.url).toContain(secrets.query);
    await recorder.stop();

    // Positive controls: the scan does read the cassette and the SQLite journal.
    expect(await grepFiles([dirs.cassettes], 'Bearer tdp_')).toHaveLength(1);
    expect((await grepFiles([dirs.stateDir], '/account')).length).toBeGreaterThan(0);
    for (const [what, secret] of Object.entries(secrets)) {
      expect(await grepFiles([dirs.cassettes, dirs.stateDir], secret), what).toEqual([]);
    }
    expect(recorder.logger.text()).not.toMatch(new RegExp(Object.values(secrets).join('|')));

    const [interaction] = (await readCassette(dirs.cassettes)).interactions;
    const { request, response } = interaction!;
    // Credentials become keyed pseudonyms (tdp_…); names, schemes and cookie attributes stay.
    const pseudonym = /tdp_[a-z2-7]{24}/.source;
    expect(request.headers['authorization']).toMatch(new RegExp(`^Bearer ${pseudonym}$`));
    expect(request.headers['cookie']).toMatch(new RegExp(`^sid=${pseudonym}; lang=${pseudonym}$`));
    expect(request.headers['x-api-key']).toMatch(new RegExp(`^${pseudonym}$`));
    expect(request.query['page']).toBe('2');
    expect(request.query['api_key']).toMatch(new RegExp(`^${pseudonym}$`));
    const setCookie = response.headers['set-cookie'] as string[];
    expect(setCookie[0]).toMatch(new RegExp(`^session=${pseudonym}; Path=/; HttpOnly; Secure$`));
    expect(setCookie[1]).toMatch(new RegExp(`^theme=${pseudonym}; Path=/$`));
  });
});

describe('record proxy: cassette names', () => {
  it('routes an interaction to the cassette named by x-tapedeck-cassette', async () => {
    const dirs = layout(await tmpDir());
    const upstream = await echoUpstream();
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    expect(
      (await send(recorder.url, '/a', { headers: { 'x-tapedeck-cassette': 'some/name' } })).status,
    ).toBe(200);
    expect((await send(recorder.url, '/b')).status).toBe(200);
    await recorder.stop();

    expect(await listFiles(dirs.cassettes)).toEqual(['default.json', join('some', 'name.json')]);
    const named = await readCassette(dirs.cassettes, 'some/name');
    expect(named.interactions.map((i) => i.request.path)).toEqual(['/a']);
    expect(named.interactions[0]!.request.headers).not.toHaveProperty('x-tapedeck-cassette');
    const fallback = await readCassette(dirs.cassettes);
    expect(fallback.interactions.map((i) => i.request.path)).toEqual(['/b']);
  });

  // Mode all has no cassette layer before the upstream: the upstream layer itself must refuse
  // the name before sending, or a POST would reach the real API and then be called refused.
  it.each(['new', 'all'] as const)(
    'mode %s: rejects a cassette name that escapes the directory with 400, sends and writes nothing',
    async (mode) => {
      const root = await tmpDir();
      const dirs = layout(root);
      const upstream = await echoUpstream();
      const recorder = await startTapedeck('record', { ...dirs, target: upstream.url, mode });

      for (const name of ['../escape', '/etc/escape', 'a/../../escape', '.hidden']) {
        const r = await send(recorder.url, '/x', {
          method: 'POST',
          body: '{"amount":1}',
          headers: { 'x-tapedeck-cassette': name, 'content-type': 'application/json' },
        });
        expect(r.status, name).toBe(400);
        expect((r.json() as { code: string }).code).toBe('TD_CASSETTE_NAME_INVALID');
      }
      await recorder.stop();
      expect(upstream.requests).toHaveLength(0);
      expect(await listFiles(dirs.cassettes)).toEqual([]);
      const outside = (await listFiles(root)).filter((f) => !f.startsWith(`state`));
      expect(outside).toEqual([]);
    },
  );
});

describe('record modes', () => {
  it('new: answers from the cassette it started with, records a fresh flow in order', async () => {
    const dirs = layout(await tmpDir());
    let n = 0;
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ n: ++n, method: req.method, url: req.url }));
    });

    const first = await startTapedeck('record', { ...dirs, target: upstream.url, mode: 'new' });
    const known = await send(first.url, '/known');
    await first.stop();
    expect(upstream.requests).toHaveLength(1);

    const second = await startTapedeck('record', { ...dirs, target: upstream.url, mode: 'new' });
    const again = await send(second.url, '/known');
    expect(again.status).toBe(200);
    expect(again.text()).toBe(known.text());
    expect(header(again.headers, 'x-tapedeck-layer')).toBe('cassette');
    expect(upstream.requests).toHaveLength(1);

    // A fresh flow: the repeated GET is a new step of the flow, so it goes upstream too.
    const a = await send(second.url, '/orders');
    const b = await send(second.url, '/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'book' }),
    });
    const c = await send(second.url, '/orders');
    expect([a, b, c].map((r) => (r.json() as { n: number }).n)).toEqual([2, 3, 4]);
    expect(upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /known',
      'GET /orders',
      'POST /orders',
      'GET /orders',
    ]);
    await second.stop();

    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.interactions.map((i) => `${i.request.method} ${i.request.path}`)).toEqual([
      'GET /known',
      'GET /orders',
      'POST /orders',
      'GET /orders',
    ]);
    const counters = cassette.interactions.map((i) => {
      const body = i.response.body;
      return body?.encoding === 'json' ? (body.json as { n: number }).n : undefined;
    });
    expect(counters).toEqual([1, 2, 3, 4]);
    expect(cassette.interactions[2]!.request.body).toEqual({
      encoding: 'json',
      json: { item: 'book' },
    });
  });

  it('all: replaces the cassette it records to and leaves other cassettes untouched', async () => {
    const dirs = layout(await tmpDir());
    const upstream = await echoUpstream();

    const first = await startTapedeck('record', { ...dirs, target: upstream.url });
    await send(first.url, '/old-1');
    await send(first.url, '/old-2');
    await send(first.url, '/kept', { headers: { 'x-tapedeck-cassette': 'other' } });
    await first.stop();
    const otherBefore = await readFile(join(dirs.cassettes, 'other.json'));

    const second = await startTapedeck('record', { ...dirs, target: upstream.url, mode: 'all' });
    await send(second.url, '/old-1');
    await send(second.url, '/new');
    await send(second.url, '/new');
    await second.stop();

    // Mode all goes upstream even for requests the cassette already had.
    expect(upstream.requests.map((r) => r.url)).toEqual([
      '/old-1',
      '/old-2',
      '/kept',
      '/old-1',
      '/new',
      '/new',
    ]);
    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.interactions.map((i) => i.request.path)).toEqual(['/old-1', '/new', '/new']);
    expect((await readFile(join(dirs.cassettes, 'other.json'))).equals(otherBefore)).toBe(true);
  });
});

describe('record proxy: stopping and concurrency', () => {
  it('finishes a slow response in flight when stopped, and records it', async () => {
    const dirs = layout(await tmpDir());
    // A slow upstream whose pace the test sets: it answers in two halves, each when let go.
    const arrived = gate();
    const firstHalf = gate();
    const firstHalfSent = gate();
    const secondHalf = gate();
    const upstream = await startUpstream(async (_req, res) => {
      arrived.open();
      await firstHalf.opened;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('slow ', () => firstHalfSent.open());
      await secondHalf.opened;
      res.end('answer');
    });
    const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });

    const inFlight = send(recorder.url, '/slow');
    await arrived.opened;
    // stop() closes the listener before it returns (see closeGracefully); the response is
    // still waiting for its upstream.
    let stopDone = false;
    const stopped = recorder.stop().then(() => (stopDone = true));
    firstHalf.open();
    await firstHalfSent.opened;
    expect(stopDone).toBe(false);
    secondHalf.open();
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.text()).toBe('slow answer');
    await stopped;

    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.interactions).toHaveLength(1);
    expect(cassette.interactions[0]!.response.body).toEqual({
      encoding: 'text',
      text: 'slow answer',
    });
    // Once stopped, nothing is accepted any more.
    await expect(send(recorder.url, '/late')).rejects.toThrow();
  });

  it('two recorders writing the same cassette lose nothing and never tear the file', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    const upstream = await startUpstream(async (req, res) => {
      // Uneven upstream latency (the sleep is the behaviour here: it staggers the answers so
      // the two recorders' writes interleave), 0–14 ms, fixed per path so every run is alike.
      await sleep(latencyFor(req.url ?? ''));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url }));
    });
    const one = await startTapedeck('record', { ...dirs, target: upstream.url });
    const two = await startTapedeck('record', {
      ...dirs,
      stateDir: join(root, 'state-two'),
      target: upstream.url,
    });

    let running = true;
    let reads = 0;
    const file = join(dirs.cassettes, 'default.json');
    const reader = (async () => {
      while (running) {
        let text: string | undefined;
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        if (text !== undefined) {
          const parsed = JSON.parse(text) as { interactions: unknown[] };
          expect(Array.isArray(parsed.interactions)).toBe(true);
          reads++;
        }
        // A reader polling the file as fast as it reasonably can while both recorders write.
        await sleep(1);
      }
    })();

    const perRecorder = 40;
    const paths = (prefix: string) =>
      Array.from({ length: perRecorder }, (_, i) => `/${prefix}/${i}`);
    const fire = async (url: string, list: string[]) => {
      // Eight requests at a time per recorder.
      for (let i = 0; i < list.length; i += 8) {
        const results = await Promise.all(list.slice(i, i + 8).map((p) => send(url, p)));
        for (const r of results) expect(r.status).toBe(200);
      }
    };
    await Promise.all([fire(one.url, paths('one')), fire(two.url, paths('two'))]);
    await Promise.all([one.stop(), two.stop()]);
    running = false;
    await reader;

    expect(reads).toBeGreaterThan(0);
    const cassette = await readCassette(dirs.cassettes);
    const recorded = cassette.interactions.map((i) => i.request.path).sort();
    expect(recorded).toEqual([...paths('one'), ...paths('two')].sort());
    // No temp or lock files are left behind.
    expect(await listFiles(dirs.cassettes)).toEqual(['default.json']);
  });
});
