import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState, type SqliteState } from '../../src/adapters/state/sqlite/index.js';
import type { WebhookAttempt } from '../../src/core/ports/index.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

/**
 * The built state store (`npm run build` first, as for the other multi-connection tests): each
 * worker thread opens the state file on a connection of its own and claims, on its own thread,
 * while the other does, so their transactions really interleave on the file.
 */
const STATE_MODULE = pathToFileURL(
  fileURLToPath(new URL('../../dist/adapters/state/sqlite/index.js', import.meta.url)),
).href;

/**
 * A claimer: opens `dir`, says it is ready, and on "go" claims a few due deliveries at a time
 * as `owner` and settles each one delivered, until nothing is left to claim; answers what it
 * claimed and what each settle answered.
 */
const CLAIMER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { openSqliteState } = await import(workerData.module);
  const state = openSqliteState(workerData.dir);
  parentPort.postMessage({ ready: true });
  await new Promise((go) => parentPort.once('message', go));
  const claimed = [];
  const settled = [];
  for (;;) {
    const got = await state.webhooks.claimDue(workerData.tenant, {
      now: 1_000, realNow: 5_000, owner: workerData.owner, leaseMs: 60_000, limit: workerData.limit,
    });
    if (got.length === 0) break;
    for (const c of got) {
      claimed.push(c.delivery.id);
      settled.push(await state.webhooks.settle(workerData.tenant, c.delivery.id, workerData.owner, {
        n: c.delivery.attempts + 1, at: 1_000, sentAt: 5_000, outcome: 'delivered', status: 200,
        latencyMs: 1, manual: false,
      }, { status: 'delivered' }));
    }
  }
  await state.close();
  parentPort.postMessage({ claimed, settled });
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

interface ClaimerReport {
  readonly claimed: string[];
  readonly settled: boolean[];
}

function startClaimer(dir: string, owner: string, limit: number) {
  const worker = new Worker(CLAIMER, {
    eval: true,
    workerData: { module: STATE_MODULE, dir, tenant: 't1', owner, limit },
  });
  defer(() => worker.terminate());
  const messages: unknown[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m: unknown) => {
    messages.push(m);
    wake?.();
  });
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) {
      const arrived = new Promise<void>((resolve) => (wake = resolve));
      const failed = once(worker, 'error').then(([e]) => {
        throw e as Error;
      });
      await Promise.race([arrived, failed]);
    }
    const m = messages.shift() as { error?: string };
    if (m.error !== undefined) throw new Error(`claimer ${owner}: ${m.error}`);
    return m;
  };
  return { worker, next };
}

const endpoint = (id: string) => ({
  id,
  url: `http://127.0.0.1:9/${id}`,
  events: null,
  status: 'enabled' as const,
  secrets: [{ secret: `whsec_${id}`, createdAt: 0 }],
  sinceSeq: 0,
  createdAt: 0,
});

/** Fans `n` events out to endpoints we_1 and we_2 of t1, all due at `dueAt`. */
async function fanOutMany(state: SqliteState, n: number, dueAt = 0): Promise<string[]> {
  const afterSeq = await state.webhooks.cursor('t1');
  const events = Array.from({ length: n }, (_, i) => `evt_${afterSeq + i}`);
  const deliveries = events.flatMap((e) =>
    ['we_1', 'we_2'].map((ep) => ({ id: `dlv_${ep}_${e}`, endpoint: ep, eventId: e, dueAt })),
  );
  expect(
    await state.webhooks.fanOut('t1', {
      afterSeq,
      toSeq: afterSeq + n,
      messages: events.map((e) => ({
        eventId: e,
        type: 'customer.created',
        payload: `{"id":"${e}"}`,
      })),
      deliveries,
    }),
  ).toBe(true);
  return deliveries.map((d) => d.id);
}

const attempt = (n: number, outcome: WebhookAttempt['outcome']): WebhookAttempt => ({
  n,
  at: 1_000,
  sentAt: 5_000,
  outcome,
  latencyMs: 1,
  manual: false,
});

function open(dir: string): SqliteState {
  const state = openSqliteState(dir);
  defer(() => state.close());
  return state;
}

describe('webhook deliveries claimed from one state file by two connections', () => {
  it('two threads claiming at once take each due delivery exactly once', async () => {
    const dir = tempDir();
    const setup = open(dir);
    for (const id of ['we_1', 'we_2']) await setup.webhooks.addEndpoint('t1', endpoint(id));
    const all = await fanOutMany(setup, 150);
    await setup.close();

    const claimers = [startClaimer(dir, 'srv_a', 3), startClaimer(dir, 'srv_b', 2)];
    for (const c of claimers) await c.next();
    for (const c of claimers) c.worker.postMessage('go');
    const reports = (await Promise.all(claimers.map((c) => c.next()))) as ClaimerReport[];

    const claimed = reports.flatMap((r) => r.claimed);
    expect(claimed).toHaveLength(all.length);
    expect(new Set(claimed)).toEqual(new Set(all));
    // Every claim was its owner's to settle: no lease was taken from under anyone.
    for (const r of reports) expect(r.settled.every((s) => s)).toBe(true);

    const after = open(dir);
    for (const id of all) {
      const got = await after.webhooks.getDelivery('t1', id);
      expect(got?.delivery).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(got?.attempts).toHaveLength(1);
    }
    expect(await after.webhooks.tenantsWithWork(10)).toEqual([]);
  });

  it('hands an expired lease to the other connection and refuses the stale owner its settle', async () => {
    const dir = tempDir();
    const [first, second] = [open(dir), open(dir)];
    await first.webhooks.addEndpoint('t1', endpoint('we_1'));
    await first.webhooks.addEndpoint('t1', endpoint('we_2'));
    const [id] = await fanOutMany(first, 1);
    const q = { now: 1_000, leaseMs: 100, limit: 1 };
    const mine = await first.webhooks.claimDue('t1', { ...q, realNow: 5_000, owner: 'srv_a' });
    expect(mine.map((c) => c.delivery.id)).toEqual([id]);
    // Still leased on the other connection: it gets the next one, not this one.
    const other = await second.webhooks.claimDue('t1', { ...q, realNow: 5_099, owner: 'srv_b' });
    expect(other.map((c) => c.delivery.id)).not.toContain(id);
    expect(await second.webhooks.redeliver('t1', id!, 2_000)).toBe('in-flight');
    // srv_a stalls past its lease; srv_b takes the delivery over.
    const taken = await second.webhooks.claimDue('t1', { ...q, realNow: 5_100, owner: 'srv_b' });
    expect(taken.map((c) => c.delivery.id)).toEqual([id]);
    expect(
      await first.webhooks.settle('t1', id!, 'srv_a', attempt(1, 'delivered'), {
        status: 'delivered',
      }),
    ).toBe(false);
    expect(
      await second.webhooks.settle('t1', id!, 'srv_b', attempt(1, 'delivered'), {
        status: 'delivered',
      }),
    ).toBe(true);
    expect(await first.webhooks.getDelivery('t1', id!)).toMatchObject({
      delivery: { status: 'delivered', attempts: 1 },
      attempts: [attempt(1, 'delivered')],
    });
  });

  it('refuses the fan-out of a connection whose cursor another has moved', async () => {
    const dir = tempDir();
    const [first, second] = [open(dir), open(dir)];
    await first.webhooks.addEndpoint('t1', endpoint('we_1'));
    const read = await Promise.all([first.webhooks.cursor('t1'), second.webhooks.cursor('t1')]);
    expect(read).toEqual([0, 0]);
    const change = (server: string) => ({
      afterSeq: 0,
      toSeq: 1,
      messages: [{ eventId: 'evt_1', type: 'customer.created', payload: `{"by":"${server}"}` }],
      deliveries: [{ id: `dlv_${server}`, endpoint: 'we_1', eventId: 'evt_1', dueAt: 0 }],
    });
    const results = await Promise.all([
      second.webhooks.fanOut('t1', change('b')),
      first.webhooks.fanOut('t1', change('a')),
    ]);
    expect(results).toEqual([true, false]);
    expect((await first.webhooks.listDeliveries('t1', { limit: 10 })).map((d) => d.id)).toEqual([
      'dlv_b',
    ]);
    const [claimed] = await first.webhooks.claimDue('t1', {
      now: 0,
      realNow: 0,
      owner: 'srv_a',
      leaseMs: 1,
      limit: 10,
    });
    expect(claimed?.payload).toBe('{"by":"b"}');
    expect(await first.webhooks.cursor('t1')).toBe(1);
  });

  it('keeps pending work, the cursor and the attempts when the file is closed and opened again', async () => {
    const dir = tempDir();
    const first = openSqliteState(dir);
    await first.webhooks.addEndpoint('t1', endpoint('we_1'));
    await first.webhooks.addEndpoint('t1', endpoint('we_2'));
    const ids = await fanOutMany(first, 2, 500);
    const q = { now: 500, realNow: 5_000, leaseMs: 1_000, limit: 1 };
    const [c] = await first.webhooks.claimDue('t1', { ...q, owner: 'srv_a' });
    await first.webhooks.settle('t1', c!.delivery.id, 'srv_a', attempt(1, 'retry'), {
      status: 'pending',
      nextAttemptAt: 800,
    });
    // Leased when the process goes away: claimable once the lease has run out.
    await first.webhooks.claimDue('t1', { ...q, owner: 'srv_a' });
    await first.close();

    const again = open(dir);
    expect(await again.webhooks.cursor('t1')).toBe(2);
    expect(await again.webhooks.tenantsWithWork(10)).toEqual(['t1']);
    const pending = await again.webhooks.listDeliveries('t1', { limit: 10, status: 'pending' });
    expect(pending.map((d) => d.id).sort()).toEqual([...ids].sort());
    const early = await again.webhooks.claimDue('t1', {
      ...q,
      realNow: 5_999,
      owner: 'srv_b',
      limit: 10,
    });
    expect(early.map((d) => d.delivery.id)).toEqual(ids.slice(2));
    const late = await again.webhooks.claimDue('t1', {
      ...q,
      now: 800,
      realNow: 6_000,
      owner: 'srv_b',
      limit: 10,
    });
    expect(late.map((d) => d.delivery.id)).toEqual([ids[1], ids[0]]);
    expect((await again.webhooks.getDelivery('t1', ids[0]!))?.attempts).toEqual([
      attempt(1, 'retry'),
    ]);
  });
});
