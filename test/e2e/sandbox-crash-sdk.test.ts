/**
 * Crash safety through the real thing: the built `tapedeck sandbox` in a child process, the Stripe
 * SDK sending idempotent creates (its own retries on), the child killed with SIGKILL at a seeded
 * moment while requests are in flight, then started again on the same state directory. Whatever
 * the moment, every key ends with exactly one customer: a key completed before the kill replays
 * its customer, one that never reached the store runs anew, none runs twice. (A kill landing
 * between a key's claim and its commit is rare here; sandbox-wiring.test.ts proves that such a
 * key is released at the next start.)
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { runCli, runCliToEnd, type CliRun } from '../helpers/cli.js';
import { propertySeed, rerunHint, seededRandom } from '../helpers/property.js';
import { stripeSpecFile } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const LOOPS = Number(process.env['TAPEDECK_CRASH_SDK_LOOPS'] ?? 5);
const BATCH = 8;

async function startSandbox(cwd: string): Promise<{ run: CliRun; port: number }> {
  const run = runCli(['sandbox', '--port', '0', '--json'], { cwd });
  const m = await run.waitFor(/"url":"(http:\/\/[^"]+)"/, 60_000);
  return { run, port: Number(new URL(m[1]!).port) };
}

function sdk(key: string, port: number): Stripe {
  return new Stripe(key, {
    apiVersion: '2020-08-27',
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 2,
    telemetry: false,
  });
}

describe('tapedeck sandbox killed mid-request (built CLI, Stripe SDK)', () => {
  it(`every idempotency key ends with one customer, over ${LOOPS} kills`, async () => {
    const cwd = tempDir('tapedeck-sandbox-crash-');
    copyFileSync(stripeSpecFile(), join(cwd, 'stripe.json'));
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      JSON.stringify({ sandbox: { spec: 'stripe.json', profile: 'stripe' } }),
    );
    const created = await runCliToEnd(['tenants', 'create', 'acme', '--json'], { cwd });
    expect(created.code, created.stderr).toBe(0);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const random = seededRandom(propertySeed());
    /** Key → the customer it made, as first seen by the SDK. */
    const made = new Map<string, string>();

    for (let loop = 0; loop < LOOPS; loop++) {
      const { run, port } = await startSandbox(cwd);
      const stripe = sdk(key, port);
      const keys = Array.from({ length: BATCH }, (_, i) => `crash-${loop}-${i}`);
      // Killed once this many answers arrived: 0 (before any) to BATCH - 1.
      const killAfter = Math.floor(random() * BATCH);
      let answered = 0;
      let killed = false;
      const kill = () => {
        if (!killed) {
          killed = true;
          run.child.kill('SIGKILL');
        }
      };
      if (killAfter === 0) kill();
      const outcomes = await Promise.allSettled(
        keys.map(async (k) => {
          const customer = await stripe.customers.create(
            { email: `${k}@example.com` },
            { idempotencyKey: k },
          );
          if (++answered >= killAfter) kill();
          return customer.id;
        }),
      );
      kill();
      await run.exited;
      outcomes.forEach((o, i) => {
        if (o.status === 'fulfilled') made.set(keys[i]!, o.value);
      });

      // Started again on the same state directory: the same requests, the same keys.
      const again = await startSandbox(cwd);
      try {
        const retry = sdk(key, again.port);
        for (const k of keys) {
          const customer = await retry.customers.create(
            { email: `${k}@example.com` },
            { idempotencyKey: k },
          );
          const before = made.get(k);
          if (before !== undefined) expect(customer.id, `${k} ${rerunHint()}`).toBe(before);
          made.set(k, customer.id);
        }
        const all = await retry.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
        expect(new Set(all.map((c) => c.id)), rerunHint()).toEqual(new Set(made.values()));
        expect(all, rerunHint()).toHaveLength(made.size);
      } finally {
        again.run.child.kill('SIGINT');
        expect(await again.run.exited).toBe(0);
      }
    }
    expect(made.size).toBe(LOOPS * BATCH);
  }, 180_000);
});
