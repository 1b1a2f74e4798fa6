import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import type { Cassette } from '../../src/core/cassette/model.js';
import { header, send } from '../helpers/client.js';
import { readCassette } from '../helpers/files.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

/** A cassette written by hand: one GET /slow that took `latencyMs` when it was recorded. */
async function handWritten(dirs: ReturnType<typeof layout>, latencyMs: number): Promise<void> {
  const cassette: Cassette = {
    version: 1,
    interactions: [
      {
        request: { method: 'GET', path: '/slow', query: {}, headers: {} },
        response: {
          status: 200,
          headers: { 'content-type': 'text/plain' },
          body: { encoding: 'text', text: 'done' },
        },
        latencyMs,
        recordedAt: '2026-01-01T00:00:00Z',
      },
    ],
  };
  await mkdir(dirs.cassettes, { recursive: true });
  await writeFile(join(dirs.cassettes, 'default.json'), serializeCassette(cassette));
}

async function elapsed(url: string): Promise<number> {
  const started = performance.now();
  const r = await send(url, '/slow');
  expect(r.text()).toBe('done');
  return performance.now() - started;
}

describe('replay --latency', () => {
  it('waits the recorded latency with "recorded", and N times it with "xN"', async () => {
    const dirs = layout(await tmpDir());
    await handWritten(dirs, 300);
    const recorded = await startTapedeck('replay', {
      ...dirs,
      flags: [{ pointer: '/replay/latency', value: 'recorded', flag: '--latency' }],
    });
    expect(await elapsed(recorded.url)).toBeGreaterThanOrEqual(290);
    await recorded.stop();
    const doubled = await startTapedeck('replay', {
      ...dirs,
      flags: [{ pointer: '/replay/latency', value: 'x2', flag: '--latency' }],
    });
    expect(await elapsed(doubled.url)).toBeGreaterThanOrEqual(590);
  });
});

describe('replay --on-miss', () => {
  it('passthrough forwards a miss to the upstream and records nothing', async () => {
    const dirs = layout(await tmpDir());
    await handWritten(dirs, 1);
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"from":"upstream"}');
    });
    const replay = await startTapedeck('replay', {
      ...dirs,
      target: upstream.url,
      flags: [{ pointer: '/replay/onMiss', value: 'passthrough', flag: '--on-miss' }],
    });
    const hit = await send(replay.url, '/slow');
    expect(header(hit.headers, 'x-tapedeck-layer')).toBe('cassette');
    const miss = await send(replay.url, '/new');
    expect(miss.json()).toEqual({ from: 'upstream' });
    expect(header(miss.headers, 'x-tapedeck-layer')).toBe('upstream');
    await replay.stop();
    expect(upstream.requests.map((r) => r.url)).toEqual(['/new']);
    expect((await readCassette(dirs.cassettes)).interactions).toHaveLength(1);
  });

  it('record forwards a miss and appends it to the cassette; the next identical request replays it', async () => {
    const dirs = layout(await tmpDir());
    await handWritten(dirs, 1);
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"created":true}');
    });
    const replay = await startTapedeck('replay', {
      ...dirs,
      target: upstream.url,
      env: { TAPEDECK_REDACTION_KEY: 'replay-modes-test-key-0123456789' },
      flags: [{ pointer: '/replay/onMiss', value: 'record', flag: '--on-miss' }],
    });
    expect((await send(replay.url, '/things', { method: 'POST' })).status).toBe(201);
    await replay.stop();
    const cassette = await readCassette(dirs.cassettes);
    expect(
      cassette.interactions.map(
        (i) => `${i.request.method} ${i.request.path} ${i.response.status}`,
      ),
    ).toEqual(['GET /slow 200', 'POST /things 201']);
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses to start without a target, before listening', async () => {
    const dirs = layout(await tmpDir());
    await handWritten(dirs, 1);
    await expect(
      startTapedeck('replay', {
        ...dirs,
        flags: [{ pointer: '/replay/onMiss', value: 'passthrough', flag: '--on-miss' }],
      }),
    ).rejects.toMatchObject({ code: 'TD_USAGE' });
  });
});

describe('admin API', () => {
  it('needs the bearer token when one is configured', async () => {
    const dirs = layout(await tmpDir());
    await handWritten(dirs, 1);
    const token = 'admin-token-0123456789abcdef';
    const replay = await startTapedeck('replay', {
      ...dirs,
      flags: [{ pointer: '/admin/token', value: token, flag: 'test' }],
    });
    expect((await send(replay.url, '/__tapedeck/health')).status).toBe(401);
    expect(
      (
        await send(replay.url, '/__tapedeck/health', {
          headers: { authorization: 'Bearer wrong-token-0123456789ab' },
        })
      ).status,
    ).toBe(401);
    const ok = await send(replay.url, '/__tapedeck/health', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.json()).toMatchObject({
      status: 'ok',
      mode: 'replay',
      cassettes: 1,
      interactions: 1,
    });
  });

  it('reports the journal and the summary by layer', async () => {
    const dirs = layout(await tmpDir());
    await handWritten(dirs, 1);
    const replay = await startTapedeck('replay', dirs);
    await send(replay.url, '/slow');
    await send(replay.url, '/unknown');
    const journal = (await send(replay.url, '/__tapedeck/journal?limit=10')).json() as {
      entries: { layer: string; path: string; status: number }[];
    };
    expect(journal.entries.map((e) => `${e.layer} ${e.path} ${e.status}`)).toEqual([
      'miss /unknown 599',
      'cassette /slow 200',
    ]);
    const summary = (await send(replay.url, '/__tapedeck/summary')).json() as {
      byLayer: Record<string, number>;
      misses: unknown[];
      unused: unknown[];
    };
    expect(summary.byLayer).toMatchObject({ cassette: 1, miss: 1 });
    expect(summary.misses).toEqual([{ request: 'GET /unknown', count: 1 }]);
    expect(summary.unused).toEqual([]);
    const nope = await send(replay.url, '/__tapedeck/nope');
    expect(nope.status).toBe(404);
    // Admin errors are problem details, listing the endpoints there are.
    expect(header(nope.headers, 'content-type')).toBe('application/problem+json');
    expect(nope.json()).toMatchObject({
      status: 404,
      code: 'TD_BAD_REQUEST',
      endpoints: [
        'GET health',
        'GET summary',
        'GET journal?limit=N',
        'POST reset?session=S',
        'GET metrics',
      ],
    });
  });
});

describe('names that are Object.prototype properties', () => {
  it('are ordinary query and header names: a miss, not a 500, and matching still works', async () => {
    const dirs = layout(await tmpDir());
    await handWritten(dirs, 1);
    const replay = await startTapedeck('replay', dirs);
    const miss = await send(replay.url, '/slow?constructor=1&__proto__=x&toString=2', {
      headers: { constructor: 'c', hasOwnProperty: 'h' },
    });
    expect(miss.status).toBe(599);
    expect(miss.text()).toContain('query.constructor');
    const hit = await send(replay.url, '/slow', { headers: { constructor: 'c', valueOf: 'v' } });
    expect(hit.status).toBe(200);
  });
});
