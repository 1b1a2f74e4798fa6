/**
 * Ids the sandbox makes up are unique per tenant even when two servers share one state file
 * (a second `tapedeck sandbox` on the same state directory): each server reserves id counters
 * in blocks (app/layers/state.ts), and no block is handed out twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

describe('made-up ids with two servers on one state file', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tapedeck-ids-'));
  let first: RunningSandbox;
  let second: RunningSandbox;
  let key: string;

  beforeAll(async () => {
    first = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe', stateDir });
    second = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe', stateDir });
    key = await first.createTenant('acme');
  }, 60_000);
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const client = (sandbox: RunningSandbox) =>
    new Stripe(key, {
      apiVersion: '2020-08-27',
      host: '127.0.0.1',
      port: sandbox.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });

  it('never repeats an id, whichever server creates, concurrently or not', async () => {
    const a = client(first);
    const b = client(second);
    const ids: string[] = [];
    // Rounds of concurrent creates on both servers, more than one block of counters each.
    for (let round = 0; round < 12; round++) {
      const created = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? a : b).customers.create({ metadata: { round: String(round) } }),
        ),
      );
      ids.push(...created.map((c) => c.id));
    }
    expect(ids).toHaveLength(96);
    expect(new Set(ids).size).toBe(96);
    for (const id of ids) expect(id).toMatch(/^cus_[0-9A-Za-z]{14}$/);
    // Both servers read every one of them from the shared state.
    const listed = await b.customers.list({ limit: 100 }).autoPagingToArray({ limit: 200 });
    expect(new Set(listed.map((c) => c.id))).toEqual(new Set(ids));
  }, 60_000);
});
