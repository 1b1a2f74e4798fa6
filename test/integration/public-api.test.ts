import { cpSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as tapedeck from '../../src/index.js';
import { runCleanups } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(HERE, '../fixtures/global-setup');
const PETSTORE = join(HERE, '../fixtures/specs/petstore-3.0.yaml');
const KEY = { TAPEDECK_REDACTION_KEY: 'a-test-key-of-more-than-16-chars' };

/** A project in a temp dir: the fixture's cassettes, state kept there too. */
function project(): { cwd: string; options: tapedeck.TapedeckOptions } {
  const cwd = tempDir();
  cpSync(join(FIXTURE, 'cassettes'), join(cwd, 'cassettes'), { recursive: true });
  return {
    cwd,
    options: {
      cwd,
      env: KEY,
      logTo: { write: () => true },
      config: { server: { port: 0 }, stateDir: '.state' },
    },
  };
}

describe('the public API', () => {
  it('exports use cases, errors, schemas and the cassette format, nothing internal', () => {
    expect(Object.keys(tapedeck).sort()).toEqual([
      'CASSETTE_VERSION',
      'DEFAULTS',
      'ERROR_CODES',
      'TapedeckError',
      'apiProfileSchema',
      'cassetteSchemaV1',
      'configSchema',
      'driftReportSchema',
      'isTapedeckError',
      'loadConfig',
      'parseCassette',
      'readinessCriteriaSchema',
      'readinessReportSchema',
      'redactCassettes',
      'ruleFileSchema',
      'runDrift',
      'scenariosSchema',
      'serializeCassette',
      'startMock',
      'startRecord',
      'startReplay',
      'verifyCassettes',
    ]);
  });

  it('startReplay serves the cassettes and stop() gives the summary', async () => {
    const { options } = project();
    const replay = await tapedeck.startReplay(options);
    const response = await fetch(`${replay.url}/v1/greetings/en`);
    expect(response.headers.get('x-tapedeck-layer')).toBe('cassette');
    expect(await response.json()).toEqual({ language: 'en', text: 'Hello' });
    const summary = await replay.stop();
    expect(summary.served).toBe(1);
    expect(summary.byLayer.cassette).toBe(1);
    expect(await replay.stop()).toEqual(summary);
  });

  it('with replay.strict, stop() rejects with TD_STRICT_MISSES after a miss', async () => {
    const { options } = project();
    const replay = await tapedeck.startReplay({
      ...options,
      config: { ...options.config, replay: { strict: true } },
    });
    expect((await fetch(`${replay.url}/v1/greetings/xx`)).status).toBe(599);
    const error: unknown = await replay.stop().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(tapedeck.isTapedeckError(error) && error.code).toBe('TD_STRICT_MISSES');
  });

  it('a port in use rejects with TD_LISTEN_FAILED, and what was built is stopped', async () => {
    const { options } = project();
    const first = await tapedeck.startReplay(options);
    const port = Number(new URL(first.url).port);
    const error: unknown = await tapedeck
      .startReplay({ ...options, config: { ...options.config, server: { port } } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(tapedeck.isTapedeckError(error) && error.code).toBe('TD_LISTEN_FAILED');
    // The first server is untouched and still answers.
    expect((await fetch(`${first.url}/v1/greetings/en`)).status).toBe(200);
    await first.stop();
  });

  it('names a bad option as config.a.b, where the CLI would name the flag', () => {
    const { options } = project();
    let error: unknown;
    try {
      tapedeck.loadConfig({ ...options, config: { server: { port: -1 } } });
    } catch (e) {
      error = e;
    }
    expect(tapedeck.isTapedeckError(error) && error.code).toBe('TD_CONFIG_INVALID');
    expect((error as Error).message).toContain('/server/port (from config.server.port)');
  });

  it('startRecord records through the redacting proxy; verify finds no secret in what it wrote', async () => {
    const { options } = project();
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: 'sk_live_51HxYzAbCdEfGhIjKlMnOpQr', ok: true }));
    });
    const record = await tapedeck.startRecord({
      ...options,
      config: {
        ...options.config,
        upstream: { target: upstream.url },
        record: { cassette: 'recorded' },
      },
    });
    expect((await fetch(`${record.url}/v1/session`)).status).toBe(200);
    expect((await record.stop()).recorded).toEqual([{ cassette: 'recorded', count: 1 }]);
    const verified = await tapedeck.verifyCassettes(options);
    expect(verified.problems).toEqual([]);
    expect(verified.cassettes).toBe(2);
  });

  it('verifyCassettes reports problems as data, files relative to cwd', async () => {
    const { cwd, options } = project();
    writeFileSync(join(cwd, 'cassettes', 'broken.json'), '{"version": 1, "interactions": 3}\n');
    const outcome = await tapedeck.verifyCassettes(options);
    expect(outcome.problems.length).toBeGreaterThan(0);
    expect(new Set(outcome.problems.map((p) => p.file))).toEqual(
      new Set([join('cassettes', 'broken.json')]),
    );
  });

  it('redactCassettes (dry run) finds nothing to change in clean cassettes', async () => {
    const { options } = project();
    const report = await tapedeck.redactCassettes({ ...options, dryRun: true });
    expect(report).toMatchObject({ cassettes: 1, interactions: 1, changed: [], remaining: [] });
  });

  it('startMock serves a spec', async () => {
    const { options } = project();
    const mock = await tapedeck.startMock({ ...options, spec: PETSTORE });
    const response = await fetch(`${mock.url}/v1/pets`, { headers: { 'x-api-key': 'k' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tapedeck-layer')).toBe('spec');
    expect((await mock.stop()).served).toBe(1);
  });

  it('runDrift compares with the live API and writes the reports', async () => {
    const { cwd, options } = project();
    const live = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ language: 'en', text: 'Hello' }));
    });
    const outcome = await tapedeck.runDrift({
      ...options,
      config: { ...options.config, drift: { target: live.url, learn: false } },
      json: 'drift.json',
    });
    expect(outcome.report.verdict).toBe('clean');
    expect(outcome.fails).toBe(false);
    expect(outcome.written).toEqual([join(cwd, 'drift.json')]);
  });
});
