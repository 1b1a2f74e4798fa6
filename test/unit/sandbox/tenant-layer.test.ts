import { describe, expect, it } from 'vitest';
import { openMemoryState } from '../../../src/adapters/state/memory/index.js';
import type { RuntimeState } from '../../../src/core/ports/index.js';
import { tenantLayer } from '../../../src/app/layers/tenant.js';
import { scheduleExpiry } from '../../../src/app/sandbox/expiry.js';
import type { TenantAdmin } from '../../../src/app/sandbox/tenants.js';
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
      `state=${ADMIN_TOKEN}`,
    ]) {
      const reply = await rig.send({ rawQuery, headers: bearer(ADMIN_TOKEN) });
      expect(reply.status, rawQuery).toBe(400);
      expect(kind(reply)).toBe('key-in-query');
      expect(reply.body).not.toContain(key);
      expect(reply.body).not.toContain(LIVE_STRIPE);
    }
    // A key as a parameter's name, or inside a longer value, is as much in the URL.
    for (const rawQuery of [
      encodeURIComponent(LIVE_STRIPE),
      `${encodeURIComponent(LIVE_STRIPE)}=1`,
      key,
      `${key}=1`,
      `q=my+key+is+${key}`,
      `q=${encodeURIComponent(`key:${key},x`)}`,
      `q=${encodeURIComponent(`Bearer ${ADMIN_TOKEN}`)}`,
      `${ADMIN_TOKEN}`,
      `a=1&a=${encodeURIComponent(GITHUB_TOKEN)}`,
    ]) {
      const reply = await rig.send({ rawQuery, headers: bearer(key) });
      expect(reply.status, rawQuery).toBe(400);
      expect(kind(reply)).toBe('key-in-query');
    }
    // In the path too: the redactor does not know the admin token, so the journal is not
    // given the path (or, for the query, only the path).
    for (const path of [
      `/v1/customers/${ADMIN_TOKEN}`,
      `/v1/customers/${encodeURIComponent(LIVE_STRIPE)}`,
      `/v1/x/${key}/y`,
    ]) {
      const reply = await rig.send({ path, headers: bearer(key) });
      expect(reply.status, path).toBe(400);
      expect(kind(reply)).toBe('key-in-query');
      expect(JSON.stringify(rig.journal.at(-1))).not.toContain(ADMIN_TOKEN);
      expect(rig.journal.at(-1)?.path).toBe('(not shown: the path held a key)');
    }
    await rig.send({ rawQuery: `x=${ADMIN_TOKEN}`, headers: bearer(key) });
    expect(rig.journal.at(-1)?.path).toBe('/v1/customers');
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
    // A live key as the Basic password is one too (`curl -u user:sk_live_…`).
    const asPassword = {
      authorization: `Basic ${Buffer.from(`acct_1:${LIVE_STRIPE}`).toString('base64')}`,
    };
    expect(kind(await rig.send({ headers: asPassword }))).toBe('live-key');
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

  it('never serves a rotated key from the cache past the end of its overlap', async () => {
    const { rig, key } = await withTenant();
    await rig.cli.rotate('acme', { overlapMs: 3_600_000 });
    await rig.time.advance(3_600_000 - 500);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200); // cached now
    await rig.time.advance(500);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(401);
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

describe('tenant use cases (TenantAdmin)', () => {
  it('names tenants and snapshots safely, and lists the seed sets when one is unknown', async () => {
    const rig = layerRig();
    for (const bad of [
      '',
      'Acme',
      'a b',
      'x'.repeat(64),
      '../etc',
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      // Valid name characters, but a key's shape: it would sit in logs and the journal.
      'sk_live_4ec39hqlyjwdarjtt1zdp7dcxyz',
      'rk_live_51habcdefghijklmnopqrstu',
      'ghp_16c7e42f292c6912e7710c838347ae178b4a',
      'sk_test_0gjutfcrpuz4kpnonbxlwh2aonk1',
    ]) {
      await expect(rig.admin.create(bad)).rejects.toMatchObject({ code: 'TD_USAGE' });
    }
    await expect(rig.admin.create('acme', { seed: 'demo' })).rejects.toThrow(
      /use one of recordings, empty/,
    );
    await rig.admin.create('acme', { seed: 'empty' });
    await expect(rig.admin.create('acme')).rejects.toThrow(/already exists/);
    await expect(rig.admin.snapshot('acme', 'Bad Name')).rejects.toMatchObject({
      code: 'TD_USAGE',
    });
    await expect(rig.admin.snapshot('acme', 'sk_live_4ec39hqlyjwdarjtt1zdp7dcxyz')).rejects.toThrow(
      /must not look like a key/,
    );
    // A name of a tenant id's shape would answer admin lookups for that id.
    await expect(rig.admin.create('ten_abcdefgh12345678')).rejects.toThrow(
      /must not look like a tenant id/,
    );
    // Ordinary names with an underscore still pass.
    await rig.admin.create('ten_x', { seed: 'empty' });
    await rig.admin.create('ci_job-42', { seed: 'empty' });
    await rig.admin.create('acme_test_env', { seed: 'empty' });
    await expect(rig.admin.show('nobody')).rejects.toMatchObject({ code: 'TD_TENANT_NOT_FOUND' });
    // A name that is no tenant name is not echoed back.
    await expect(rig.admin.show('<b>x</b>')).rejects.toThrow('There is no tenant (this name).');
    expect((await rig.admin.show('acme')).seedSet).toBe('empty');
  });

  it('stores keys only as hashes with a hint; ids and id seeds differ per tenant', async () => {
    const rig = layerRig();
    const a = await rig.admin.create('a');
    const b = await rig.admin.create('b');
    const keys = await rig.state.tenants.listKeys(a.tenant.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(keys)).not.toContain(a.key.slice(8, -4));
    expect(keys[0]!.hint).toBe(`sk_test_…${a.key.slice(-4)}`);
    const ra = (await rig.state.tenants.get(a.tenant.id))!;
    const rb = (await rig.state.tenants.get(b.tenant.id))!;
    expect(ra.id).not.toBe(rb.id);
    expect(ra.idSeed).not.toBe(rb.idSeed);
    expect(ra.id).toMatch(/^ten_[0-9A-Za-z]{16}$/);
  });

  it('never extends a key by rotating again; revokes by hint (…tail or tail), each key once', async () => {
    const rig = layerRig();
    const { key } = await rig.admin.create('acme');
    await rig.admin.rotate('acme', { overlapMs: 1000 });
    const second = await rig.admin.rotate('acme', { overlapMs: 3_600_000 });
    const first = second.previous.find((k) => k.hint.endsWith(key.slice(-4)))!;
    // The first key keeps its 1 s end; only the key that was still open gets the hour.
    expect(Date.parse(first.expiresAt!)).toBe(rig.time.now() + 1000);
    expect(await rig.admin.revoke('acme', { hint: `…${second.key.slice(-4)}` })).toBe(1);
    await expect(rig.admin.revoke('acme', { hint: second.key.slice(-4) })).rejects.toThrow(
      /no unrevoked key/,
    );
    expect(await rig.admin.revoke('acme', { all: true })).toBe(2);
    expect((await rig.admin.show('acme')).keys.map((k) => k.state)).toEqual([
      'revoked',
      'revoked',
      'revoked',
    ]);
  });

  it('reset clears idempotency records and seeding; restore marks the tenant seeded', async () => {
    const rig = layerRig();
    const { tenant } = await rig.admin.create('acme');
    await rig.state.tenants.update(tenant.id, { seededAt: rig.time.now() });
    await rig.admin.snapshot('acme', 's1');
    await rig.admin.reset('acme');
    expect((await rig.state.tenants.get(tenant.id))!.seededAt).toBeUndefined();
    await rig.admin.restore('acme', 's1');
    // Not seeded over again on top of what the snapshot brought back.
    expect((await rig.state.tenants.get(tenant.id))!.seededAt).toBe(rig.time.now());
    await expect(rig.admin.restore('acme', 'nope')).rejects.toThrow(/no snapshot "nope"/);
  });

  it('reset that fails half-way leaves no resource-less tenant behind idempotency replays', async () => {
    const opened = openMemoryState();
    let failIdempotency = true;
    const state: RuntimeState = {
      ...opened,
      idempotency: {
        ...opened.idempotency,
        clear: (tenant) =>
          failIdempotency
            ? Promise.reject(new Error('disk full'))
            : opened.idempotency.clear(tenant),
      },
      close: () => opened.close(),
    };
    const rig = layerRig({ state });
    const { tenant } = await rig.admin.create('acme');
    await state.resources.put(tenant.id, {
      type: 'customers',
      id: 'cus_1',
      value: { id: 'cus_1' },
    });
    await state.tenants.update(tenant.id, { seededAt: rig.time.now() });
    await expect(rig.admin.reset('acme')).rejects.toThrow('disk full');
    // Nothing changed: its resources are there, the replays still match them.
    expect(await state.resources.get(tenant.id, 'customers', 'cus_1')).toBeDefined();
    failIdempotency = false;
    await rig.admin.reset('acme');
    expect(await state.resources.get(tenant.id, 'customers', 'cus_1')).toBeUndefined();
    expect((await state.tenants.get(tenant.id))!.seededAt).toBeUndefined();
  });

  it('restoring a snapshot taken before the first seeding brings back a fresh tenant, reseeded', async () => {
    const rig = layerRig();
    const { tenant } = await rig.admin.create('acme');
    await rig.admin.snapshot('acme', 'clean');
    // Its first request seeds it, and it makes things.
    await rig.state.tenants.update(tenant.id, { seededAt: rig.time.now() });
    await rig.state.resources.put(tenant.id, { type: 'customers', id: 'cus_1', value: {} });
    await rig.admin.restore('acme', 'clean');
    expect(await rig.state.resources.get(tenant.id, 'customers', 'cus_1')).toBeUndefined();
    // Not an empty tenant marked seeded: the next request seeds it again.
    expect((await rig.state.tenants.get(tenant.id))!.seededAt).toBeUndefined();
  });

  it('keeps the tenant clock in a snapshot: restore puts it back', async () => {
    const rig = layerRig();
    await rig.admin.create('acme');
    const frozen = await rig.admin.clock('acme', { freeze: true });
    await rig.admin.snapshot('acme', 'frozen');
    await rig.admin.clock('acme', { advanceMs: 7 * 24 * 3_600_000 });
    await rig.admin.clock('acme', { now: true });
    await rig.time.advance(5000);
    await rig.admin.restore('acme', 'frozen');
    expect(await rig.admin.clock('acme', { show: true })).toMatchObject({
      now: frozen.now,
      frozen: true,
    });
    await rig.admin.clock('acme', { now: true });
    await rig.admin.clock('acme', { advanceMs: 3_600_000 });
    await rig.admin.snapshot('acme', 'running');
    await rig.admin.clock('acme', { freeze: true });
    await rig.admin.restore('acme', 'running');
    expect(await rig.admin.clock('acme', { show: true })).toMatchObject({
      frozen: false,
      offsetMs: 3_600_000,
    });
  });
});

describe('scheduleExpiry', () => {
  it('sweeps at once, then every hour, until cancelled', async () => {
    const rig = layerRig();
    await rig.admin.create('old');
    const sweeps: number[] = [];
    const admin = {
      expireIdle: async () => {
        sweeps.push(rig.time.monotonic());
        return rig.admin.expireIdle();
      },
    } as unknown as TenantAdmin;
    const task = scheduleExpiry(admin, rig.time, 3_600_000);
    await rig.time.advance(0);
    expect(sweeps).toEqual([0]);
    await rig.time.advance(2 * 3_600_000);
    expect(sweeps).toEqual([0, 3_600_000, 7_200_000]);
    // 31 idle days later the sweep deletes the tenant.
    task.cancel();
    await rig.time.advance(31 * 24 * 3_600_000);
    expect(sweeps).toHaveLength(3);
    const again = scheduleExpiry(admin, rig.time, 3_600_000);
    await rig.time.advance(0);
    again.cancel();
    await expect(rig.admin.show('old')).rejects.toMatchObject({ code: 'TD_TENANT_NOT_FOUND' });
  });
});
