/**
 * Issue 12, defect 3: a compressed body had no decoded cap. A 64 KiB gzip request body that
 * inflates to 64 MiB became a 386 MiB cassette and a 2.2 GB recorder. `maxBodyBytes` now bounds
 * the decoded size as well (the codec stops inflating at the limit, test/unit/body-codec.test.ts):
 *
 * - a request body that decodes past it is refused with 413 TD_BODY_TOO_LARGE on every server
 *   (record, replay, mock), exactly as a body over the limit on the wire is; record sends nothing
 *   upstream and stores nothing;
 * - a response body that decodes past it reaches the client as the upstream sent it, and is not
 *   recorded; the log says why in one line.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { NodeBodyCodec } from '../../src/adapters/http/body-codec.js';
import { UndiciUpstream } from '../../src/adapters/http/undici-upstream.js';
import { systemClock } from '../../src/adapters/system/system.js';
import { runDrift } from '../../src/app/drift/run.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';
import { redactorWith } from '../helpers/redaction.js';
import { send } from '../helpers/client.js';
import { listFiles, readCassette } from '../helpers/files.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';
import { SPECS, startMock } from './mock-support.js';

afterEach(runCleanups);

const MiB = 1024 * 1024;
const LIMIT = MiB;
const capFlag = { pointer: '/maxBodyBytes', value: LIMIT, flag: 'test' } as const;
/** 64 MiB of zeros: about 64 KiB on the wire, well within the encoded limit. */
const bomb = gzipSync(Buffer.alloc(64 * MiB));
/** Two layers: a few hundred bytes that would inflate to 64 MiB. */
const doubleBomb = gzipSync(bomb);

function setup() {
  const dirs = layout(tempDir());
  mkdirSync(dirs.cassettes, { recursive: true });
  return dirs;
}

function problemCode(reply: { headers: Record<string, unknown>; json(): unknown }): unknown {
  expect(reply.headers['content-type']).toBe('application/problem+json');
  return (reply.json() as { code?: unknown }).code;
}

/**
 * `record --mode all` with the cap, in front of an upstream answering `path` with `headers` and
 * `body` as they are (and `{"ok":true}` elsewhere): a hostile upstream's answer.
 */
async function recordingBehind(path: string, headers: Record<string, string>, body: Buffer) {
  const dirs = setup();
  const up = await startUpstream((req, res) => {
    if (req.url === path) {
      res.writeHead(200, headers);
      res.end(body);
    } else res.end('{"ok":true}');
  });
  const tapedeck = await startTapedeck('record', {
    ...dirs,
    target: up.url,
    mode: 'all',
    flags: [capFlag],
  });
  return { dirs, tapedeck };
}

describe('maxBodyBytes bounds the decoded size of request bodies', () => {
  it('is within the encoded limit on the wire', () => {
    expect(bomb.byteLength).toBeLessThan(LIMIT);
    expect(bomb.byteLength).toBeGreaterThan(32 * 1024);
  });

  it.each(['all', 'new'] as const)(
    'record --mode %s answers 413, sends nothing upstream and stores nothing',
    async (mode) => {
      const dirs = setup();
      const up = await startUpstream((_req, res) => res.end('{"ok":true}'));
      const tapedeck = await startTapedeck('record', {
        ...dirs,
        target: up.url,
        mode,
        flags: [capFlag],
      });
      for (const [coding, body] of [
        ['gzip', bomb],
        ['gzip, gzip', doubleBomb],
      ] as const) {
        const reply = await send(tapedeck.url, '/upload', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': coding },
          body,
          decode: false,
        });
        expect(reply.status).toBe(413);
        expect(problemCode(reply)).toBe('TD_BODY_TOO_LARGE');
        expect((reply.json() as { title: string }).title).toBe(
          `The ${coding} body decodes to more than ${LIMIT} bytes (maxBodyBytes).`,
        );
      }
      expect(up.requests).toEqual([]);
      // One line each, in both modes; the path is not shown (redacting it needs the body).
      expect(
        tapedeck.logger.lines.filter((l) => l.event === 'request.refused').map((l) => l.message),
      ).toEqual([
        `a POST request was answered 413: The gzip body decodes to more than ${LIMIT} bytes (maxBodyBytes). Nothing was sent upstream or recorded.`,
        `a POST request was answered 413: The gzip, gzip body decodes to more than ${LIMIT} bytes (maxBodyBytes). Nothing was sent upstream or recorded.`,
      ]);
      // A normal request afterwards is recorded: the recorder is alive and the cassette small.
      expect((await send(tapedeck.url, '/after')).status).toBe(200);
      await tapedeck.stop();
      const cassette = await readCassette(dirs.cassettes);
      expect(cassette.interactions.map((i) => i.request.path)).toEqual(['/after']);
    },
  );

  it('replay answers 413 instead of decoding the body to match it', async () => {
    const dirs = setup();
    const tapedeck = await startTapedeck('replay', { ...dirs, flags: [capFlag] });
    const reply = await send(tapedeck.url, '/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
      decode: false,
    });
    expect(reply.status).toBe(413);
    expect(problemCode(reply)).toBe('TD_BODY_TOO_LARGE');
  });

  it('the mock answers 413 instead of decoding the body to validate it', async () => {
    const mock = await startMock(join(SPECS, 'petstore-3.0.yaml'), { flags: [capFlag] });
    const reply = await send(mock.url, '/pets', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
      decode: false,
    });
    expect(reply.status).toBe(413);
    expect(problemCode(reply)).toBe('TD_BODY_TOO_LARGE');
  });
});

describe('maxBodyBytes bounds the decoded size of recorded response bodies', () => {
  it.each([
    ['gzip', bomb],
    ['gzip, gzip', doubleBomb],
  ] as const)(
    'a %s zip bomb reaches the client as sent and is not recorded; the log says why',
    async (coding, body) => {
      const { dirs, tapedeck } = await recordingBehind(
        '/bomb',
        {
          'content-type': 'application/json',
          'content-encoding': coding,
        },
        body,
      );
      const reply = await send(tapedeck.url, '/bomb', { decode: false });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-encoding']).toBe(coding);
      expect(reply.raw.equals(body)).toBe(true);
      const line = await tapedeck.logger.waitFor('record.skipped');
      expect(line.message).toBe(
        `not recorded: GET /bomb: The ${coding} body decodes to more than ${LIMIT} bytes (maxBodyBytes).`,
      );
      expect(line.fields).toMatchObject({ code: 'TD_BODY_TOO_LARGE' });
      expect((await send(tapedeck.url, '/after')).status).toBe(200);
      await tapedeck.stop();
      const cassette = await readCassette(dirs.cassettes);
      expect(cassette.interactions.map((i) => i.request.path)).toEqual(['/after']);
      expect(await listFiles(dirs.cassettes)).toEqual(['default.json']);
    },
  );
});

describe('a stack of content codings on a recorded response (a hostile upstream)', () => {
  it('reaches the client as sent and is not recorded, in one log line naming only the count', async () => {
    // 61 gzip layers (60 of them level 0, so each inflates to nearly a whole maxBodyBytes):
    // every layer decoded would be some 60 MiB of work for about 1 KiB of stored body.
    let data = Buffer.alloc(LIMIT - 64 * 1024);
    for (let i = 0; i < 60; i++) data = gzipSync(data, { level: 0 });
    const wire = gzipSync(data, { level: 9 });
    const coding = Array(61).fill('gzip').join(', ');
    const { dirs, tapedeck } = await recordingBehind(
      '/stack',
      {
        'content-type': 'application/octet-stream',
        'content-encoding': coding,
      },
      wire,
    );
    const reply = await send(tapedeck.url, '/stack', { decode: false });
    expect(reply.status).toBe(200);
    expect(reply.raw.equals(wire)).toBe(true);
    const line = await tapedeck.logger.waitFor('record.skipped');
    expect(line.message).toBe(
      'not recorded: GET /stack: The body has 61 content codings; tapedeck removes at most 3.',
    );
    expect(line.fields).toMatchObject({ code: 'TD_BODY_TOO_LARGE' });
    expect(tapedeck.logger.lines.filter((l) => l.event === 'record.skipped')).toHaveLength(1);
    expect((await send(tapedeck.url, '/after')).status).toBe(200);
    await tapedeck.stop();
    const cassette = await readCassette(dirs.cassettes);
    expect(cassette.interactions.map((i) => i.request.path)).toEqual(['/after']);
  });
});

describe('maxBodyBytes bounds the decoded size of a live answer in drift', () => {
  it('a zip bomb is "unreadable-body", naming the coding and the limit', async () => {
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const store = new MemoryCassetteStore();
    store.putRaw(
      'c',
      serializeCassette({
        version: 1,
        interactions: [
          {
            request: { method: 'GET', path: '/big', query: {}, headers: {} },
            response: {
              status: 200,
              headers: { 'content-type': 'application/json' },
              body: { encoding: 'json', json: { a: 1 } },
            },
            latencyMs: 1,
            recordedAt: '2026-01-01T00:00:00.000Z',
          },
        ],
      }),
    );
    const upstream = new UndiciUpstream({ target: up.url, timeoutMs: 5000 });
    defer(() => upstream.close());
    const run = await runDrift(
      {
        store,
        upstream,
        codec: new NodeBodyCodec({ maxDecodedBytes: LIMIT }),
        clock: systemClock,
        logger: new CollectingLogger(),
        redaction: { redactor: redactorWith(), rules: [], files: [], disabled: new Set<string>() },
        sleep: () => Promise.resolve(),
      },
      {
        target: up.url,
        concurrency: 1,
        retries: 0,
        timeoutMs: 5000,
        maxBodyBytes: LIMIT,
        learn: false,
        ignore: [],
        ignorePerCassette: [],
        headers: [],
        credentials: new Map(),
        update: false,
      },
    );
    expect(run.report.interactions[0]!.unchecked).toEqual({
      reason: 'unreadable-body',
      detail: `The gzip body decodes to more than ${LIMIT} bytes (maxBodyBytes).`,
    });
  });
});
