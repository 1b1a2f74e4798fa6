import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteState, STATE_FILE } from '../../src/adapters/state/sqlite/index.js';
import { MIGRATIONS, type Migration } from '../../src/adapters/state/sqlite/migrations.js';
import { TapedeckError } from '../../src/core/errors.js';
import { defer } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';
import { journalEntry, withoutSeq } from './journal-store.contract.js';
import { webhookEndpoint } from './webhook-store.contract.js';

const LATEST = MIGRATIONS.at(-1)!.version;

/** The file's version and table names, read behind tapedeck's back. */
function inspect(file: string): { version: number; tables: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }) as number,
      tables: (
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
          name: string;
        }[]
      ).map((r) => r.name),
    };
  } finally {
    db.close();
  }
}

function raw(file: string, sql: string): void {
  const db = new Database(file);
  db.exec(sql);
  db.close();
}

function openFails(dir: string, migrations?: readonly Migration[]): TapedeckError {
  try {
    const state = openSqliteState(dir, migrations === undefined ? {} : { migrations });
    defer(() => state.close());
  } catch (error) {
    expect(error).toBeInstanceOf(TapedeckError);
    return error as TapedeckError;
  }
  throw new Error('opened, but should have failed');
}

describe('SQLite state: schema migrations', () => {
  it('numbers its steps 1, 2, 3 … with no gap', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('creates a new file at the latest version, in WAL mode, one file per state directory', async () => {
    const dir = tempDir();
    const state = openSqliteState(join(dir, 'nested'));
    expect(state.file).toBe(join(dir, 'nested', STATE_FILE));
    await state.close();
    expect(inspect(state.file)).toEqual({
      version: LATEST,
      tables: [
        'drift_findings',
        'events',
        'idempotency_keys',
        'journal',
        'outbox',
        'readiness_signoffs',
        'resources',
        'scenario_arms',
        'scenario_counters',
        'sequences',
        'snapshots',
        'tenant_keys',
        'tenants',
        'usage',
        'webhook_attempts',
        'webhook_cursors',
        'webhook_deliveries',
        'webhook_endpoints',
        'webhook_messages',
      ],
    });
    const db = new Database(state.file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('adopts a file written before numbered migrations, keeping its journal and drift history', async () => {
    const dir = tempDir();
    const file = join(dir, STATE_FILE);
    // The schema tapedeck wrote before this change, with its `meta` version row.
    raw(
      file,
      `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       INSERT INTO meta VALUES ('schema', '1');
       CREATE TABLE journal (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, session TEXT NOT NULL,
         method TEXT NOT NULL, path TEXT NOT NULL, layer TEXT NOT NULL, status INTEGER NOT NULL,
         cassette TEXT, position INTEGER, duration_ms REAL NOT NULL);
       INSERT INTO journal(at, session, method, path, layer, status, cassette, position, duration_ms)
         VALUES (1700000000000, '', 'GET', '/p/0', 'miss', 200, NULL, NULL, 0.5);
       CREATE TABLE drift_findings (fingerprint TEXT PRIMARY KEY, first_seen INTEGER NOT NULL,
         last_seen INTEGER NOT NULL, times_seen INTEGER NOT NULL);
       INSERT INTO drift_findings VALUES ('fp', 1000, 1000, 1);`,
    );
    const state = openSqliteState(dir);
    defer(() => state.close());
    expect(withoutSeq(await state.journal.query({ limit: 5 }))).toEqual([journalEntry(0)]);
    expect((await state.driftHistory.record(['fp'], 5000)).get('fp')).toBe(1000);
    await state.close();
    expect(inspect(file).version).toBe(LATEST);
    expect(inspect(file).tables).not.toContain('meta');
  });

  it('leaves the old version and the old tables when a step fails midway', async () => {
    const dir = tempDir();
    const file = join(dir, STATE_FILE);
    await openSqliteState(dir).close();
    const before = inspect(file);
    const failing: Migration = {
      version: LATEST + 1,
      name: 'fails after changing things',
      up(db) {
        db.exec('CREATE TABLE half_done (a TEXT); DROP TABLE journal;');
        throw new Error('crash in the middle of a step');
      },
    };
    const error = openFails(dir, [...MIGRATIONS, failing]);
    expect(error.code).toBe('TD_STATE_STORE_FAILED');
    expect(error.message).toContain('crash in the middle of a step');
    expect(inspect(file)).toEqual(before);
  });

  it('applies all pending steps in one transaction: a fresh file stays empty when the last fails', () => {
    const dir = tempDir();
    const failing: Migration = {
      version: LATEST + 1,
      name: 'fails',
      up() {
        throw new Error('no');
      },
    };
    openFails(dir, [...MIGRATIONS, failing]);
    expect(inspect(join(dir, STATE_FILE))).toEqual({ version: 0, tables: [] });
  });

  it('refuses a file written by a newer tapedeck with TD_STATE_SCHEMA_NEWER, and leaves it alone', () => {
    const dir = tempDir();
    const file = join(dir, STATE_FILE);
    raw(file, `CREATE TABLE from_the_future (x TEXT); PRAGMA user_version = ${LATEST + 5};`);
    const error = openFails(dir);
    expect(error.code).toBe('TD_STATE_SCHEMA_NEWER');
    expect(error.message).toContain(file);
    expect(error.message).toContain(`schema version ${LATEST + 5}`);
    expect(error.message).toContain(`versions up to ${LATEST}`);
    expect(error.hint).toMatch(/tapedeck version that wrote it.*stateDir/);
    expect(error.details).toEqual({ file, found: LATEST + 5, supported: LATEST });
    expect(inspect(file)).toEqual({ version: LATEST + 5, tables: ['from_the_future'] });
    // Not even switched to WAL: the file is byte-for-byte what the newer tapedeck left.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
  });
});

describe('SQLite state: migration 3 (the sandbox)', () => {
  const V2 = MIGRATIONS.slice(0, 2);

  /** A state file at version 2 with two tenants (one name twice), resources and a key. */
  async function v2File(): Promise<{ dir: string; file: string }> {
    const dir = tempDir();
    await openSqliteState(dir, { migrations: V2 }).close();
    const file = join(dir, STATE_FILE);
    raw(
      file,
      `INSERT INTO tenants(id, name, key_hash, created_at) VALUES ('t1', 'acme', 'hash-1', 1000), ('t2', 'acme', 'hash-2', 2000);
       INSERT INTO resources(tenant, type, id, value) VALUES ('t1', 'customers', 'cus_1', '{"id":"cus_1","name":"é"}'),
         ('t1', 'customers', 'cus_2', '{}');
       INSERT INTO idempotency_keys(tenant, key, fingerprint, begun_at) VALUES ('t1', 'k', 'fp', 1000);
       INSERT INTO journal(at, session, method, path, layer, status, duration_ms) VALUES (1, '', 'GET', '/', 'miss', 404, 1);`,
    );
    expect(inspect(file).version).toBe(2);
    return { dir, file };
  }

  it('migrates a v2 file: its tenants keep their ids, their key hashes still resolve, usage is counted', async () => {
    const { dir, file } = await v2File();
    const state = openSqliteState(dir);
    defer(() => state.close());
    const t1 = await state.tenants.resolveKey('hash-1', 5000);
    expect(t1).toEqual({
      id: 't1',
      name: 'acme',
      createdAt: 1000,
      lastUsedAt: 1000,
      seedSet: 'recordings',
      idSeed: 't1',
      clock: { offsetMs: 0 },
      usage: { resources: 2, bytes: Buffer.byteLength('{"id":"cus_1","name":"é"}') + 2 },
    });
    // v2 names were not unique; v3's are: the later tenant's name gets its id.
    expect((await state.tenants.resolveKey('hash-2', 5000))?.name).toBe('acme (t2)');
    expect(await state.tenants.listKeys('t1')).toEqual([
      { hash: 'hash-1', tenant: 't1', hint: '(migrated)', createdAt: 1000 },
    ]);
    expect(await state.resources.get('t1', 'customers', 'cus_1')).toEqual({
      type: 'customers',
      id: 'cus_1',
      value: { id: 'cus_1', name: 'é' },
      version: 1,
    });
    expect(
      await state.resources.apply(
        't1',
        {
          puts: [{ type: 'customers', id: 'cus_2', value: { a: 1 }, expectVersion: 1 }],
          deletes: [],
        },
        1,
      ),
    ).toEqual({ ok: true });
    expect(await state.idempotency.begin('t1', 'k', 'other', 'POST /x', 2000, 0)).toEqual({
      kind: 'mismatch',
      endpoint: '',
    });
    expect((await state.journal.query({ limit: 1 }))[0]).not.toHaveProperty('tenant');
    await state.close();
    expect(inspect(file).version).toBe(LATEST);
  });

  it('is one transaction: a failure late in step 3 leaves the v2 tables and rows as they were', async () => {
    const { dir, file } = await v2File();
    const before = inspect(file);
    const rows = () => {
      const db = new Database(file, { readonly: true });
      try {
        return ['tenants', 'resources', 'idempotency_keys', 'journal'].map((t) =>
          db.prepare(`SELECT * FROM ${t}`).all(),
        );
      } finally {
        db.close();
      }
    };
    const data = rows();
    const step3 = MIGRATIONS[2]!;
    const failing: Migration = {
      ...step3,
      up(db) {
        step3.up(db);
        throw new Error('crash at the end of step 3');
      },
    };
    const error = openFails(dir, [...V2, failing]);
    expect(error.message).toContain('crash at the end of step 3');
    expect(inspect(file)).toEqual(before);
    expect(rows()).toEqual(data);
    // And the real step then runs on the untouched file.
    const state = openSqliteState(dir);
    defer(() => state.close());
    expect((await state.tenants.resolveKey('hash-1', 1))?.id).toBe('t1');
  });
});

describe('SQLite state: failures', () => {
  it('fails with TD_STATE_STORE_FAILED and a next step when the file cannot be opened', () => {
    const dir = tempDir();
    const error = openFails(join(dir, 'state.db', 'x', '\u0000bad'));
    expect(error.code).toBe('TD_STATE_STORE_FAILED');
    expect(error.hint).toContain('stateDir');
  });

  it('rejects with TD_STATE_STORE_FAILED naming the file once the state is closed', async () => {
    const dir = tempDir();
    const state = openSqliteState(dir);
    await state.close();
    await state.close();
    for (const pending of [
      state.journal.append([journalEntry(0)]),
      state.driftHistory.record(['fp'], 1),
      state.tenants.list(),
      state.resources.snapshot('t1'),
      state.idempotency.begin('t1', 'k', 'fp', 'POST /x', 1, 0),
      state.webhooks.claimDue('t1', { now: 1, realNow: 1, owner: 'o', leaseMs: 1, limit: 1 }),
      state.webhooks.addEndpoint('t1', webhookEndpoint('we_1')),
      state.events.list('t1', 0, 1),
      state.usage.add('t1', 1, 1),
      state.resources.page('t1', { type: 'customers', order: 'desc', limit: 1 }),
      state.resources.apply('t1', { puts: [], deletes: [] }, 1),
      state.tenants.resolveKey('h', 1),
    ]) {
      await expect(pending).rejects.toMatchObject({
        code: 'TD_STATE_STORE_FAILED',
        message: expect.stringContaining(state.file) as string,
      });
    }
    expect(existsSync(state.file)).toBe(true);
  });
});

describe('SQLite state: two processes on one file', () => {
  // Replicas of one sandbox share the state file: the key is claimed by the database, not by
  // one process's memory. Two connections stand in for two processes.
  it('lets exactly one of two connections claim an idempotency key', async () => {
    const dir = tempDir();
    const first = openSqliteState(dir);
    const second = openSqliteState(dir);
    defer(() => first.close());
    defer(() => second.close());
    const results = await Promise.all([
      first.idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0),
      second.idempotency.begin('t1', 'k', 'fp', 'POST /x', 1000, 0),
    ]);
    expect(results.map((r) => r.kind).sort()).toEqual(['in-flight', 'new']);
    expect(await second.idempotency.begin('t1', 'k', 'other', 'POST /x', 1001, 0)).toEqual({
      kind: 'mismatch',
      endpoint: 'POST /x',
    });
  });

  it('refuses a change made on a version another connection has moved on from', async () => {
    const dir = tempDir();
    const first = openSqliteState(dir);
    const second = openSqliteState(dir);
    defer(() => first.close());
    defer(() => second.close());
    await first.tenants.create(
      {
        id: 't1',
        name: 't1',
        createdAt: 1,
        lastUsedAt: 1,
        seedSet: 'empty',
        idSeed: 's',
        clock: { offsetMs: 0 },
      },
      { hash: 'h', tenant: 't1', hint: '…', createdAt: 1 },
    );
    const put = { type: 'customers', id: 'cus_1', value: { n: 1 } };
    const created = await Promise.all([
      first.resources.apply('t1', { puts: [put], deletes: [] }, 1),
      second.resources.apply('t1', { puts: [put], deletes: [] }, 1),
    ]);
    expect(created.map((r) => r.ok).sort()).toEqual([false, true]);
    // Both read version 1; the second writes first; the first's write is then a conflict.
    const seen = (await first.resources.get('t1', 'customers', 'cus_1'))!.version!;
    expect(
      await second.resources.apply(
        't1',
        { puts: [{ ...put, value: { n: 2 }, expectVersion: seen }], deletes: [] },
        2,
      ),
    ).toEqual({ ok: true });
    expect(
      await first.resources.apply(
        't1',
        { puts: [{ ...put, value: { n: 3 }, expectVersion: seen }], deletes: [] },
        2,
      ),
    ).toEqual({ ok: false, reason: 'conflict', type: 'customers', id: 'cus_1' });
    expect((await first.resources.get('t1', 'customers', 'cus_1'))?.value).toEqual({ n: 2 });
    expect((await first.tenants.get('t1'))?.usage.resources).toBe(1);
  });
});
