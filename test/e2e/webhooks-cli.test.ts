/**
 * `tapedeck webhooks` as a tester meets it (built CLI: `npx tsc -p tsconfig.build.json` first):
 * add, list, show, update, rotate and delete an endpoint on the state directory `tapedeck tenants`
 * made; the refusals of add's event filter and of redeliver. The secret is printed by add and
 * rotate only, and never by a listing or show.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { event } from '../contract/resource-store.contract.js';
import { runCleanups } from '../helpers/cleanup.js';
import { runCliToEnd } from '../helpers/cli.js';
import { stripeSpecFile } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

interface Added {
  endpoint: { id: string; url: string; events: string[] | null; secrets: { hint: string }[] };
  secret: string;
}

describe('tapedeck webhooks (built CLI)', () => {
  it('adds, lists, rotates and deletes; a secret is shown once, listings show its hint', async () => {
    const cwd = tempDir('tapedeck-webhooks-e2e-');
    expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd })).code).toBe(0);

    const add = await runCliToEnd(
      [
        'webhooks',
        'add',
        '--tenant',
        'acme',
        'http://127.0.0.1:4242/hooks',
        '--events',
        'customer.created, charge.*',
        '--json',
      ],
      { cwd },
    );
    expect(add.code, add.stderr).toBe(0);
    const added = JSON.parse(add.stdout) as Added;
    expect(added.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(added.endpoint).toMatchObject({
      url: 'http://127.0.0.1:4242/hooks',
      events: ['customer.created', 'charge.*'],
      secrets: [{ hint: `whsec_…${added.secret.slice(-4)}` }],
    });
    const id = added.endpoint.id;

    // Plain text: the secret on its own line, and the line that says it is shown once.
    const plain = await runCliToEnd(
      ['webhooks', 'add', '--tenant', 'acme', 'http://localhost:5000/other'],
      { cwd },
    );
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/\n {2}whsec_\S+\n\nStore it now; it cannot be shown again\.\n$/);
    expect(plain.stdout).not.toContain('\u001b['); // not a TTY: no colour

    const list = await runCliToEnd(['webhooks', 'list', '--tenant', 'acme'], { cwd });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain(`whsec_…${added.secret.slice(-4)}`);
    expect(list.stdout).not.toContain(added.secret);
    expect(list.stdout).toContain('customer.created, charge.*');

    const rotate = await runCliToEnd(
      ['webhooks', 'rotate', id, '--tenant', 'acme', '--overlap', '2h', '--json'],
      { cwd },
    );
    expect(rotate.code, rotate.stderr).toBe(0);
    const rotated = JSON.parse(rotate.stdout) as {
      secret: string;
      endpoint: { secrets: { hint: string; state: string }[] };
    };
    expect(rotated.secret).not.toBe(added.secret);
    expect(rotate.stdout).not.toContain(added.secret);
    expect(rotated.endpoint.secrets.map((s) => s.state)).toEqual(['active', 'expiring']);

    const listed = await runCliToEnd(['webhooks', 'list', '--tenant', 'acme', '--json'], { cwd });
    expect(listed.stdout).not.toContain(rotated.secret);
    expect(listed.stdout).not.toContain(added.secret);
    // Nothing of either secret in a log or any file but the state database.
    for (const file of readdirSync(cwd, { recursive: true, encoding: 'utf8' }))
      if (!file.includes('state.db') && !file.endsWith('.db-wal') && !file.endsWith('.db-shm'))
        try {
          expect(readFileSync(join(cwd, file), 'utf8')).not.toContain(rotated.secret);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
        }

    const del = await runCliToEnd(['webhooks', 'delete', id, '--tenant', 'acme'], { cwd });
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toContain(`Deleted webhook endpoint ${id}`);
    const again = await runCliToEnd(['webhooks', 'delete', id, '--tenant', 'acme'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('[TD_WEBHOOK_NOT_FOUND]');
  });

  it('refuses a URL outside loopback, a bad event list and an unknown tenant with exit 2', async () => {
    const cwd = tempDir('tapedeck-webhooks-e2e-');
    expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd })).code).toBe(0);
    const outside = await runCliToEnd(
      ['webhooks', 'add', '--tenant', 'acme', 'http://169.254.169.254/latest'],
      { cwd },
    );
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('[TD_WEBHOOK_REFUSED]');
    const events = await runCliToEnd(
      ['webhooks', 'add', '--tenant', 'acme', 'http://localhost:1/x', '--events', 'not an event'],
      { cwd },
    );
    expect(events.code).toBe(2);
    expect(events.stderr).toContain('[TD_USAGE]');
    const nobody = await runCliToEnd(['webhooks', 'list', '--tenant', 'nobody'], { cwd });
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('[TD_TENANT_NOT_FOUND]');
    const help = await runCliToEnd(['webhooks', '--help'], { cwd });
    expect(help.stdout).toContain('tapedeck webhooks add --tenant acme');
  });

  it('refuses an event type the sandbox cannot emit, with the nearest; says what it cannot check without a spec', async () => {
    const cwd = tempDir('tapedeck-webhooks-e2e-');
    copyFileSync(stripeSpecFile(), join(cwd, 'stripe.json'));
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ sandbox: { spec: 'stripe.json', profile: 'stripe' } }),
    );
    expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd })).code).toBe(0);
    const add = (dir: string, events: string, more: string[] = []) =>
      runCliToEnd(
        [
          'webhooks',
          'add',
          '--tenant',
          'acme',
          'http://127.0.0.1:4242/x',
          '--events',
          events,
          ...more,
        ],
        { cwd: dir },
      );
    // With the spec, the model's types are known: a typo in one is refused, naming it.
    const typo = await add(cwd, 'customer.created,custmer.created');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('[TD_USAGE]');
    expect(typo.stderr).toContain('"custmer.created" (did you mean customer.created?)');
    expect(typo.stdout).toBe('');
    const group = await add(cwd, 'paymentintent.*');
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('(did you mean payment_intent.*?)');
    const good = await add(cwd, 'customer.*,payment_intent.succeeded,charge.refunded', ['--json']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toBe('');
    expect(JSON.parse(good.stdout)).toMatchObject({
      endpoint: { events: ['customer.*', 'payment_intent.succeeded', 'charge.refunded'] },
    });
    const list = await runCliToEnd(['webhooks', 'list', '--tenant', 'acme', '--json'], { cwd });
    expect((JSON.parse(list.stdout) as { endpoints: unknown[] }).endpoints).toHaveLength(1);

    // Without a spec or recordings: what the profile declares is checked, the model's is not.
    const bare = tempDir('tapedeck-webhooks-e2e-');
    expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd: bare })).code).toBe(0);
    const declared = await add(bare, 'payment_intent.succeded', ['--profile', 'stripe']);
    expect(declared.code).toBe(2);
    expect(declared.stderr).toContain(
      '"payment_intent.succeded" (did you mean payment_intent.succeeded?)',
    );
    const unchecked = await add(bare, 'custmer.created,payment_intent.*', ['--profile', 'stripe']);
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stderr).toContain(
      "Note: custmer.created is not checked against the sandbox's event types: without a spec or recordings here",
    );
    expect(unchecked.stderr).not.toContain('payment_intent.*');
  }, 120_000);

  it('shows and updates an endpoint: the new URL checked as add checks it, no secret shown', async () => {
    const cwd = tempDir('tapedeck-webhooks-e2e-');
    expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd })).code).toBe(0);
    const add = await runCliToEnd(
      ['webhooks', 'add', '--tenant', 'acme', 'http://127.0.0.1:4242/hooks', '--json'],
      { cwd },
    );
    expect(add.code, add.stderr).toBe(0);
    const { endpoint, secret } = JSON.parse(add.stdout) as Added;
    const id = endpoint.id;

    const show = await runCliToEnd(['webhooks', 'show', id, '--tenant', 'acme'], { cwd });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`${id}  http://127.0.0.1:4242/hooks  enabled`);
    expect(show.stdout).toContain('events   all');
    expect(show.stdout).toContain(`whsec_…${secret.slice(-4)}`);
    expect(show.stdout).not.toContain(secret);

    const update = await runCliToEnd(
      [
        'webhooks',
        'update',
        id,
        '--tenant',
        'acme',
        '--url',
        'http://localhost:5000/new',
        '--events',
        'customer.created',
        '--description',
        'orders service',
        '--json',
      ],
      { cwd },
    );
    expect(update.code, update.stderr).toBe(0);
    expect(JSON.parse(update.stdout)).toMatchObject({
      id,
      url: 'http://localhost:5000/new',
      events: ['customer.created'],
      description: 'orders service',
      status: 'enabled',
    });
    expect(update.stdout).not.toContain(secret);
    const shown = await runCliToEnd(['webhooks', 'show', id, '--tenant', 'acme', '--json'], {
      cwd,
    });
    expect(JSON.parse(shown.stdout)).toMatchObject({
      url: 'http://localhost:5000/new',
      description: 'orders service',
      secrets: [{ hint: `whsec_…${secret.slice(-4)}`, state: 'active' }],
    });
    expect(shown.stdout).not.toContain(secret);
    const plain = await runCliToEnd(
      ['webhooks', 'update', id, '--tenant', 'acme', '--events', '*', '--description', ''],
      { cwd },
    );
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('events   all');
    expect(plain.stdout).not.toContain('about');

    // The destination check of add, on the new URL; the endpoint keeps its own.
    const outside = await runCliToEnd(
      ['webhooks', 'update', id, '--tenant', 'acme', '--url', 'http://169.254.169.254/latest'],
      { cwd },
    );
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('[TD_WEBHOOK_REFUSED]');
    const after = await runCliToEnd(['webhooks', 'show', id, '--tenant', 'acme', '--json'], {
      cwd,
    });
    expect(JSON.parse(after.stdout)).toMatchObject({ url: 'http://localhost:5000/new' });
    const nothing = await runCliToEnd(['webhooks', 'update', id, '--tenant', 'acme'], { cwd });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Say what changes: --url, --events or --description.');
    const unknown = await runCliToEnd(['webhooks', 'show', 'we_nope', '--tenant', 'acme'], {
      cwd,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('[TD_WEBHOOK_NOT_FOUND]');
  }, 60_000);

  it('redeliver says why it cannot: blocked, endpoint deleted, no such delivery (exit 2)', async () => {
    const cwd = tempDir('tapedeck-webhooks-e2e-');
    expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd })).code).toBe(0);
    const ids: string[] = [];
    for (const port of [4242, 4243]) {
      const add = await runCliToEnd(
        ['webhooks', 'add', '--tenant', 'acme', `http://127.0.0.1:${port}/hooks`, '--json'],
        { cwd },
      );
      expect(add.code, add.stderr).toBe(0);
      ids.push((JSON.parse(add.stdout) as Added).endpoint.id);
    }
    const [kept, deleted] = ids as [string, string];
    // What the dispatcher writes: a delivery whose payload the scanner blocked (the event is in
    // the log, no message stored), and one to the endpoint deleted below.
    const state = openSqliteState(join(cwd, '.tapedeck'));
    try {
      const tenant = (await state.tenants.getByName('acme'))!.id;
      await state.resources.apply(tenant, { puts: [], deletes: [], events: [event('evt_s')] }, 1);
      const blocked = {
        n: 1,
        at: 1000,
        sentAt: 0,
        outcome: 'blocked' as const,
        latencyMs: 0,
        error: 'secret-detected' as const,
        manual: false,
      };
      expect(
        await state.webhooks.fanOut(tenant, {
          afterSeq: 0,
          toSeq: 1,
          messages: [],
          deliveries: [{ id: 'dlv_s', endpoint: kept, eventId: 'evt_s', dueAt: 1000, blocked }],
        }),
      ).toBe(true);
      expect(
        await state.webhooks.fanOut(tenant, {
          afterSeq: 1,
          toSeq: 2,
          messages: [{ eventId: 'evt_g', type: 'customer.created', payload: '{}' }],
          deliveries: [{ id: 'dlv_g', endpoint: deleted, eventId: 'evt_g', dueAt: 1000 }],
        }),
      ).toBe(true);
    } finally {
      await state.close();
    }
    expect(
      (await runCliToEnd(['webhooks', 'delete', deleted, '--tenant', 'acme'], { cwd })).code,
    ).toBe(0);

    const redeliver = (id: string) =>
      runCliToEnd(['webhooks', 'redeliver', id, '--tenant', 'acme'], { cwd });
    const secret = await redeliver('dlv_s');
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain(
      'Delivery dlv_s cannot be sent: its payload was blocked by the secret scanner and never stored.',
    );
    expect(secret.stderr).toContain('trigger the event again');
    expect(secret.stdout).toBe('');
    const gone = await redeliver('dlv_g');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('Delivery dlv_g cannot be sent: its endpoint was deleted.');
    expect(gone.stderr).toContain('Add the endpoint again');
    const none = await redeliver('dlv_none');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('[TD_WEBHOOK_NOT_FOUND]');
    expect(none.stderr).toContain('Tenant "acme" has no webhook delivery "dlv_none".');
    // The log still shows both, unchanged: a refusal queues nothing.
    const log = await runCliToEnd(['webhooks', 'deliveries', '--tenant', 'acme', '--json'], {
      cwd,
    });
    expect(
      (JSON.parse(log.stdout) as { deliveries: { id: string; status: string }[] }).deliveries,
    ).toEqual([
      expect.objectContaining({ id: 'dlv_g', status: 'abandoned' }),
      expect.objectContaining({ id: 'dlv_s', status: 'failed' }),
    ]);
  }, 60_000);

  it('trigger runs the flow in the tenant and sends the event to its endpoint, signed', async () => {
    const cwd = tempDir('tapedeck-trigger-e2e-');
    copyFileSync(stripeSpecFile(), join(cwd, 'stripe.json'));
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ sandbox: { spec: 'stripe.json', profile: 'stripe' } }),
    );
    const bodies: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as AddressInfo).port;
      expect((await runCliToEnd(['tenants', 'create', 'acme'], { cwd })).code).toBe(0);
      const add = await runCliToEnd(
        ['webhooks', 'add', '--tenant', 'acme', `http://127.0.0.1:${port}/hooks`, '--json'],
        { cwd },
      );
      expect(add.code, add.stderr).toBe(0);
      const { secret } = JSON.parse(add.stdout) as Added;
      const run = await runCliToEnd(
        ['trigger', 'payment_intent.succeeded', '--tenant', 'acme', '--json'],
        { cwd },
      );
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as {
        events: { type: string }[];
        steps: { status: number }[];
        sent: boolean;
      };
      expect(report.events.map((e) => e.type)).toContain('payment_intent.succeeded');
      expect(report.steps.every((s) => s.status < 300)).toBe(true);
      expect(report.sent).toBe(true);
      const types = bodies.map((b) => (JSON.parse(b) as { type: string }).type);
      expect(types).toContain('payment_intent.succeeded');
      expect(run.stdout + run.stderr).not.toContain(secret);

      const unknown = await runCliToEnd(['trigger', 'no_such.thing', '--tenant', 'acme'], { cwd });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('TD_TRIGGER_FAILED');
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 120_000);
});
