import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TapedeckError } from '../../src/core/errors.js';
import { runCleanups } from '../helpers/cleanup.js';
import { header, send, type SendOptions } from '../helpers/client.js';
import { listFiles } from '../helpers/files.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startSentinel, startUpstream, type UpstreamHandler } from '../helpers/upstream.js';

afterEach(runCleanups);

type Dirs = ReturnType<typeof layout>;

/** Records `requests` through a record proxy in front of `handler`, then stops both. */
async function record(
  dirs: Dirs,
  handler: UpstreamHandler,
  requests: readonly (readonly [string, SendOptions?])[],
): Promise<void> {
  const upstream = await startUpstream(handler);
  const recorder = await startTapedeck('record', { ...dirs, target: upstream.url });
  for (const [path, options] of requests) {
    const r = await send(recorder.url, path, options);
    expect(r.status, `recording ${path}`).toBeLessThan(500);
  }
  await recorder.stop();
  await upstream.close();
  expect(upstream.requests).toHaveLength(requests.length);
}

/** An upstream whose answer counts the requests it has seen, per path. */
function counting(): UpstreamHandler {
  const counts = new Map<string, number>();
  return (req, res) => {
    const n = (counts.get(req.url) ?? 0) + 1;
    counts.set(req.url, n);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, n }));
  };
}

/** Echoes the request body back, so a match is easy to see. */
const echo: UpstreamHandler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ url: req.url, body: req.body.toString('utf8') }));
};

const n = async (base: string, path: string, options?: SendOptions) => {
  const r = await send(base, path, options);
  expect(r.status).toBe(200);
  return (r.json() as { n: number }).n;
};

describe('replay sequences', () => {
  it('serves repeated requests in recorded order, then repeats the last', async () => {
    const dirs = layout(await tmpDir());
    await record(dirs, counting(), [['/counter'], ['/counter'], ['/counter']]);
    const sentinel = await startSentinel();
    const replay = await startTapedeck('replay', { ...dirs, target: sentinel.url });

    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await n(replay.url, '/counter'));
    expect(seen).toEqual([1, 2, 3, 3, 3]);
    expect(sentinel.connections()).toBe(0);
  });

  it('keeps one position per session, and resets one session only', async () => {
    const dirs = layout(await tmpDir());
    await record(dirs, counting(), [['/counter'], ['/counter'], ['/counter']]);
    const replay = await startTapedeck('replay', dirs);
    const a = { headers: { 'x-tapedeck-session': 'a' } };
    const b = { headers: { 'x-tapedeck-session': 'b' } };

    const order: [string, number][] = [];
    for (let i = 0; i < 4; i++) {
      order.push(['a', await n(replay.url, '/counter', a)]);
      order.push(['b', await n(replay.url, '/counter', b)]);
    }
    expect(order).toEqual([
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['b', 2],
      ['a', 3],
      ['b', 3],
      ['a', 3],
      ['b', 3],
    ]);
    // The default session has its own position too.
    expect(await n(replay.url, '/counter')).toBe(1);

    const reset = await send(replay.url, '/__tapedeck/reset?session=a', { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(await n(replay.url, '/counter', a)).toBe(1);
    expect(await n(replay.url, '/counter', b)).toBe(3);
    expect(await n(replay.url, '/counter', a)).toBe(2);
    expect(await n(replay.url, '/counter')).toBe(2);
  });
});

describe('replay misses', () => {
  it('answers 599 with a near-miss report and contacts nothing', async () => {
    const dirs = layout(await tmpDir());
    await record(dirs, counting(), [['/items?color=red&size=m']]);
    const sentinel = await startSentinel();
    const replay = await startTapedeck('replay', { ...dirs, target: sentinel.url });

    const text = await send(replay.url, '/items?size=m&color=blue');
    expect(text.status).toBe(599);
    expect(header(text.headers, 'x-tapedeck-miss')).toBe('1');
    expect(header(text.headers, 'content-type')).toMatch(/^text\/plain/);
    const report = text.text();
    expect(report).toContain('GET /items?color=blue&size=m');
    expect(report).toContain('default #0');
    expect(report).toContain('GET /items?color=red&size=m');
    const lines = report.split('\n');
    const color = lines.find((l) => l.includes('query.color'));
    expect(color).toBeDefined();
    expect(color).toContain('✗');
    expect(color).toContain('red');
    expect(color).toContain('blue');
    const size = lines.find((l) => l.includes('query.size'));
    expect(size === undefined || !size.includes('✗')).toBe(true);

    const json = await send(replay.url, '/items?size=m&color=blue', {
      headers: { accept: 'application/json' },
    });
    expect(json.status).toBe(599);
    expect(header(json.headers, 'x-tapedeck-miss')).toBe('1');
    expect(header(json.headers, 'content-type')).toBe('application/problem+json');
    const problem = json.json() as {
      code: string;
      status: number;
      nearest: { cassette: string; interaction: number; differences: unknown[] }[];
    };
    expect(problem.code).toBe('TD_NO_MATCH');
    expect(problem.status).toBe(599);
    expect(problem.nearest[0]).toMatchObject({ cassette: 'default', interaction: 0 });
    expect(problem.nearest[0]!.differences).toEqual([
      { field: 'query.color', recorded: 'red', actual: 'blue' },
    ]);

    // Misses of every kind stay local: other paths, methods, bodies.
    await send(replay.url, '/nowhere');
    await send(replay.url, '/items', { method: 'POST', body: 'x' });
    expect(sentinel.connections()).toBe(0);
    expect(sentinel.requests).toHaveLength(0);
    expect(replay.logger.lines.filter((l) => l.event === 'replay.miss')).toHaveLength(4);
  });

  it('answers every request with a miss when nothing is recorded, still offline', async () => {
    const dirs = layout(await tmpDir());
    await mkdir(dirs.cassettes, { recursive: true });
    const sentinel = await startSentinel();
    const replay = await startTapedeck('replay', { ...dirs, target: sentinel.url });
    const r = await send(replay.url, '/anything');
    expect(r.status).toBe(599);
    expect(r.text()).toContain('No interactions are recorded');
    expect(sentinel.connections()).toBe(0);
  });
});

describe('replay matching', () => {
  it('ignores query parameter order', async () => {
    const dirs = layout(await tmpDir());
    await record(dirs, counting(), [['/search?a=1&b=2&b=3']]);
    const replay = await startTapedeck('replay', dirs);
    expect((await send(replay.url, '/search?b=2&a=1&b=3')).status).toBe(200);
    expect((await send(replay.url, '/search?a=1&b=2')).status).toBe(599);
  });

  it('matches JSON request bodies whatever their key order and whitespace', async () => {
    const dirs = layout(await tmpDir());
    const json = { 'content-type': 'application/json' };
    await record(dirs, echo, [
      ['/orders', { method: 'POST', headers: json, body: '{"a":1,"b":{"c":[1,2],"d":"x"}}' }],
      // Indented by four spaces: kept as text in the cassette, still matched as JSON.
      [
        '/refunds',
        { method: 'POST', headers: json, body: '{\n    "id": 1,\n    "why": "late"\n}' },
      ],
    ]);
    const replay = await startTapedeck('replay', dirs);
    const hit = await send(replay.url, '/orders', {
      method: 'POST',
      headers: json,
      body: '{\n  "b": { "d": "x", "c": [1, 2] },\n  "a": 1\n}',
    });
    expect(hit.status).toBe(200);
    expect(header(hit.headers, 'x-tapedeck-layer')).toBe('cassette');
    const miss = await send(replay.url, '/orders', {
      method: 'POST',
      headers: { ...json, accept: 'application/json' },
      body: '{"a":1,"b":{"c":[2,1],"d":"x"}}',
    });
    expect(miss.status).toBe(599);
    const differences = (miss.json() as { nearest: { differences: { field: string }[] }[] })
      .nearest[0]!.differences;
    expect(differences.map((d) => d.field).join(' ')).toMatch(/body/);
    const refund = await send(replay.url, '/refunds', {
      method: 'POST',
      headers: json,
      body: '{"why":"late","id":1}',
    });
    expect(refund.status).toBe(200);
    expect(header(refund.headers, 'x-tapedeck-layer')).toBe('cassette');
  });

  it('applies match.ignoreQuery', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    await record(dirs, counting(), [['/feed?x=1&ts=1111']]);
    const strict = await startTapedeck('replay', { ...dirs, stateDir: join(root, 'strict') });
    expect((await send(strict.url, '/feed?x=1&ts=2222')).status).toBe(599);

    const lenient = await startTapedeck('replay', {
      ...dirs,
      flags: [{ pointer: '/match/ignoreQuery', value: ['ts'], flag: '--ignore-query' }],
    });
    expect((await send(lenient.url, '/feed?x=1&ts=2222')).status).toBe(200);
    expect((await send(lenient.url, '/feed?ts=3&x=1')).status).toBe(200);
    expect((await send(lenient.url, '/feed?x=1')).status).toBe(200);
    expect((await send(lenient.url, '/feed?x=2&ts=1111')).status).toBe(599);
  });

  it('applies match.ignoreBodyPaths', async () => {
    const root = await tmpDir();
    const dirs = layout(root);
    const json = { 'content-type': 'application/json' };
    const body = (requestId: string, name: string, updatedAt: number) =>
      JSON.stringify({ requestId, name, meta: { updatedAt, tags: ['a'] } });
    await record(dirs, echo, [
      ['/events', { method: 'POST', headers: json, body: body('r-1', 'n', 1) }],
    ]);

    const strict = await startTapedeck('replay', { ...dirs, stateDir: join(root, 'strict') });
    const strictAnswer = await send(strict.url, '/events', {
      method: 'POST',
      headers: json,
      body: body('r-2', 'n', 2),
    });
    expect(strictAnswer.status).toBe(599);

    const lenient = await startTapedeck('replay', {
      ...dirs,
      flags: [
        {
          pointer: '/match/ignoreBodyPaths',
          value: ['$.requestId', '$..updatedAt'],
          flag: '--ignore-body-path',
        },
      ],
    });
    const hit = await send(lenient.url, '/events', {
      method: 'POST',
      headers: json,
      body: body('r-2', 'n', 2),
    });
    expect(hit.status).toBe(200);
    const miss = await send(lenient.url, '/events', {
      method: 'POST',
      headers: json,
      body: body('r-2', 'other', 2),
    });
    expect(miss.status).toBe(599);
  });
});

describe('replay startup', () => {
  const interaction = (status: unknown) => ({
    latencyMs: 1,
    recordedAt: '2024-01-01T00:00:00.000Z',
    request: { method: 'GET', path: '/x', query: {}, headers: {} },
    response: { status, headers: {} },
  });

  it('refuses to start on a cassette that breaks the schema, naming file and pointer', async () => {
    const dirs = layout(await tmpDir());
    await mkdir(join(dirs.cassettes, 'flows'), { recursive: true });
    await writeFile(
      join(dirs.cassettes, 'good.json'),
      `${JSON.stringify({ version: 1, interactions: [interaction(200)] })}\n`,
    );
    await writeFile(
      join(dirs.cassettes, 'flows', 'broken.json'),
      JSON.stringify({ version: 1, interactions: [interaction(200), interaction('ok')] }),
    );
    const error = await startTapedeck('replay', dirs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TapedeckError);
    expect((error as TapedeckError).code).toBe('TD_CASSETTE_INVALID');
    expect((error as TapedeckError).message).toContain(join('flows', 'broken.json'));
    expect((error as TapedeckError).message).toContain('/interactions/1/response/status');
    expect((error as TapedeckError).message).not.toContain('good.json');
  });

  it('refuses to start on a cassette that is not JSON, naming the file', async () => {
    const dirs = layout(await tmpDir());
    await mkdir(dirs.cassettes, { recursive: true });
    await writeFile(join(dirs.cassettes, 'torn.json'), '{"version": 1, "interactions": [');
    const error = await startTapedeck('replay', dirs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TapedeckError);
    expect((error as TapedeckError).code).toBe('TD_CASSETTE_INVALID');
    expect((error as TapedeckError).message).toContain('torn.json');
    // Nothing was left listening or written beside the cassettes.
    expect(await listFiles(dirs.cassettes)).toEqual(['torn.json']);
  });
});

describe('replayed headers', () => {
  it('never replays the hop-by-hop headers of a hand-written cassette', async () => {
    const dirs = layout(await tmpDir());
    await mkdir(dirs.cassettes, { recursive: true });
    const headers = {
      'content-type': 'text/plain',
      'x-kept': 'yes',
      upgrade: 'h2c',
      trailer: 'x-checksum',
      'proxy-authenticate': 'Basic',
      'keep-alive': 'timeout=99',
    };
    await writeFile(
      join(dirs.cassettes, 'hand.json'),
      JSON.stringify({
        version: 1,
        interactions: [
          {
            latencyMs: 1,
            recordedAt: '2024-01-01T00:00:00.000Z',
            request: { method: 'GET', path: '/hand', query: {}, headers: {} },
            response: { status: 200, headers, body: { encoding: 'text', text: 'ok' } },
          },
        ],
      }),
    );
    const tapedeck = await startTapedeck('replay', dirs);
    const r = await send(tapedeck.url, '/hand');
    expect(r.status).toBe(200);
    expect(r.text()).toBe('ok');
    expect(header(r.headers, 'x-kept')).toBe('yes');
    for (const name of ['upgrade', 'trailer', 'proxy-authenticate'])
      expect(r.headers[name], name).toBeUndefined();
    expect(header(r.headers, 'keep-alive')).not.toBe('timeout=99');
  });
});
