/**
 * `tapedeck webhooks` as a tester meets it (built CLI: `npx tsc -p tsconfig.build.json` first):
 * add, list, rotate and delete an endpoint on the state directory `tapedeck tenants` made. The
 * secret is printed by add and rotate only, and never by a listing.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
