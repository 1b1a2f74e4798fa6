import { describe, expect, it } from 'vitest';
import { openMemoryState } from '../../../src/adapters/state/memory/index.js';
import { tenantDay } from '../../../src/core/sandbox/clock.js';
import { ManualTime } from '../../helpers/manual-time.js';
import { bearer, header, layerRig } from '../../helpers/sandbox-layers.js';

/** 01:00 UTC: 23 hours to the tenant's midnight while its clock runs at real time. */
const START = Date.UTC(2026, 0, 1, 1);

describe('limits layer: requests per tenant-day', () => {
  it("refuses past the quota in the profile's shape, naming it, with Retry-After to the tenant's midnight", async () => {
    const rig = layerRig({ quotas: { requestsPerDay: 3 } });
    const { key } = await rig.admin.create('acme');
    for (let i = 0; i < 3; i++) expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    const refused = await rig.send({ headers: bearer(key) });
    expect(refused.status).toBe(400); // Stripe's preset: invalid_request_error
    expect(header(refused, 'x-tapedeck-error')).toBe('quota');
    expect(header(refused, 'x-tapedeck-layer')).toBe('limits');
    expect(header(refused, 'retry-after')).toBe(String(23 * 3600));
    const body = JSON.parse(refused.body) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('sandbox_quota_exceeded');
    expect(body.error.message).toContain('requestsPerDay quota (3)');
  });

  it('counts per tenant: one tenant at its quota leaves another untouched', async () => {
    const rig = layerRig({ quotas: { requestsPerDay: 2 } });
    const a = await rig.admin.create('a');
    const b = await rig.admin.create('b');
    for (let i = 0; i < 2; i++) await rig.send({ headers: bearer(a.key) });
    expect((await rig.send({ headers: bearer(a.key) })).status).toBe(400);
    expect((await rig.send({ headers: bearer(b.key) })).status).toBe(200);
  });

  it("starts again on the tenant's next day, by the tenant clock", async () => {
    const rig = layerRig({ quotas: { requestsPerDay: 1 } });
    const { key } = await rig.admin.create('acme');
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(400);
    await rig.admin.clock('acme', { advanceMs: 23 * 3_600_000 });
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
  });

  it("takes a tenant's own quota over the default", async () => {
    const rig = layerRig({ quotas: { requestsPerDay: 100 } });
    const { key, tenant } = await rig.admin.create('small');
    await rig.state.tenants.update(tenant.id, { quotas: { requestsPerDay: 1 } });
    rig.resolver.forget(tenant.id);
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    const refused = await rig.send({ headers: bearer(key) });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('(1)');
  });

  it('writes the counts every second, and a restarted server goes on from them', async () => {
    const time = new ManualTime(START);
    const state = openMemoryState();
    const rig = layerRig({ state, time, quotas: { requestsPerDay: 3 } });
    const { key, tenant } = await rig.admin.create('acme');
    const day = tenantDay(START);
    await rig.send({ headers: bearer(key) });
    await rig.send({ headers: bearer(key) });
    expect(await state.usage.get(tenant.id, day)).toBe(0);
    await time.advance(1000);
    expect(await state.usage.get(tenant.id, day)).toBe(2);
    // Another process over the same state: the table's count is where it starts.
    const restarted = layerRig({ state, time, quotas: { requestsPerDay: 3 } });
    expect((await restarted.send({ headers: bearer(key) })).status).toBe(200);
    expect((await restarted.send({ headers: bearer(key) })).status).toBe(400);
    await restarted.limits.flush();
    expect(await state.usage.get(tenant.id, day)).toBe(3);
    expect((await rig.admin.show('acme')).usage.requestsToday).toBe(3);
  });

  it('does not count refused requests, nor requests without a tenant', async () => {
    const rig = layerRig({ quotas: { requestsPerDay: 1 } });
    const { key, tenant } = await rig.admin.create('acme');
    await rig.send({});
    expect((await rig.send({ headers: bearer(key) })).status).toBe(200);
    for (let i = 0; i < 5; i++) await rig.send({ headers: bearer(key) });
    await rig.limits.flush();
    expect(await rig.state.usage.get(tenant.id, tenantDay(rig.time.now()))).toBe(1);
  });
});
