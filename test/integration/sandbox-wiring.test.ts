/**
 * How the sandbox server is put together, over the wire on the small widgets API: cassette
 * positions per tenant that start again when a tenant is reset (here, or from the CLI in another
 * process), the model on the admin API, keys a crashed sandbox left in flight released at the
 * next start, and a recorded answer remembered for an idempotency key like any other.
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/app/layers/idempotency.js';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { composeTenantAdmin } from '../../src/app/compose/sandbox.js';
import { canonicalBody, endpointOf, fingerprintText } from '../../src/core/sandbox/idempotency.js';
import { ManualTime } from '../helpers/manual-time.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
const SPEC = fixture('specs/widgets.yaml');
const PROFILE = fixture('sandbox/widgets-profile.json');
const CASSETTES = fixture('sandbox/widgets-cassettes');

const running: RunningSandbox[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(stateDir?: string, time?: ManualTime): Promise<RunningSandbox> {
  const sandbox = await startSandbox({
    spec: SPEC,
    cassettes: CASSETTES,
    profile: PROFILE,
    ...(stateDir === undefined ? {} : { stateDir }),
    ...(time === undefined ? {} : { time }),
  });
  running.push(sandbox);
  return sandbox;
}

async function status(sandbox: RunningSandbox, key: string): Promise<string> {
  const response = await fetch(`${sandbox.url}/v1/status`, {
    headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-tapedeck-layer')).toBe('cassette');
  return ((await response.json()) as { version: string }).version;
}

async function touchState(sandbox: RunningSandbox, key: string): Promise<void> {
  const response = await fetch(`${sandbox.url}/v1/widgets`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(response.headers.get('x-tapedeck-layer')).toBe('state');
}

describe('the sandbox server', () => {
  it('keeps cassette positions per tenant, and starts them again after a reset', async () => {
    const sandbox = await start();
    const a = await sandbox.createTenant('acme');
    const b = await sandbox.createTenant('globex');
    await touchState(sandbox, a);
    expect(await status(sandbox, a)).toBe('recorded');
    expect(await status(sandbox, a)).toBe('recorded-2');
    // Another tenant starts at the first recorded answer.
    expect(await status(sandbox, b)).toBe('recorded');
    expect(await status(sandbox, a)).toBe('recorded-2');
    const reset = await sandbox.admin('POST', 'tenants/acme/reset');
    expect(reset.status).toBeLessThan(300);
    expect(await status(sandbox, a)).toBe('recorded');
    expect(await status(sandbox, b)).toBe('recorded-2');
  });

  it('starts a tenant’s positions again when the CLI resets it on the same state directory', async () => {
    const time = new ManualTime();
    const sandbox = await start(undefined, time);
    const a = await sandbox.createTenant('acme');
    await touchState(sandbox, a);
    expect(await status(sandbox, a)).toBe('recorded');
    expect(await status(sandbox, a)).toBe('recorded-2');
    // What `tapedeck tenants reset acme` does, from another connection to the state file.
    const cli = await composeTenantAdmin(sandbox.config);
    try {
      await cli.admin.reset('acme');
    } finally {
      await cli.close();
    }
    // The server's cached tenant lives a second: within it, the old positions; after it, anew.
    expect(await status(sandbox, a)).toBe('recorded-2');
    await time.advance(1_001);
    expect(await status(sandbox, a)).toBe('recorded');
    expect(await status(sandbox, a)).toBe('recorded-2');
  });

  it('serves the model on GET /__tapedeck/sandbox/model', async () => {
    const sandbox = await start();
    const response = await sandbox.admin('GET', 'sandbox/model');
    expect(response.status).toBe(200);
    const model = (await response.json()) as { resources: Record<string, { id: unknown }> };
    expect(model.resources['widgets']).toBeDefined();
    const refused = await fetch(`${sandbox.url}/__tapedeck/sandbox/model`);
    expect(refused.status).toBe(401);
  });

  it('releases at start the keys a stopped sandbox left in flight', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tapedeck-inflight-'));
    dirs.push(stateDir);
    const first = await start(stateDir);
    const key = await first.createTenant('acme');
    const tenant = (await (await first.admin('GET', 'tenants/acme')).json()) as {
      tenant?: { id: string };
      id?: string;
    };
    const tenantId = tenant.tenant?.id ?? tenant.id!;
    await first.stop();
    // A request that began and never finished: its key is in flight in the store.
    const json = { name: 'Left behind', color: 'red' };
    const body = JSON.stringify(json);
    const state = openSqliteState(stateDir);
    const fingerprint = sha256Hex(
      fingerprintText(
        'POST',
        '/v1/widgets',
        canonicalBody({ encoding: 'json', json }, 'application/json'),
      ),
    );
    const now = Date.now();
    const begun = await state.idempotency.begin(
      tenantId,
      sha256Hex('k-crashed'),
      fingerprint,
      endpointOf('POST', '/v1/widgets'),
      now,
      now - 3_600_000,
    );
    expect(begun.kind).toBe('new');
    await state.close();
    const second = await start(stateDir);
    const response = await fetch(`${second.url}/v1/widgets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': 'k-crashed',
      },
      body,
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('x-tapedeck-layer')).toBe('state');
    expect(second.logger.lines.some((l) => l.event === 'sandbox.idempotency')).toBe(true);
  });

  it('writes the requests counted in memory when it stops', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tapedeck-usage-'));
    dirs.push(stateDir);
    // Manual time: the limits layer's one-second write never comes; stopping must write.
    const time = new ManualTime();
    const sandbox = await start(stateDir, time);
    const key = await sandbox.createTenant('acme');
    for (let i = 0; i < 3; i++) await touchState(sandbox, key);
    await sandbox.stop();
    const cli = await composeTenantAdmin(sandbox.config, { clock: time });
    try {
      expect((await cli.admin.show('acme')).usage.requestsToday).toBe(3);
    } finally {
      await cli.close();
    }
  });
});
