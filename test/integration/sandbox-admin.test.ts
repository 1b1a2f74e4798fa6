import { existsSync } from 'node:fs';
import { join } from 'node:path';
// Tenant management as a provider does it: the admin routes of a running server and the CLI
// on the same state directory (real socket, real SQLite, WAL), the server seeing the CLI's
// changes within a second. Time is a ManualTime started at the real time, so the CLI's real
// clock and the server's agree.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkKey } from '../../src/core/sandbox/keys.js';
import { ManualTime } from '../helpers/manual-time.js';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';
import {
  ADMIN_TOKEN,
  startTenantServer,
  tenantsCli,
  type TenantServer,
} from '../helpers/sandbox-layers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let server: TenantServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(options: Parameters<typeof startTenantServer>[0] = {}) {
  const time = new ManualTime(Date.now());
  server = await startTenantServer({ time, ...options });
  return { s: server, time };
}

function get(s: TenantServer, key: string, path = '/v1/customers') {
  return fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

function cli(s: TenantServer, ...args: string[]) {
  return tenantsCli(s.root, [...args, '--state-dir', s.stateDir, '--profile', 'stripe']);
}

describe('tenant admin routes', () => {
  it('create answers 201 with the key once; show lists it only by hint', async () => {
    const { s } = await start();
    const created = await s.call('POST', 'tenants', { name: 'acme' });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { tenant: { name: string; id: string }; key: string };
    expect(body.tenant.name).toBe('acme');
    expect(checkKey('sk_test_', body.key)).toEqual({ ok: true });
    expect((await get(s, body.key)).status).toBe(200);

    const shown = await s.call('GET', 'tenants/acme');
    expect(shown.status).toBe(200);
    const text = await shown.text();
    expect(text).not.toContain(body.key);
    expect(text).not.toContain(body.key.slice(8, -4));
    const view = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(view).sort()).toEqual(['clock', 'keys', 'snapshots', 'tenant', 'usage']);
    expect(view['keys']).toEqual([
      expect.objectContaining({ hint: `sk_test_…${body.key.slice(-4)}`, state: 'active' }),
    ]);
    const list = (await json(await s.call('GET', 'tenants'))) as { tenants: { name: string }[] };
    expect(list.tenants.map((t) => t.name)).toEqual(['acme']);
  });

  it('refuses bad input in one line naming the field, without echoing it', async () => {
    const { s } = await start();
    const bad = await s.call('POST', 'tenants', { name: 'Bad Name <script>' });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).not.toContain('<script>');
    expect(JSON.parse(text)).toMatchObject({ field: 'name' });
    expect((await s.call('POST', 'tenants', {})).status).toBe(400);
    const notJson = await fetch(`${s.url}/__tapedeck/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: '{name: sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).not.toContain('sk_live_');
    const seed = await s.call('POST', 'tenants', { name: 'x', seed: 'nope' });
    expect(seed.status).toBe(400);
    expect(((await seed.json()) as { title: string }).title).toContain('recordings, empty');
    await s.createTenant('dup');
    expect((await s.call('POST', 'tenants', { name: 'dup' })).status).toBe(400);
    const badSnapshot = await s.call('POST', 'tenants/dup/snapshots', { name: 'Bad Name' });
    expect(badSnapshot.status).toBe(400);
    expect(await json(badSnapshot)).toMatchObject({ field: 'name' });
    const missing = await s.call('GET', 'tenants/nobody');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ code: 'TD_TENANT_NOT_FOUND' });
  });

  it('keeps an old key working through the rotation overlap, and not after', async () => {
    const { s, time } = await start();
    const old = await s.createTenant('acme');
    const rotated = await s.call('POST', 'tenants/acme/keys', { overlap: '1h' });
    expect(rotated.status).toBe(201);
    const { key, previous } = (await rotated.json()) as {
      key: string;
      previous: { hint: string; state: string; expiresAt: string }[];
    };
    expect(previous).toEqual([expect.objectContaining({ state: 'expiring' })]);
    expect((await get(s, old)).status).toBe(200);
    expect((await get(s, key)).status).toBe(200);
    await time.advance(HOUR + 1001);
    expect((await get(s, old)).status).toBe(401);
    expect((await get(s, key)).status).toBe(200);
  });

  it('revokes one key by hint, or all, at once for this server', async () => {
    const { s } = await start();
    const first = await s.createTenant('acme');
    const second = (await json(await s.call('POST', 'tenants/acme/keys', { overlap: '24h' })))[
      'key'
    ] as string;
    const hint = encodeURIComponent(`sk_test_…${first.slice(-4)}`);
    const one = await s.call('DELETE', `tenants/acme/keys/${hint}`);
    expect(await json(one)).toEqual({ revoked: 1 });
    expect((await get(s, first)).status).toBe(401);
    expect((await get(s, second)).status).toBe(200);
    expect((await s.call('DELETE', 'tenants/acme/keys')).status).toBe(400);
    expect(await json(await s.call('DELETE', 'tenants/acme/keys?all=1'))).toEqual({ revoked: 1 });
    expect((await get(s, second)).status).toBe(401);
  });

  it('snapshots, restores and resets through the routes; delete removes the tenant and its keys', async () => {
    const { s } = await start();
    const key = await s.createTenant('acme');
    const snap = await s.call('POST', 'tenants/acme/snapshots', { name: 'empty-start' });
    expect(snap.status).toBe(201);
    expect(await json(snap)).toMatchObject({ snapshot: { name: 'empty-start', resources: 0 } });
    expect((await s.call('POST', 'tenants/acme/snapshots/empty-start/restore')).status).toBe(200);
    expect((await s.call('POST', 'tenants/acme/snapshots/other/restore')).status).toBe(400);
    expect((await s.call('POST', 'tenants/acme/reset')).status).toBe(200);
    const view = (await json(await s.call('GET', 'tenants/acme'))) as {
      snapshots: { name: string }[];
      tenant: { seededAt?: string };
    };
    expect(view.snapshots.map((x) => x.name)).toEqual(['empty-start']);
    expect(view.tenant.seededAt).toBeUndefined(); // reseeded on its next request
    expect(await json(await s.call('DELETE', 'tenants/acme'))).toEqual({ deleted: 'acme' });
    expect((await get(s, key)).status).toBe(401);
    expect((await s.call('GET', 'tenants/acme')).status).toBe(404);
  });

  it('moves a tenant clock: freeze, advance, now', async () => {
    const { s } = await start();
    await s.createTenant('acme');
    const frozen = (await json(
      await s.call('POST', 'tenants/acme/clock', { freeze: true }),
    )) as unknown as { now: string; frozen: boolean };
    expect(frozen.frozen).toBe(true);
    const later = (await json(
      await s.call('POST', 'tenants/acme/clock', { advance: '2h' }),
    )) as unknown as { now: string };
    expect(Date.parse(later.now) - Date.parse(frozen.now)).toBe(2 * HOUR);
    expect((await s.call('POST', 'tenants/acme/clock', { advance: '3y' })).status).toBe(400);
    expect((await s.call('POST', 'tenants/acme/clock', { advance: '800d' })).status).toBe(400);
    expect((await s.call('POST', 'tenants/acme/clock', {})).status).toBe(400);
    const shown = await json(await s.call('GET', 'tenants/acme/clock'));
    expect(shown).toEqual(later);
    const back = (await json(
      await s.call('POST', 'tenants/acme/clock', { now: true }),
    )) as unknown as { frozen: boolean; offsetMs: number };
    expect(back).toMatchObject({ frozen: false, offsetMs: 0 });
  });
});

describe('admin token and tenant keys never cross', () => {
  it('the admin token as a tenant key is 401 admin-token; a tenant key on admin routes is 401', async () => {
    const { s } = await start();
    const key = await s.createTenant('acme');
    const asTenant = await get(s, ADMIN_TOKEN);
    expect(asTenant.status).toBe(401);
    expect(asTenant.headers.get('x-tapedeck-error')).toBe('admin-token');
    expect(await asTenant.text()).not.toContain(ADMIN_TOKEN);
    for (const [method, path] of [
      ['GET', 'tenants'],
      ['POST', 'tenants'],
      ['GET', 'tenants/acme'],
      ['DELETE', 'tenants/acme'],
    ] as const) {
      const r = await fetch(`${s.url}/__tapedeck/${path}`, {
        method,
        headers: { authorization: `Bearer ${key}` },
      });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.headers.get('x-tapedeck-layer')).toBe('admin');
    }
    expect((await s.call('GET', 'tenants/acme')).status).toBe(200);
  });
});

describe('quotas and expiry', () => {
  it("refuses past the daily request quota in the profile's shape, naming it, with Retry-After", async () => {
    const { s } = await start({
      flags: [{ pointer: '/sandbox/quotas/requestsPerDay', value: 2, flag: 'test' }],
    });
    const key = await s.createTenant('acme');
    expect((await get(s, key)).status).toBe(200);
    expect((await get(s, key)).status).toBe(200);
    const refused = await get(s, key);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-tapedeck-error')).toBe('quota');
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'sandbox_quota_exceeded' });
    expect(body.error.message).toContain('requestsPerDay quota (2)');
  });

  it('deletes a tenant idle for more than idleDays of real time; moving its own clock does not', async () => {
    const { s, time } = await start();
    await s.createTenant('idle');
    const busyKey = await s.createTenant('busy');
    await s.createTenant('timetraveller');
    await s.call('POST', 'tenants/timetraveller/clock', { advance: '31d' });
    expect(await s.admin.expireIdle()).toEqual([]);
    await time.advance(29 * DAY);
    expect((await get(s, busyKey)).status).toBe(200);
    // Its last-used time is written by the resolver's flush, a minute later.
    await time.advance(2 * DAY);
    const expired = await s.admin.expireIdle();
    expect(expired.sort()).toEqual(['idle', 'timetraveller']);
    expect(s.logger.lines.filter((l) => l.event === 'sandbox.tenant_expired')).toHaveLength(2);
    expect((await s.call('GET', 'tenants/idle')).status).toBe(404);
  });
});

describe('tapedeck tenants / clock beside a running server', () => {
  it('create prints the key once with the warning; the server takes it on its first request', async () => {
    const { s } = await start();
    const run = await cli(s, 'tenants', 'create', 'beta', '--json');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { tenant: { name: string }; key: string; note: string };
    expect(out.note).toBe('Store it now; it cannot be shown again.');
    expect((await get(s, out.key)).status).toBe(200);
    const plain = await cli(s, 'tenants', 'create', 'gamma');
    expect(plain.stdout).toMatch(
      /Created tenant gamma[\s\S]*sk_test_\w{28}[\s\S]*Store it now; it cannot be shown again\./,
    );
    const list = await cli(s, 'tenants', 'list');
    expect(list.stdout).toMatch(/^NAME\s+KEYS/);
    expect(list.stdout).toContain('beta');
    expect(list.stdout).not.toContain(out.key);
    const show = await cli(s, 'tenants', 'show', 'beta');
    expect(show.stdout).toContain(`sk_test_…${out.key.slice(-4)}`);
    expect(show.stdout).not.toContain(out.key);
  });

  it('revoke and rotate from the CLI reach the server within a second', async () => {
    const { s, time } = await start();
    const key = await s.createTenant('acme');
    expect((await get(s, key)).status).toBe(200); // cached now
    const rotated = await cli(s, 'tenants', 'rotate', 'acme', '--overlap', '0', '--json');
    expect(rotated.code).toBe(0);
    const fresh = (JSON.parse(rotated.stdout) as { key: string }).key;
    expect((await get(s, fresh)).status).toBe(200);
    await time.advance(1001);
    expect((await get(s, key)).status).toBe(401);
    const revoked = await cli(s, 'tenants', 'revoke', 'acme', '--key', fresh.slice(-4));
    expect(revoked.stdout).toContain('Revoked 1 key(s)');
    await time.advance(1001);
    expect((await get(s, fresh)).status).toBe(401);
  });

  it('says what is wrong in one line with an exit code, for unknown tenants and bad flags', async () => {
    const { s } = await start();
    const unknown = await cli(s, 'tenants', 'show', 'nobody');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no tenant "nobody".');
    expect(unknown.stderr).toContain('[TD_TENANT_NOT_FOUND]');
    await s.createTenant('acme');
    const neither = await cli(s, 'tenants', 'revoke', 'acme');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--key HINT, or give --all');
    const noYes = await cli(s, 'tenants', 'delete', 'acme');
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('--yes');
    expect((await s.call('GET', 'tenants/acme')).status).toBe(200);
    const badDuration = await cli(s, 'clock', '--tenant', 'acme', 'advance', 'soon');
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain('90s, 30m, 2h, 7d');
    // A negative duration is answered by what it means, not as an unknown option.
    for (const d of ['-1h', '1e9d', '2 h']) {
      const wrong = await cli(s, 'clock', '--tenant', 'acme', 'advance', d);
      expect(wrong.code, d).toBe(2);
      expect(wrong.stderr, d).toContain('[TD_USAGE]');
      expect(wrong.stderr, d).not.toContain('unknown option');
    }
    expect((await cli(s, 'clock', '--tenant', 'acme', 'advance', '-1h')).stderr).toContain(
      'only moves forward',
    );
    expect((await cli(s, 'clock', '--tenant', 'acme', 'show', '--jsn')).stderr).toContain(
      'Unknown option',
    );
    // A mistyped state directory is said to be one, and not made.
    const typo = join(s.root, 'no-such-state');
    const listed = await tenantsCli(s.root, ['tenants', 'list', '--state-dir', typo]);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toContain('There is no sandbox state in');
    expect(existsSync(typo)).toBe(false);
    const clocked = await tenantsCli(s.root, [
      'clock',
      '--tenant',
      'acme',
      'show',
      '--state-dir',
      typo,
    ]);
    expect(clocked.code).toBe(2);
    expect(existsSync(typo)).toBe(false);
    // --help says how each command ends.
    for (const args of [
      ['tenants', 'show', '--help'],
      ['clock', '--help'],
      ['tenants', '--help'],
    ]) {
      const help = await tenantsCli(s.root, args);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Exit codes: 0 done; 2');
      expect(help.stdout).toContain('TD_TENANT_NOT_FOUND');
    }
    const deleted = await cli(s, 'tenants', 'delete', 'acme', '--yes');
    expect(deleted.stdout).toContain('Deleted tenant acme.');
    expect((await s.call('GET', 'tenants/acme')).status).toBe(404);
  });

  it('tapedeck clock freezes, advances and shows a tenant clock', async () => {
    const { s } = await start();
    await s.createTenant('acme');
    const frozen = await cli(s, 'clock', '--tenant', 'acme', 'freeze', '--json');
    const a = JSON.parse(frozen.stdout) as { clock: { now: string; frozen: boolean } };
    expect(a.clock.frozen).toBe(true);
    await cli(s, 'clock', '--tenant', 'acme', 'advance', '2h');
    const shown = await cli(s, 'clock', '--tenant', 'acme', 'show');
    expect(shown.stdout).toContain(new Date(Date.parse(a.clock.now) + 2 * HOUR).toISOString());
    expect(shown.stdout).toContain('(frozen)');
    const now = await cli(s, 'clock', '--tenant', 'acme', 'now');
    expect(now.stdout).toContain('running at real time');
  });
});

describe('on the full sandbox (the Stripe spec and profile)', () => {
  let sandbox: RunningSandbox;
  let key: string;
  beforeAll(async () => {
    sandbox = await startSandbox({
      spec: stripeSpecFile(),
      profile: 'stripe',
      flags: [{ pointer: '/sandbox/quotas/resources', value: 4, flag: 'test' }],
    });
    key = await sandbox.createTenant('acme');
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
  });

  const create = (email: string) =>
    fetch(`${sandbox.url}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `email=${encodeURIComponent(email)}`,
    });
  const list = async () =>
    (
      await fetch(`${sandbox.url}/v1/customers?limit=100`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).text();
  const sbCli = (...args: string[]) =>
    tenantsCli(sandbox.root, [...args, '--state-dir', sandbox.stateDir, '--profile', 'stripe']);

  it('snapshot and restore give back the list byte for byte; reset empties the tenant; a quota names itself', async () => {
    expect((await create('a@example.com')).status).toBe(200);
    expect((await create('b@example.com')).status).toBe(200);
    const before = await list();
    expect((JSON.parse(before) as { data: unknown[] }).data).toHaveLength(2);
    const frozen = (await json(
      await sandbox.admin('POST', 'tenants/acme/clock', { freeze: true }),
    )) as unknown as { now: string };
    const snap = await sbCli('tenants', 'snapshot', 'acme', 'two');
    expect(snap.stdout).toContain('Saved snapshot two of tenant acme (2 resource(s))');
    await sandbox.admin('POST', 'tenants/acme/clock', { advance: '30d' });
    expect((await create('c@example.com')).status).toBe(200);
    expect(await list()).not.toBe(before);
    // Through the admin route this time (the server forgets its cache at once).
    expect((await sandbox.admin('POST', 'tenants/acme/snapshots/two/restore')).status).toBe(200);
    expect(await list()).toBe(before);
    // The clock came back with it.
    expect(await json(await sandbox.admin('GET', 'tenants/acme/clock'))).toMatchObject({
      now: frozen.now,
      frozen: true,
    });
    // Reset from the CLI: the server reseeds (no recordings: nothing) on the next request.
    expect((await sbCli('tenants', 'reset', 'acme')).code).toBe(0);
    expect((JSON.parse(await list()) as { data: unknown[] }).data).toEqual([]);
    // The resource quota (4) in Stripe's shape, naming it.
    for (const n of [1, 2, 3, 4]) expect((await create(`q${n}@example.com`)).status).toBe(200);
    const refused = await create('q5@example.com');
    expect(refused.headers.get('x-tapedeck-error')).toBe('quota');
    const body = (await refused.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('resources quota (4)');
  }, 60_000);
});
