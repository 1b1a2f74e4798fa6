/**
 * runDrift through its ports, with hand-written cassettes: what is sent (safe methods, the
 * replayable flag per interaction, credentials, no pseudonym sent as a credential), the
 * cassette filter, and history in the memory state store.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeBodyCodec } from '../../src/adapters/http/body-codec.js';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { MemoryDriftHistory } from '../../src/adapters/state/memory/index.js';
import { systemClock } from '../../src/adapters/system/system.js';
import { UndiciUpstream } from '../../src/adapters/http/undici-upstream.js';
import { runDrift, type DriftOptions } from '../../src/app/drift/run.js';
import { runDriftCommand } from '../../src/app/drift/command.js';
import { progressReporter } from '../../src/cli/commands/drift.js';
import { exitCodeFor } from '../../src/cli/common.js';
import type { FailOn } from '../../src/core/modes.js';
import type { Cassette, Interaction } from '../../src/core/cassette/model.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';
import { redactorWith } from '../helpers/redaction.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

function interaction(
  method: string,
  path: string,
  headers: Record<string, string>,
  json: unknown,
  extra: Partial<Interaction> = {},
): Interaction {
  return {
    request: { method, path, query: {}, headers },
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { encoding: 'json', json: json as never },
    },
    latencyMs: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

async function setup(cassettes: Record<string, Cassette>) {
  const up = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  const store = new MemoryCassetteStore();
  for (const [name, cassette] of Object.entries(cassettes))
    store.putRaw(name, serializeCassette(cassette));
  const upstream = new UndiciUpstream({ target: up.url, timeoutMs: 1000 });
  defer(() => upstream.close());
  const logger = new CollectingLogger();
  const history = new MemoryDriftHistory();
  const deps = {
    store,
    upstream,
    codec: new NodeBodyCodec(),
    clock: systemClock,
    logger,
    redaction: { redactor: redactorWith(), rules: [], files: [], disabled: new Set<string>() },
    history,
    sleep: () => Promise.resolve(),
  };
  const options: DriftOptions = {
    target: up.url,
    concurrency: 2,
    retries: 0,
    timeoutMs: 1000,
    maxBodyBytes: 1 << 20,
    learn: false,
    ignore: [],
    ignorePerCassette: [],
    headers: [],
    credentials: new Map([['authorization', 'live-credential-0123456789']]),
    update: false,
  };
  return { up, store, deps, options, logger };
}

describe('runDrift', () => {
  it('sends safe methods, and unsafe ones only when the interaction is marked replayable', async () => {
    const { up, deps, options } = await setup({
      shop: {
        version: 1,
        interactions: [
          interaction('GET', '/a', {}, { ok: true, path: '/a' }),
          interaction('DELETE', '/b', {}, { ok: true, path: '/b' }),
          interaction('PUT', '/c', {}, { ok: true, path: '/c' }, { replayable: true }),
        ],
      },
    });
    const { report } = await runDrift(deps, options);
    expect(up.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /a', 'PUT /c']);
    expect(report.interactions.map((i) => i.outcome)).toEqual(['same', 'unchecked', 'same']);
    expect(report.interactions[1]!.unchecked?.reason).toBe('unsafe-method');
    expect(report.totals.skipped).toBe(1);
  });

  it('replaces pseudonymized credentials with configured ones and never sends a placeholder', async () => {
    const { up, deps, options, logger } = await setup({
      auth: {
        version: 1,
        interactions: [
          interaction(
            'GET',
            '/me',
            {
              authorization: 'Bearer tdp_aaaaaaaaaaaaaaaaaaaaaaaa',
              'x-api-key': 'tdp_bbbbbbbbbbbbbbbbbbbbbbbb',
              accept: 'application/json',
            },
            { ok: true, path: '/me' },
          ),
        ],
      },
    });
    await runDrift(deps, options);
    const seen = up.requests[0]!;
    expect(seen.headers.authorization).toBe('Bearer live-credential-0123456789');
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers.accept).toBe('application/json');
    expect(logger.text()).toMatch(/header x-api-key holds a pseudonym/);
  });

  it('checks only the cassettes asked for, and says when one does not exist', async () => {
    const { up, deps, options } = await setup({
      one: { version: 1, interactions: [interaction('GET', '/1', {}, { ok: true, path: '/1' })] },
      two: { version: 1, interactions: [interaction('GET', '/2', {}, { ok: true, path: '/2' })] },
    });
    const { report } = await runDrift(deps, { ...options, only: ['two'] });
    expect(report.interactions.map((i) => i.cassette)).toEqual(['two']);
    expect(up.requests.map((r) => r.url)).toEqual(['/2']);
    await expect(runDrift(deps, { ...options, only: ['three'] })).rejects.toMatchObject({
      code: 'TD_USAGE',
    });
  });

  it('checks an interaction whose recorded request has a header named `constructor` (regression: it was an internal error)', async () => {
    const { up, deps, options, logger } = await setup({
      proto: {
        version: 1,
        interactions: [
          interaction(
            'GET',
            '/p',
            { constructor: 'yes', tostring: 'no' },
            { ok: true, path: '/p' },
          ),
        ],
      },
    });
    const { report } = await runDrift(deps, options);
    expect(up.requests[0]!.headers['constructor']).toBe('yes');
    expect(report.interactions.map((i) => [i.outcome, i.unchecked])).toEqual([['same', undefined]]);
    expect(logger.text()).not.toMatch(/TD_INTERNAL|internal error/);
  });

  it('reports a malformed cassette before sending anything', async () => {
    const { up, deps, options, store } = await setup({});
    store.putRaw('broken', '{"version": 1, "interactions": [{}]}');
    await expect(runDrift(deps, options)).rejects.toMatchObject({ code: 'TD_CASSETTE_INVALID' });
    expect(up.requests).toEqual([]);
  });

  it('leaves the values out of findings on an answer that still looks secret, and never writes it', async () => {
    const { deps, options, logger, store } = await setup({
      leaky: {
        version: 1,
        interactions: [interaction('GET', '/x', {}, { ok: false, path: '/x' })],
      },
    });
    const scan = () => [{ rule: 'test/always', pointer: '/response/body/json/ok' }];
    const run = await runDrift(
      { ...deps, redaction: { ...deps.redaction, scan } },
      { ...options, update: true },
    );
    const [only] = run.report.interactions;
    expect(only!.outcome).toBe('drift');
    expect(only!.findings.length).toBeGreaterThan(0);
    for (const f of only!.findings) {
      expect(f).not.toHaveProperty('recorded');
      expect(f).not.toHaveProperty('live');
    }
    expect(logger.lines.some((l) => l.fields['code'] === 'TD_SECRET_DETECTED')).toBe(true);
    expect(run.updated).toEqual([]);
    expect(run.notUpdated.map((u) => u.why)).toEqual([
      'the live answer still looks secret after redaction at /response/body/json/ok',
    ]);
    expect((await store.load('leaky'))!.interactions[0]!.response.body).toEqual({
      encoding: 'json',
      json: { ok: false, path: '/x' },
    });
  });
});

describe('drift progress', () => {
  it('draws a bar in place on a TTY and prints plain lines otherwise', () => {
    let tty = '';
    const bar = progressReporter({ isTTY: true, write: (s: string) => (tty += s) });
    for (let done = 1; done <= 10; done++) bar.report({ done, total: 10, cassette: 'c' });
    bar.end();
    expect(tty).toContain('\r  drift [############################] 10/10');
    expect(tty).not.toContain('\n');

    let plain = '';
    const lines = progressReporter({ isTTY: false, write: (s: string) => (plain += s) });
    for (let done = 1; done <= 100; done++) lines.report({ done, total: 100, cassette: 'c' });
    expect(plain.split('\n').filter(Boolean)).toEqual(
      [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map(
        (n) => `drift: ${n}/100 interaction(s) checked`,
      ),
    );
  });
});

describe('runDriftCommand', () => {
  const plain = { bold: String, dim: String, red: String, green: String, yellow: String };

  async function command(handler: Parameters<typeof startUpstream>[0], failOn: FailOn) {
    const { deps, options } = await setup({
      shop: {
        version: 1,
        interactions: [interaction('GET', '/a', {}, { ok: true, path: '/a' })],
      },
    });
    const up = await startUpstream(handler);
    const upstream = new UndiciUpstream({ target: up.url, timeoutMs: 1000 });
    defer(() => upstream.close());
    const written = new Map<string, string>();
    return runDriftCommand(
      { failOn, update: false, style: plain, out: '/reports/drift.md' },
      {
        env: {},
        runJob: (job) => runDrift({ ...deps, upstream }, { ...options, ...job, target: up.url }),
        writeReport: (file, text) => written.set(file, text),
        issueComments: () => {
          throw new Error('not asked for --github');
        },
      },
    ).then((outcome) => ({ outcome, written }));
  }

  const drifted = (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: 'yes', path: '/a' }));
  };

  it('returns TD_DRIFT_FOUND (exit 1) when drift reaches --fail-on, after writing the report', async () => {
    const { outcome, written } = await command(drifted, 'breaking');
    expect(outcome.failure?.code).toBe('TD_DRIFT_FOUND');
    expect(exitCodeFor(outcome.failure)).toBe(1);
    expect(outcome.failure?.message).toBe(
      'drift found (1 breaking, 0 non-breaking interaction(s)) at --fail-on breaking.',
    );
    expect([...written.keys()]).toEqual(['/reports/drift.md']);
    expect(outcome.written).toEqual(['/reports/drift.md']);
  });

  it('returns no failure for the same drift at --fail-on none', async () => {
    const { outcome } = await command(drifted, 'none');
    expect(outcome.failure).toBeUndefined();
    expect(outcome.run.report.totals.breaking).toBe(1);
  });

  it('returns TD_DRIFT_UNCHECKED (exit 4) when nothing could be checked, even at --fail-on none', async () => {
    const { outcome } = await command((_req, res) => {
      res.writeHead(429);
      res.end();
    }, 'none');
    expect(outcome.failure?.code).toBe('TD_DRIFT_UNCHECKED');
    expect(exitCodeFor(outcome.failure)).toBe(4);
    expect(outcome.failure?.describe()).toMatch(
      /^none of the 1 interaction\(s\) could be checked against http:\/\/127\.0\.0\.1:\d+ \(1 rate limited \(429\)\)\.\nCheck --target/,
    );
  });

  it('refuses --github without a token before anything is sent (TD_GITHUB_FAILED)', async () => {
    let ran = false;
    await expect(
      runDriftCommand(
        { failOn: 'breaking', update: false, style: plain, github: { pr: 1 } },
        {
          env: {},
          runJob: () => {
            ran = true;
            return Promise.reject(new Error('must not run'));
          },
          writeReport: () => undefined,
          issueComments: () => {
            throw new Error('must not be built');
          },
        },
      ),
    ).rejects.toMatchObject({ code: 'TD_GITHUB_FAILED' });
    expect(ran).toBe(false);
  });
});
