/**
 * Each error code of the closed set that no other test triggered, triggered for real: real
 * sockets on loopback, real files, and time only through the timeouts of the code under test.
 * Each test also checks the exit code the CLI maps the code to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsCassetteStore } from '../../src/adapters/cassettes/fs-cassette-store.js';
import { composeServer } from '../../src/app/compose/compose.js';
import { composeSandboxServer, composeTenantAdmin } from '../../src/app/compose/sandbox.js';
import { exitCodeFor } from '../../src/cli/common.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import { isTapedeckError, type ErrorCode, type TapedeckError } from '../../src/core/errors.js';
import { runCleanups } from '../helpers/cleanup.js';
import { rawExchange, send } from '../helpers/client.js';
import { CollectingLogger } from '../helpers/logger.js';
import { configFor, layout, startTapedeck } from '../helpers/tapedeck.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

async function rejection(promise: Promise<unknown>): Promise<TapedeckError> {
  try {
    await promise;
  } catch (error) {
    if (isTapedeckError(error)) return error;
    throw error;
  }
  throw new Error('expected a TapedeckError, but it resolved');
}

function setup() {
  const dirs = layout(tempDir());
  mkdirSync(dirs.cassettes, { recursive: true });
  return dirs;
}

/** A reply's error code header and problem body code, which must agree. */
function replyCode(reply: { headers: Record<string, unknown>; json(): unknown }): unknown {
  const body = reply.json() as { code?: unknown };
  expect(reply.headers['x-tapedeck-error']).toBe(body.code);
  return body.code;
}

const exitOf = (code: ErrorCode, error: TapedeckError) => {
  expect(error.code).toBe(code);
  return exitCodeFor(error);
};

describe('error codes, triggered', () => {
  it('TD_LISTEN_FAILED: a port already in use (exit 4)', async () => {
    const taken = await startUpstream((_req, res) => res.end());
    const dirs = setup();
    const config = configFor({
      ...dirs,
      flags: [{ pointer: '/server/port', value: taken.port, flag: '--port' }],
    });
    const server = await composeServer('replay', config, new CollectingLogger(), {});
    try {
      const error = await rejection(server.listen());
      expect(exitOf('TD_LISTEN_FAILED', error)).toBe(4);
      expect(error.message).toContain(`127.0.0.1:${taken.port}`);
      expect(error.hint).toMatch(/--port 0/);
    } finally {
      await server.stop();
    }
  });

  it('TD_UPSTREAM_UNREACHABLE: record in front of a closed port answers 502 (exit 4)', async () => {
    const gone = await startUpstream((_req, res) => res.end());
    await gone.close();
    const tapedeck = await startTapedeck('record', { ...setup(), target: gone.url });
    const reply = await send(tapedeck.url, '/v1/things');
    expect(reply.status).toBe(502);
    expect(replyCode(reply)).toBe('TD_UPSTREAM_UNREACHABLE');
    expect(reply.text()).toContain(gone.url);
  });

  it('TD_UPSTREAM_TIMEOUT: an upstream that never answers, within upstream.timeoutMs, is a 504', async () => {
    // Accepts the request and never answers: only tapedeck's own timeout ends the wait.
    const silent = await startUpstream(() => undefined);
    const tapedeck = await startTapedeck('record', {
      ...setup(),
      target: silent.url,
      flags: [{ pointer: '/upstream/timeoutMs', value: 150, flag: 'test' }],
    });
    const reply = await send(tapedeck.url, '/slow');
    expect(reply.status).toBe(504);
    expect(replyCode(reply)).toBe('TD_UPSTREAM_TIMEOUT');
    expect(silent.requests.map((r) => r.url)).toEqual(['/slow']);
  });

  it('TD_BODY_TOO_LARGE: a request body over maxBodyBytes is a 413 and never reaches the upstream', async () => {
    const up = await startUpstream((_req, res) => res.end('ok'));
    const tapedeck = await startTapedeck('record', {
      ...setup(),
      target: up.url,
      flags: [{ pointer: '/maxBodyBytes', value: 64, flag: 'test' }],
    });
    const declared = await send(tapedeck.url, '/upload', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(1024),
    });
    expect(declared.status).toBe(413);
    expect(replyCode(declared)).toBe('TD_BODY_TOO_LARGE');
    // Chunked, so the limit is found while reading, not from content-length.
    const streamed = await rawExchange(
      tapedeck.port,
      `POST /upload HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n400\r\n${'y'.repeat(1024)}\r\n0\r\n\r\n`,
    );
    expect(streamed).toMatch(/^HTTP\/1\.1 413 /);
    expect(streamed).toContain('x-tapedeck-error: TD_BODY_TOO_LARGE');
    expect(up.requests).toEqual([]);
  });

  it('TD_TARGET_INVALID: record refuses a target with credentials and a forbidden host before listening (exit 2)', async () => {
    const dirs = setup();
    const withCredentials = await rejection(
      composeServer(
        'record',
        configFor({ ...dirs, target: 'https://user:s3cr3t-pw@staging.example.com' }),
        new CollectingLogger(),
        {},
      ),
    );
    expect(exitOf('TD_TARGET_INVALID', withCredentials)).toBe(2);
    expect(withCredentials.message).toMatch(/must not carry credentials/);
    expect(withCredentials.message).not.toContain('s3cr3t-pw');
    const forbidden = await rejection(
      composeServer(
        'record',
        configFor({
          ...dirs,
          target: 'https://api.example.com',
          flags: [
            { pointer: '/upstream/forbiddenHosts', value: ['api.example.com'], flag: 'test' },
          ],
        }),
        new CollectingLogger(),
        {},
      ),
    );
    expect(exitOf('TD_TARGET_INVALID', forbidden)).toBe(2);
  });

  it('TD_MISS_STATUS_CONFLICT: replay refuses cassettes that recorded the miss status (exit 3)', async () => {
    const dirs = setup();
    writeFileSync(
      join(dirs.cassettes, 'odd.json'),
      serializeCassette({
        version: 1,
        interactions: [
          {
            request: { method: 'GET', path: '/odd', query: {}, headers: {} },
            response: { status: 599, headers: {} },
            latencyMs: 1,
            recordedAt: '2026-01-01T00:00:00.000Z',
          },
        ],
      }),
    );
    const error = await rejection(
      composeServer('replay', configFor(dirs), new CollectingLogger(), {}),
    );
    expect(exitOf('TD_MISS_STATUS_CONFLICT', error)).toBe(3);
    expect(error.message).toMatch(/odd recorded status 599 at \/interactions\/0/);
  });

  it('TD_CASSETTE_WRITE_FAILED: a cassette whose folder cannot be made (exit 4)', async () => {
    const dirs = setup();
    // A file where the cassette's folder would go: mkdir fails with ENOTDIR.
    writeFileSync(join(dirs.cassettes, 'blocked'), 'not a folder');
    const store = new FsCassetteStore(dirs.cassettes);
    const error = await rejection(
      store.update('blocked/flow', () => ({ version: 1, interactions: [] })),
    );
    expect(exitOf('TD_CASSETTE_WRITE_FAILED', error)).toBe(4);
  });

  it('TD_PROFILE_INVALID: a profile file that breaks the profile schema stops the sandbox, naming file and pointer (exit 2)', async () => {
    const dirs = setup();
    const profile = join(dirs.cwd, 'acme-profile.json');
    writeFileSync(profile, JSON.stringify({ name: 'acme', pagination: { maxLimit: 0 } }));
    const config = configFor({
      ...dirs,
      flags: [
        { pointer: '/sandbox/profile', value: profile, flag: '--profile' },
        {
          pointer: '/sandbox/spec',
          value: join(import.meta.dirname, '../fixtures/specs/widgets.yaml'),
          flag: '--spec',
        },
      ],
    });
    const error = await rejection(composeSandboxServer(config, new CollectingLogger()));
    expect(exitOf('TD_PROFILE_INVALID', error)).toBe(2);
    expect(error.message).toContain('acme-profile.json');
    expect(error.message).toContain('/pagination/maxLimit');
  });

  it('TD_PROFILE_INVALID: a provider seed file naming no modelled type stops the sandbox (exit 2)', async () => {
    const dirs = setup();
    const seeds = join(dirs.cwd, 'seeds', 'demo');
    mkdirSync(seeds, { recursive: true });
    writeFileSync(
      join(seeds, 'widgets.json'),
      JSON.stringify({
        resources: [
          { type: 'widgets', value: { id: 'w1' } },
          { type: 'gadgets', value: {} },
        ],
      }),
    );
    const config = configFor({
      ...dirs,
      flags: [
        {
          pointer: '/sandbox/spec',
          value: join(import.meta.dirname, '../fixtures/specs/widgets.yaml'),
          flag: '--spec',
        },
        { pointer: '/sandbox/seeds', value: { demo: seeds }, flag: 'test' },
      ],
    });
    const error = await rejection(composeSandboxServer(config, new CollectingLogger()));
    expect(exitOf('TD_PROFILE_INVALID', error)).toBe(2);
    expect(error.message).toContain('widgets.json');
    expect(error.message).toContain('/resources/1/type');
  });

  it('TD_TENANT_NOT_FOUND: a tenant command naming no tenant (exit 2)', async () => {
    const dirs = setup();
    const opened = await composeTenantAdmin(configFor(dirs));
    try {
      const error = await rejection(opened.admin.show('nobody'));
      expect(exitOf('TD_TENANT_NOT_FOUND', error)).toBe(2);
      expect(error.message).toContain('nobody');
    } finally {
      await opened.close();
    }
  });
});
