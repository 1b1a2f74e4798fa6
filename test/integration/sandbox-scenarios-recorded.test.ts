/**
 * Issue 14's `recorded` outcomes and recorded latencies through a real `tapedeck sandbox` with
 * a cassettes directory: the named interaction of a named cassette, the recorded answer of the
 * operation with a given status, a latency drawn from the operation's recordings; a recorded
 * status an operation lacks, which the tenant hears of without the catalogue's whereabouts while
 * the operator's log names them; and one no recording has, which stops the start.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASSETTE_VERSION } from '../../src/core/cassette/model.js';
import type { ScenarioDecl } from '../../src/core/sandbox/scenarios/types.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

const BALANCE = 'GET /v1/balance';

const CATALOGUE: ScenarioDecl[] = [
  {
    name: 'outage-by-index',
    description: 'The recorded outage, by its place in the cassette.',
    operations: [BALANCE],
    triggers: [],
    outcome: { recorded: { cassette: 'balance', interaction: 1 } },
  },
  {
    name: 'outage-by-status',
    description: 'The recorded 503 of the operation.',
    operations: [BALANCE],
    triggers: [],
    outcome: { recorded: { status: 503 } },
  },
  {
    name: 'outage-anywhere',
    description: 'The recorded 503, on any operation.',
    operations: ['*'],
    triggers: [],
    outcome: { recorded: { status: 503 } },
  },
  {
    name: 'recorded-latency',
    description: 'As slow as the recordings were.',
    operations: [BALANCE],
    triggers: [],
    outcome: { fault: 'latency', fromRecordings: true },
  },
];

/** Two recordings of GET /v1/balance: an answer, then an outage, both slow. */
function writeCassettes(dir: string): void {
  const exchange = (status: number, json: unknown) => ({
    request: { method: 'GET', path: '/v1/balance', query: {}, headers: {} },
    response: {
      status,
      headers: { 'content-type': 'application/json', 'request-id': `req_${status}` },
      body: { encoding: 'json', json },
    },
    latencyMs: 300,
    recordedAt: '2026-11-20T10:00:00.000Z',
  });
  writeFileSync(
    join(dir, 'balance.json'),
    JSON.stringify({
      version: CASSETTE_VERSION,
      meta: { description: 'balance, with an outage' },
      interactions: [
        exchange(200, { object: 'balance', available: [{ amount: 1200, currency: 'usd' }] }),
        exchange(503, {
          error: { type: 'api_error', message: 'Recorded outage.' },
        }),
      ],
    }),
  );
}

let root: string;
let sandbox: RunningSandbox;
let key: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tapedeck-recorded-'));
  const cassettes = join(root, 'cassettes');
  mkdirSync(cassettes);
  writeCassettes(cassettes);
  sandbox = await startSandbox({
    spec: stripeSpecFile(),
    profile: 'stripe',
    cassettes,
    flags: [
      { pointer: '/sandbox/scenarios', value: CATALOGUE, flag: 'test' },
      { pointer: '/sandbox/presetScenarios', value: false, flag: 'test' },
    ],
  });
  key = await sandbox.createTenant('acme');
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(root, { recursive: true, force: true });
});

const balance = (scenario: string) =>
  fetch(`${sandbox.url}/v1/balance`, {
    headers: { authorization: `Bearer ${key}`, 'x-tapedeck-scenario': scenario },
  });

/** The answer carries a request id of this request, not the recorded `req_503`. */
function expectFreshRequestId(res: Response): void {
  const id = res.headers.get('request-id');
  expect(id).toMatch(/^req_[A-Za-z0-9]{24}$/);
  expect(id).not.toBe('req_503');
}

describe('recorded outcomes', () => {
  it('answers the named interaction of the named cassette, byte for byte but its request id', async () => {
    const res = await balance('outage-by-index');
    expect(res.status).toBe(503);
    // The request's own id replaces the recorded one (issue 16): the journal names this answer by it.
    expectFreshRequestId(res);
    expect(res.headers.get('x-tapedeck-layer')).toBe('scenario');
    expect(res.headers.get('x-tapedeck-scenario')).toBe('outage-by-index');
    expect(await res.json()).toEqual({
      error: { type: 'api_error', message: 'Recorded outage.' },
    });
  });

  it('answers the recorded answer of the operation with the status asked for', async () => {
    const res = await balance('outage-by-status');
    expect(res.status).toBe(503);
    expectFreshRequestId(res);
  });

  it('on an operation with no such recording: a 500 naming the scenario, never where it is declared', async () => {
    const res = await fetch(`${sandbox.url}/v1/customers`, {
      headers: { authorization: `Bearer ${key}`, 'x-tapedeck-scenario': 'outage-anywhere' },
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain('outage-anywhere');
    expect(text).not.toContain('/sandbox/scenarios');
    expect(text).not.toMatch(/config|pointer/);
    const warned = sandbox.logger.lines.find((l) => l.event === 'sandbox.scenario');
    expect(warned?.level).toBe('warn');
    expect(warned?.message).toContain(
      "outage-anywhere (the config's sandbox.scenarios at /sandbox/scenarios/2)",
    );
  });

  it('a status no recording of the operation has stops the start, naming the scenario', async () => {
    const started = startSandbox({
      spec: stripeSpecFile(),
      profile: 'stripe',
      cassettes: join(root, 'cassettes'),
      flags: [
        {
          pointer: '/sandbox/scenarios',
          value: [
            {
              name: 'never-recorded',
              description: 'A status no recording has.',
              operations: [BALANCE],
              triggers: [],
              outcome: { recorded: { status: 418 } },
            },
          ],
          flag: 'test',
        },
      ],
    });
    await expect(started).rejects.toMatchObject({
      code: 'TD_SCENARIO_INVALID',
      message: expect.stringContaining('/sandbox/scenarios/0/outcome/recorded/status'),
    });
  });

  it('draws the latency from the recordings of the operation, then answers as it would have', async () => {
    const started = performance.now();
    const res = await balance('recorded-latency');
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tapedeck-scenario')).toBe('recorded-latency');
    // Both recordings took 300 ms, so whichever is drawn, the answer waits at least that.
    expect(elapsed).toBeGreaterThanOrEqual(290);
  });
});
