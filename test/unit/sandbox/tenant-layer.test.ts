import { describe, expect, it } from 'vitest';
import { tenantLayer } from '../../../src/app/layers/tenant.js';
import { profileErrors } from '../../../src/core/sandbox/profile/answer.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { formatKey } from '../../../src/core/sandbox/keys.js';
import { ADMIN_TOKEN, basic, bearer, header, layerRig } from '../../helpers/sandbox-layers.js';

const LIVE_STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZ';
const LIVE_RESTRICTED = 'rk_live_51Habcdefghijklmnopqrstu';
const GITHUB_TOKEN = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';

const kind = (reply: { headers: readonly (readonly [string, string])[] }) =>
  reply.headers.find(([n]) => n === 'x-tapedeck-error')?.[1];

async function withTenant(profile = PRESETS.stripe) {
  const rig = layerRig({ profile });
  const { key } = await rig.admin.create('acme');
  return { rig, key };
}

describe('tenant layer', () => {
  it('sets the tenant of a valid Bearer key; the next layers see it', async () => {
    const { rig, key } = await withTenant();
    const reply = await rig.send({ headers: bearer(key) });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ tenant: 'acme' });
    expect(rig.journal.at(-1)?.tenant).toMatch(/^ten_/);
  });

  it('reads the key from Basic (username, Stripe style), `token KEY` and a named header', async () => {
    const { rig, key } = await withTenant();
    expect((await rig.send({ headers: basic(key) })).status).toBe(200);
    const gh = await withTenant(PRESETS.github);
    expect((await gh.rig.send({ headers: { authorization: `token ${gh.key}` } })).status).toBe(200);
    const std = await withTenant(PRESETS.standard);
    expect((await std.rig.send({ headers: { 'x-api-key': std.key } })).status).toBe(200);
    // A location the profile does not list is not read: GitHub takes no x-api-key.
    expect((await gh.rig.send({ headers: { 'x-api-key': gh.key } })).status).toBe(401);
  });

  it('answers 401 unauthorized in the profile shape without a credential', async () => {
    const { rig } = await withTenant();
    const reply = await rig.send({});
    expect(reply.status).toBe(401);
    expect(kind(reply)).toBe('unauthorized');
    expect(header(reply, 'x-tapedeck-layer')).toBe('tenant');
    expect(JSON.parse(reply.body)).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('refuses a key in the query with 400 before anything else, even the admin token', async () => {
    const { rig, key } = await withTenant();
    for (const rawQuery of [
      'api_key=anything',
      `q=${key}`,
      `starting_after=${encodeURIComponent(LIVE_STRIPE)}`,
      'KEY=x',
    ]) {
      const reply = await rig.send({ rawQuery, headers: bearer(ADMIN_TOKEN) });
      expect(reply.status, rawQuery).toBe(400);
      expect(kind(reply)).toBe('key-in-query');
      expect(reply.body).not.toContain(key);
      expect(reply.body).not.toContain(LIVE_STRIPE);
    }
    // Ordinary query parameters, and empty values of refused names, pass.
    expect((await rig.send({ rawQuery: 'limit=10&key=', headers: bearer(key) })).status).toBe(200);
  });

  it('refuses the admin token as a tenant key: 401 admin-token', async () => {
    const { rig } = await withTenant();
    for (const headers of [bearer(ADMIN_TOKEN), basic(ADMIN_TOKEN)]) {
      const reply = await rig.send({ headers });
      expect(reply.status).toBe(401);
      expect(kind(reply)).toBe('admin-token');
      expect(reply.body).not.toContain(ADMIN_TOKEN);
    }
  });

  it('refuses live keys with the live-key message, by Bearer and by Basic, and never echoes them', async () => {
    const { rig } = await withTenant();
    for (const headers of [
      bearer(LIVE_STRIPE),
      basic(LIVE_STRIPE),
      bearer(LIVE_RESTRICTED),
      bearer(GITHUB_TOKEN),
    ]) {
      const reply = await rig.send({ headers });
      expect(reply.status).toBe(401);
      expect(kind(reply)).toBe('live-key');
      expect(JSON.parse(reply.body).error.message).toContain('live key');
      for (const secret of [LIVE_STRIPE, LIVE_RESTRICTED, GITHUB_TOKEN])
        expect(reply.body).not.toContain(secret);
    }
    // GitHub reads only Bearer; a live token sent as Basic is still called what it is.
    const gh = layerRig({ profile: PRESETS.github });
    const reply = await gh.send({ headers: basic(GITHUB_TOKEN) });
    expect(kind(reply)).toBe('live-key');
    expect(rig.lookups.count).toBe(0);
  });

  it('refuses a mistyped key by its checksum, without a lookup', async () => {
    const { rig, key } = await withTenant();
    const typo = `${key.slice(0, 12)}${key[12] === 'a' ? 'b' : 'a'}${key.slice(13)}`;
    const reply = await rig.send({ headers: bearer(typo) });
    expect(reply.status).toBe(401);
    expect(kind(reply)).toBe('unauthorized');
    expect(rig.lookups.count).toBe(0);
    // A well-formed key nobody created costs one lookup and gets the same answer.
    const unknown = formatKey('sk_test_', 'A'.repeat(22));
    const again = await rig.send({ headers: bearer(unknown) });
    expect(again.status).toBe(401);
    expect(again.body).toBe(reply.body);
    expect(rig.lookups.count).toBe(1);
  });

  it('answers nothing an idempotency key could remember', async () => {
    const { rig } = await withTenant();
    // The refusals carry remember: false, seen through the layer itself.
    const direct = tenantLayer({
      profile: PRESETS.stripe,
      resolver: rig.resolver,
      errors: profileErrors(PRESETS.stripe, undefined),
      liveDetectors: [],
    });
    const answer = await direct.handle({
      incoming: {
        method: 'GET',
        target: '/v1/x',
        path: '/v1/x',
        rawQuery: '',
        headers: {},
        rawBody: undefined,
        signal: new AbortController().signal,
      },
      setTenant: () => undefined,
    } as never);
    expect(answer?.remember).toBe(false);
  });
});

describe('cached resolver', () => {
  it('caches a found key for a second: a revoke from another process takes effect within it', async () => {
    const { rig, key } = await withTenant();
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    expect(rig.lookups.count).toBe(1);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    expect(rig.lookups.count).toBe(1); // the cached Map path
    await rig.cli.revoke('acme', { all: true }); // the CLI: no forget in this process
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    await rig.time.advance(1001);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(401);
  });

  it('forgets a tenant at once when the change is made in this process', async () => {
    const { rig, key } = await withTenant();
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    await rig.admin.revoke('acme', { all: true });
    expect((await rig.send({ headers: bearer(key) })).status).toBe(401);
  });

  it('never caches a miss: a key created a moment later works on its first request', async () => {
    const rig = layerRig();
    expect(
      (await rig.send({ headers: bearer(formatKey('sk_test_', 'B'.repeat(22))) })).status,
    ).toBe(401);
    const { key } = await rig.cli.create('late');
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
  });

  it('keeps an old key working through the rotation overlap, not after', async () => {
    const { rig, key } = await withTenant();
    const rotated = await rig.admin.rotate('acme', { overlapMs: 3_600_000 });
    expect(rotated.previous).toHaveLength(1);
    expect(rotated.previous[0]!.state).toBe('expiring');
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    expect((await rig.send({ headers: bearer(rotated.key) })).status).toBe(200);
    await rig.time.advance(3_600_000 + 1001);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(401);
    expect((await rig.send({ headers: bearer(rotated.key) })).status).toBe(200);
    // Overlap 0: the old keys end now.
    const again = await rig.admin.rotate('acme', { overlapMs: 0 });
    expect((await rig.send({ headers: bearer(rotated.key) })).status).toBe(401);
    expect((await rig.send({ headers: bearer(again.key) })).status).toBe(200);
  });

  it('writes last-used times when flushed, not on each request', async () => {
    const { rig, key } = await withTenant();
    const before = (await rig.state.tenants.getByName('acme'))!.lastUsedAt;
    await rig.time.advance(5000);
    await rig.send({ headers: bearer(key) });
    expect((await rig.state.tenants.getByName('acme'))!.lastUsedAt).toBe(before);
    await rig.resolver.flushLastUsed();
    expect((await rig.state.tenants.getByName('acme'))!.lastUsedAt).toBe(before + 5000);
  });
});
