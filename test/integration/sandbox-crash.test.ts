import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState, STATE_FILE } from '../../src/adapters/state/sqlite/index.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { propertySeed, rerunHint, seededRandom } from '../helpers/property.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

/** The built state store (`npm run build` first): the child is a real process of its own. */
const STATE_MODULE = fileURLToPath(
  new URL('../../dist/adapters/state/sqlite/index.js', import.meta.url),
);

/** How many kill -9 rounds (TAPEDECK_CRASH_LOOPS to change; the plan's floor is 10). */
const LOOPS = Number(process.env['TAPEDECK_CRASH_LOOPS'] ?? 30);
const TENANT = 'crash';
/** Tracked resources per iteration (`r_<i>_<j>`) and filler ones (`f_<i>_<j>`). */
const TRACKED = 4;
const FILLER = 20;

/**
 * The child: from the iteration after the store's own `last` sequence, forever, begins the
 * idempotency key `k<i>` and applies iteration i's change in one `apply`: creates r_i_0..3 and
 * 20 fillers, deletes r_(i-1)_0 and the previous fillers, updates r_(i-1)_1 (expectVersion 1),
 * tombstones r_(i-1)_2, sets `last` = i, appends event evt_i, completes k<i>. It prints
 * `begun i`, `applying i` and `applied i` (synchronous writes to a pipe on Linux) so the parent
 * can kill it at a chosen moment; `apply` itself runs synchronously right after `applying`.
 */
const CHILD = `
import { openSqliteState } from ${JSON.stringify(STATE_MODULE)};
const [dir, tenant] = [process.argv[1], process.argv[2]];
const state = openSqliteState(dir);
const { resources, idempotency } = state;
const pad = 'x'.repeat(1500);
const item = (i, j, extra = {}) => ({ type: 'items', id: 'r_' + i + '_' + j, value: { iter: i, j, pad, ...extra } });
for (let i = (await resources.sequence(tenant, 'last')) + 1; ; i++) {
  const key = 'k' + i;
  const begun = await idempotency.begin(tenant, key, 'fp' + i, 'POST /v1/items', i, 0);
  if (begun.kind !== 'new') throw new Error('key ' + key + ' was ' + begun.kind);
  process.stdout.write('begun ' + i + '\\n');
  const puts = [];
  for (let j = 0; j < ${TRACKED}; j++) puts.push(item(i, j));
  for (let j = 0; j < ${FILLER}; j++) puts.push({ type: 'fillers', id: 'f_' + i + '_' + j, value: { iter: i, pad } });
  const deletes = [];
  if (i > 1) {
    const p = i - 1;
    deletes.push({ type: 'items', id: 'r_' + p + '_0', expectVersion: 1 });
    puts.push({ ...item(p, 1, { updated: i }), expectVersion: 1 });
    puts.push({ ...item(p, 2), value: { id: 'r_' + p + '_2', deleted: true }, deleted: true, expectVersion: 1 });
    for (let j = 0; j < ${FILLER}; j++) deletes.push({ type: 'fillers', id: 'f_' + p + '_' + j, expectVersion: 1 });
  }
  const change = {
    puts,
    deletes,
    sequences: [{ name: 'last', value: i }],
    events: [{ id: 'evt_' + i, type: 'item.created', at: i, resourceType: 'items', resourceId: 'r_' + i + '_0', data: { iter: i }, idempotencyKeyHash: key }],
    idempotency: { keyHash: key, response: { status: 201, headers: [['x-iter', String(i)]], body: new TextEncoder().encode('{"iter":' + i + '}') } },
    quotas: { resources: 1e9, bytes: 1e12 },
  };
  process.stdout.write('applying ' + i + '\\n');
  const result = await resources.apply(tenant, change, i);
  if (!result.ok) throw new Error('iteration ' + i + ': ' + JSON.stringify(result));
  process.stdout.write('applied ' + i + '\\n');
}
`;

const PHASES = ['begun', 'applying', 'applied'] as const;

/** Runs the child until it prints `<phase> <iteration>`, then kills it with SIGKILL at once. */
function runAndKill(dir: string, phase: string, iteration: number): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--input-type=module', '-e', CHILD, dir, TENANT],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  defer(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  const mark = `${phase} ${iteration}\n`;
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(mark)) child.kill('SIGKILL');
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(out);
      else reject(new Error(`the child exited ${code}: ${err || out}`));
    });
  });
}

interface Row {
  [column: string]: unknown;
}

/** Everything the state file holds, checked row by row after a crash. */
function checkFile(file: string): { completed: number[]; last: number } {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const all = (sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as Row[];
    // Every row parses.
    for (const r of all('SELECT value, bytes FROM resources')) {
      expect(() => JSON.parse(r['value'] as string) as unknown).not.toThrow();
      expect(r['bytes']).toBe(Buffer.byteLength(r['value'] as string));
    }
    for (const r of all('SELECT data FROM events')) JSON.parse(r['data'] as string);
    for (const r of all('SELECT body FROM snapshots')) JSON.parse(r['body'] as string);
    for (const r of all('SELECT headers FROM idempotency_keys WHERE headers IS NOT NULL'))
      JSON.parse(r['headers'] as string);
    for (const r of all('SELECT quotas FROM tenants WHERE quotas IS NOT NULL'))
      JSON.parse(r['quotas'] as string);
    // The usage counters equal the real counts, for every tenant.
    for (const t of all('SELECT id, resource_count, bytes_stored FROM tenants')) {
      const real = db
        .prepare(
          `SELECT COALESCE(SUM(deleted = 0), 0) AS live, COALESCE(SUM(bytes), 0) AS bytes
           FROM resources WHERE tenant = ?`,
        )
        .get(t['id']) as { live: number; bytes: number };
      expect(
        { resources: t['resource_count'], bytes: t['bytes_stored'] },
        `tenant ${String(t['id'])}`,
      ).toEqual({
        resources: real.live,
        bytes: real.bytes,
      });
    }
    const completed = all(
      `SELECT key FROM idempotency_keys WHERE tenant = ? AND status IS NOT NULL ORDER BY begun_at`,
      TENANT,
    ).map((r) => Number((r['key'] as string).slice(1)));
    const last =
      (
        db.prepare(`SELECT value FROM sequences WHERE tenant = ? AND name = 'last'`).get(TENANT) as
          { value: number } | undefined
      )?.value ?? 0;
    // Each completed key's change is whole: its event, its sequence value, its resources as
    // the next iteration left them; and nothing of an iteration whose key is not completed.
    const events = all(
      'SELECT id, idempotency_key_hash AS key FROM events WHERE tenant = ? ORDER BY seq',
      TENANT,
    );
    expect(events.map((e) => e['id'])).toEqual(completed.map((i) => `evt_${i}`));
    expect(events.map((e) => e['key'])).toEqual(completed.map((i) => `k${i}`));
    expect(completed).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    const items = new Map(
      all(
        'SELECT id, version, deleted, value FROM resources WHERE tenant = ? AND type = ?',
        TENANT,
        'items',
      ).map((r) => [r['id'] as string, r]),
    );
    for (let i = 1; i <= last + 1; i++) {
      const shape = [0, 1, 2, 3].map((j) => {
        const r = items.get(`r_${i}_${j}`);
        return r === undefined
          ? 'absent'
          : `v${String(r['version'])}${r['deleted'] === 1 ? ' deleted' : ''}`;
      });
      const want =
        i > last
          ? ['absent', 'absent', 'absent', 'absent']
          : i === last
            ? ['v1', 'v1', 'v1', 'v1']
            : ['absent', 'v2', 'v2 deleted', 'v1'];
      expect(shape, `iteration ${i} of ${last}`).toEqual(want);
    }
    expect(items.size).toBe(last === 0 ? 0 : 3 * (last - 1) + 4);
    const fillers = all(`SELECT id FROM resources WHERE tenant = ? AND type = 'fillers'`, TENANT);
    expect(fillers.length).toBe(last === 0 ? 0 : FILLER);
    return { completed, last };
  } finally {
    db.close();
  }
}

describe('crash safety of the SQLite state (kill -9 while begin + apply loop)', () => {
  it(`leaves all of each change or none, ${LOOPS} kills at seeded moments`, async () => {
    expect(existsSync(STATE_MODULE), 'run `npm run build` first').toBe(true);
    const random = seededRandom(propertySeed());
    const dir = join(tempDir(), 'state');
    const file = join(dir, STATE_FILE);
    {
      const state = openSqliteState(dir);
      const t = { createdAt: 1, lastUsedAt: 1, seedSet: 'empty', clock: { offsetMs: 0 } };
      for (const id of [TENANT, 'bystander'])
        await state.tenants.create(
          { ...t, id, name: id, idSeed: id },
          { hash: `h-${id}`, tenant: id, hint: '…', createdAt: 1 },
        );
      await state.resources.put('bystander', { type: 'items', id: 'r_1_0', value: { mine: true } });
      await state.close();
    }
    let last = 0;
    let killedInFlight = 0;
    for (let loop = 0; loop < LOOPS; loop++) {
      const phase = PHASES[Math.floor(random() * PHASES.length)]!;
      const at = last + 1 + Math.floor(random() * 6);
      await runAndKill(dir, phase, at);
      const state = openSqliteState(dir);
      const before = checkFile(file);
      expect(before.last, `${rerunHint()}; loop ${loop}`).toBeGreaterThanOrEqual(last);
      // In flight: at most the key of the iteration the kill interrupted, released at start-up.
      const released = await state.idempotency.releaseInFlight();
      expect(released).toBeLessThanOrEqual(1);
      killedInFlight += released;
      const db = new Database(file, { readonly: true });
      expect(
        db.prepare('SELECT COUNT(*) AS n FROM idempotency_keys WHERE status IS NULL').get(),
      ).toEqual({ n: 0 });
      db.close();
      expect(await state.resources.get('bystander', 'items', 'r_1_0')).toMatchObject({
        value: { mine: true },
      });
      expect((await state.tenants.get('bystander'))?.usage.resources).toBe(1);
      await state.close();
      last = before.last;
    }
    // The kills did land at different moments: some between begin and commit.
    expect(last).toBeGreaterThan(LOOPS / 2);
    expect(killedInFlight, rerunHint()).toBeGreaterThan(0);
  }, 120_000);
});
