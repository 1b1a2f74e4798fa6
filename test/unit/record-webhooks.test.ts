/**
 * The recorder's side of `record --webhooks`: samples go through the same batching and atomic
 * write as interactions, are redacted and scanned first, and a cassette keeps them through every
 * rewrite (store, recorder, verify, redact). The wire is in test/integration/webhooks-record.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsCassetteStore } from '../../src/adapters/cassettes/fs-cassette-store.js';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { systemScheduler } from '../../src/adapters/system/scheduler.js';
import { systemClock } from '../../src/adapters/system/system.js';
import { ServerStats } from '../../src/app/pipeline/stats.js';
import { redactCassettes } from '../../src/app/redaction/redact.js';
import type { RedactionSetup } from '../../src/app/redaction/setup.js';
import { CassetteRecorder, type RawWebhook } from '../../src/app/record/recorder.js';
import { webhookType } from '../../src/app/record/webhooks.js';
import { verifyCassettes } from '../../src/app/verify/verify.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';
import type { Body, Cassette, WebhookSample } from '../../src/core/cassette/model.js';
import type { CassetteStore } from '../../src/core/ports/index.js';
import { scanInteraction } from '../../src/core/redaction/scan.js';
import { CollectingLogger } from '../helpers/logger.js';
import { interaction, redactorWith } from '../helpers/redaction.js';
import { tempDir } from '../helpers/tmp.js';

const LEAKED = `sk_live_${'Z9q'.repeat(10)}`;

const redaction: RedactionSetup = {
  rules: [],
  files: [],
  disabled: new Set(),
  redactor: redactorWith(),
};

function setup(
  options: { mode?: 'new' | 'all'; store?: CassetteStore; setup?: RedactionSetup } = {},
) {
  // Real timers: drain() starts every write at once, so nothing here waits for a pause.
  const store = options.store ?? new MemoryCassetteStore();
  const logger = new CollectingLogger();
  const rec = new CassetteRecorder({
    store,
    mode: options.mode ?? 'new',
    meta: { recordedWith: 'tapedeck test' },
    logger,
    stats: new ServerStats(),
    redaction: options.setup ?? redaction,
    clock: systemClock,
    scheduler: systemScheduler,
  });
  return { store, rec, logger };
}

function raw(json: Record<string, unknown>, headers: Record<string, string> = {}): RawWebhook {
  return {
    path: '/hooks',
    headers: { 'content-type': 'application/json', ...headers },
    body: { encoding: 'json', json: json as never },
    receivedAt: '2026-11-21T09:00:00.000Z',
  };
}

const byBody = (redacted: { body: Body }) => webhookType('stripe', {}, redacted.body);

function sample(id: string, extra: Record<string, unknown> = {}): WebhookSample {
  return {
    type: 'charge.refunded',
    receivedAt: '2026-11-21T09:00:00.000Z',
    headers: { 'content-type': 'application/json' },
    body: { encoding: 'json', json: { id, type: 'charge.refunded', ...extra } as never },
  };
}

describe('CassetteRecorder.recordWebhook', () => {
  it('writes webhooks and interactions that arrive together in one write, redacted', async () => {
    const { store, rec } = setup();
    rec.record('c', interaction({ path: '/v1/charges' }));
    const outcome = rec.recordWebhook(
      'c',
      raw({ id: 'evt_1', type: 'charge.refunded', data: { key: LEAKED } }),
      byBody,
    );
    expect(outcome).toEqual({ kind: 'queued', type: 'charge.refunded' });
    await rec.drain();
    const cassette = (await store.load('c'))!;
    expect(cassette.interactions).toHaveLength(1);
    expect(cassette.webhooks).toHaveLength(1);
    expect(cassette.webhooks![0]!.type).toBe('charge.refunded');
    expect(JSON.stringify(cassette)).not.toContain(LEAKED);
    // The next interaction appends; the webhook stays.
    rec.record('c', interaction({ path: '/v1/refunds' }));
    await rec.drain();
    const after = (await store.load('c'))!;
    expect(after.interactions).toHaveLength(2);
    expect(after.webhooks).toEqual(cassette.webhooks);
  });

  it('holds back a webhook that still looks secret after redaction: pointers only in the log', async () => {
    // A scanner that finds what redaction left: the case the recorder must never write.
    const strict: RedactionSetup = {
      ...redaction,
      scan: (i, o) => [
        ...scanInteraction(i, o),
        ...(JSON.stringify(i.request.body).includes('looks-odd')
          ? [{ rule: 'test/odd', pointer: '/request/body/json/data/note' }]
          : []),
      ],
    };
    const { store, rec, logger } = setup({ setup: strict });
    const outcome = rec.recordWebhook(
      'c',
      raw({ id: 'evt_1', type: 'x.y', data: { note: 'looks-odd' } }),
      byBody,
    );
    expect(outcome).toEqual({ kind: 'blocked' });
    await rec.drain();
    expect(await store.load('c')).toBeUndefined();
    const line = logger.lines.find((l) => l.event === 'record.blocked')!;
    expect(line.fields).toMatchObject({
      code: 'TD_SECRET_DETECTED',
      findings: [{ rule: 'test/odd', pointer: '/body/json/data/note' }],
    });
    expect(JSON.stringify(logger.lines)).not.toContain('looks-odd');
  });

  it('does not keep a webhook without an event type or a body', async () => {
    const { store, rec, logger } = setup();
    expect(rec.recordWebhook('c', raw({ id: 'evt_1' }), byBody)).toEqual({ kind: 'untyped' });
    expect(rec.recordWebhook('c', { ...raw({}), body: undefined }, byBody)).toEqual({
      kind: 'untyped',
    });
    expect(rec.recordWebhook('c', raw({ id: 'evt_2', type: 'x'.repeat(201) }), byBody)).toEqual({
      kind: 'untyped',
    });
    await rec.drain();
    expect(await store.load('c')).toBeUndefined();
    expect(logger.lines.filter((l) => l.event === 'record.webhook_skipped')).toHaveLength(3);
  });

  it('mode all replaces old webhooks only in a run that records webhooks', async () => {
    const store = new MemoryCassetteStore();
    await store.update('c', () => ({
      version: 1,
      interactions: [interaction({ path: '/old' })],
      webhooks: [sample('evt_old')],
    }));
    // A run of interactions only: the old samples stay.
    const first = setup({ mode: 'all', store });
    first.rec.record('c', interaction({ path: '/new' }));
    await first.rec.drain();
    let cassette = (await store.load('c'))!;
    expect(cassette.interactions.map((i) => i.request.path)).toEqual(['/new']);
    expect(cassette.webhooks).toHaveLength(1);
    // A run that records a webhook replaces them, then appends.
    const second = setup({ mode: 'all', store });
    second.rec.recordWebhook('c', raw({ id: 'evt_a', type: 'a.b' }), byBody);
    await second.rec.drain();
    second.rec.recordWebhook('c', raw({ id: 'evt_b', type: 'a.b' }), byBody);
    await second.rec.drain();
    cassette = (await store.load('c'))!;
    expect(cassette.interactions.map((i) => i.request.path)).toEqual(['/new']);
    expect(
      cassette.webhooks!.map((w) => (w.body as unknown as { json: { id: string } }).json.id),
    ).toEqual(['evt_a', 'evt_b']);
  });
});

describe('webhookType', () => {
  it("reads the body's type, else the scheme's event header and the body's action", () => {
    const json = (value: unknown): Body => ({ encoding: 'json', json: value as never });
    expect(webhookType('stripe', {}, json({ type: 'invoice.paid' }))).toBe('invoice.paid');
    expect(webhookType('github', { 'x-github-event': 'issues' }, json({ action: 'opened' }))).toBe(
      'issues.opened',
    );
    expect(webhookType('github', { 'x-github-event': 'push' }, json({ ref: 'main' }))).toBe('push');
    expect(webhookType('standard', { 'x-github-event': 'push' }, json({}))).toBeUndefined();
    expect(webhookType('stripe', {}, { encoding: 'text', text: 'type=x' })).toBeUndefined();
  });
});

describe('cassettes with webhooks on disk', () => {
  function write(dir: string, cassette: Cassette): void {
    writeFileSync(join(dir, 'c.json'), serializeCassette(cassette));
  }

  it('keeps webhooks through a load and a recorder append, byte for byte', async () => {
    const dir = tempDir();
    write(dir, { version: 1, interactions: [], webhooks: [sample('evt_1', { n: [1, 2] })] });
    const before = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as Cassette;
    const { rec } = setup({ store: new FsCassetteStore(dir) });
    rec.record('c', interaction({ path: '/v1/x' }));
    await rec.drain();
    const after = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as Cassette;
    expect(after.interactions).toHaveLength(1);
    expect(after.webhooks).toEqual(before.webhooks);
  });

  it('verify reports a secret in a webhook sample by its pointer, and redact removes it', async () => {
    const dir = tempDir();
    write(dir, {
      version: 1,
      interactions: [],
      webhooks: [sample('evt_1'), sample('evt_2', { data: { key: LEAKED } })],
    });
    const store = new FsCassetteStore(dir);
    const report = await verifyCassettes(store, dir, redaction, dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'TD_SECRET_DETECTED',
        pointer: '/webhooks/1/body/json/data/key',
        rule: 'builtin/payment-key',
      }),
    ]);
    const redacted = await redactCassettes(store, dir, redaction, false, dir);
    expect(redacted.changed).toEqual([{ cassette: 'c', values: 1 }]);
    expect(redacted.remaining).toEqual([]);
    expect(readFileSync(join(dir, 'c.json'), 'utf8')).not.toContain(LEAKED);
    expect((await verifyCassettes(store, dir, redaction, dir)).problems).toEqual([]);
  });

  it('refuses a webhook header no HTTP message can carry, naming where it is', async () => {
    const dir = tempDir();
    const bad = { ...sample('evt_1'), headers: { 'x-note': 'a\r\nb' } };
    write(dir, { version: 1, interactions: [], webhooks: [bad] });
    const report = await verifyCassettes(new FsCassetteStore(dir), dir, redaction, dir);
    expect(report.problems.map((p) => p.pointer)).toEqual(['/webhooks/0/headers/x-note']);
  });
});
