/**
 * Migration 7 makes `webhook_deliveries` again (SQLite drops no table constraint) so a probe can
 * deliver an event an endpoint already got. A state file written by the previous tapedeck (v6)
 * has deliveries in every state — delivered, failed, pending with a lease, a manual redelivery —
 * and their attempts: every row must come through unchanged, the stores must read them back, the
 * one-delivery-per-event-and-endpoint rule must still hold for fan-out, and a probe must fit.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteState, STATE_FILE } from '../../src/adapters/state/sqlite/index.js';
import { MIGRATIONS } from '../../src/adapters/state/sqlite/migrations.js';
import { defer } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';

const V6 = MIGRATIONS.slice(0, 6);

function rows(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** A v6 file with two tenants, endpoints, messages, four deliveries of t1, one of t2, attempts. */
async function v6File(): Promise<{ dir: string; file: string }> {
  const dir = tempDir();
  await openSqliteState(dir, { migrations: V6 }).close();
  const file = join(dir, STATE_FILE);
  const db = new Database(file);
  const secrets = JSON.stringify([{ secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=', createdAt: 1 }]);
  db.exec(`
    INSERT INTO webhook_endpoints(tenant, id, url, events, status, secrets, since_seq, created_at, description)
      VALUES ('t1', 'we_1', 'http://127.0.0.1:9/hooks', NULL, 'enabled', '${secrets}', 0, 10, 'orders'),
             ('t1', 'we_2', 'http://127.0.0.1:9/other', '["widget.*"]', 'disabled', '${secrets}', 0, 11, NULL),
             ('t2', 'we_1', 'http://127.0.0.1:9/t2', NULL, 'enabled', '${secrets}', 0, 12, NULL);
    INSERT INTO webhook_messages(tenant, event_id, type, payload)
      VALUES ('t1', 'evt_1', 'widget.created', '{"id":"evt_1"}'),
             ('t1', 'evt_2', 'widget.updated', '{"id":"evt_2"}'),
             ('t2', 'evt_9', 'widget.created', '{"id":"evt_9"}');
    INSERT INTO webhook_deliveries(seq, tenant, id, endpoint, url, event_id, event_type, status,
        attempts, next_attempt_at, lease_owner, lease_until, manual, created_at, probe)
      VALUES (3, 't1', 'dlv_a', 'we_1', 'http://127.0.0.1:9/hooks', 'evt_1', 'widget.created', 'delivered', 2, NULL, NULL, NULL, 0, 100, NULL),
             (7, 't1', 'dlv_b', 'we_1', 'http://127.0.0.1:9/hooks', 'evt_2', 'widget.updated', 'pending', 1, 5000, 'srv_1', 9000, 1, 200, NULL),
             (8, 't1', 'dlv_c', 'we_2', 'http://127.0.0.1:9/other', 'evt_1', 'widget.created', 'failed', 5, NULL, NULL, NULL, 0, 100, NULL),
             (12, 't1', 'dlv_d', 'we_2', 'http://127.0.0.1:9/other', 'evt_2', 'widget.updated', 'abandoned', 0, NULL, NULL, NULL, 0, 200, NULL),
             (13, 't2', 'dlv_e', 'we_1', 'http://127.0.0.1:9/t2', 'evt_9', 'widget.created', 'delivered', 1, NULL, NULL, NULL, 0, 300, NULL);
    INSERT INTO webhook_attempts(tenant, delivery, n, at, sent_at, outcome, status, latency_ms, error, excerpt, next_attempt_at, manual)
      VALUES ('t1', 'dlv_a', 1, 100, 1100, 'retry', 500, 12.5, NULL, 'oops', 400, 0),
             ('t1', 'dlv_a', 2, 400, 1400, 'delivered', 200, 3, NULL, NULL, NULL, 0),
             ('t1', 'dlv_b', 1, 200, 1200, 'retry', NULL, 10000, 'timeout', NULL, 5000, 1),
             ('t1', 'dlv_c', 5, 900, 1900, 'exhausted', 503, 4, NULL, NULL, NULL, 0),
             ('t2', 'dlv_e', 1, 300, 1300, 'delivered', 204, 1, NULL, NULL, NULL, 0);
  `);
  db.close();
  return { dir, file };
}

describe('SQLite state: migration 7 (probes)', () => {
  it('keeps every delivery and attempt of a v6 file, with their seq, and the stores read them back', async () => {
    const { dir, file } = await v6File();
    const deliveries = 'SELECT * FROM webhook_deliveries ORDER BY seq';
    const attempts = 'SELECT * FROM webhook_attempts ORDER BY seq';
    const endpoints = 'SELECT * FROM webhook_endpoints ORDER BY seq';
    const before = [rows(file, deliveries), rows(file, attempts), rows(file, endpoints)];
    expect(before[0]).toHaveLength(5);

    const state = openSqliteState(dir);
    defer(() => state.close());
    expect(rows(file, 'PRAGMA user_version')).toEqual([{ user_version: 7 }]);
    expect([rows(file, deliveries), rows(file, attempts), rows(file, endpoints)]).toEqual(before);
    // The indexes the table had are made again with it.
    const indexes = rows(
      file,
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'webhook_deliveries'
       AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name`,
    );
    expect(indexes).toEqual([
      { name: 'webhook_deliveries_due' },
      { name: 'webhook_deliveries_made' },
    ]);

    expect(await state.webhooks.getDelivery('t1', 'dlv_a')).toEqual({
      delivery: {
        id: 'dlv_a',
        endpoint: 'we_1',
        url: 'http://127.0.0.1:9/hooks',
        eventId: 'evt_1',
        eventType: 'widget.created',
        status: 'delivered',
        attempts: 2,
        createdAt: 100,
      },
      attempts: [
        {
          n: 1,
          at: 100,
          sentAt: 1100,
          outcome: 'retry',
          status: 500,
          latencyMs: 12.5,
          excerpt: 'oops',
          nextAttemptAt: 400,
          manual: false,
        },
        {
          n: 2,
          at: 400,
          sentAt: 1400,
          outcome: 'delivered',
          status: 200,
          latencyMs: 3,
          manual: false,
        },
      ],
    });
    expect((await state.webhooks.listDeliveries('t1', { limit: 10 })).map((d) => d.id)).toEqual([
      'dlv_d',
      'dlv_c',
      'dlv_b',
      'dlv_a',
    ]);
    expect((await state.webhooks.listDeliveries('t2', { limit: 10 })).map((d) => d.id)).toEqual([
      'dlv_e',
    ]);
  });

  it('still refuses a second fan-out delivery of one event to one endpoint, and takes a probe of it', async () => {
    const { dir, file } = await v6File();
    const state = openSqliteState(dir);
    defer(() => state.close());
    // A probe of t1's newest delivered delivery (dlv_a: dlv_b is pending, we_2 is disabled).
    const probe = await state.webhooks.addProbe('t1', { id: 'dlv_p', kind: 'duplicate', at: 600 });
    expect(probe).toMatchObject({
      id: 'dlv_p',
      endpoint: 'we_1',
      eventId: 'evt_1',
      probe: 'duplicate',
    });
    const db = new Database(file);
    defer(() => db.close());
    expect(() =>
      db.exec(`INSERT INTO webhook_deliveries(tenant, id, endpoint, url, event_id, event_type,
          status, attempts, created_at) VALUES ('t1', 'dlv_x', 'we_1', 'u', 'evt_1', 't', 'pending', 0, 1)`),
    ).toThrow(/UNIQUE constraint failed/);
    // The seq keeps counting after the highest kept one: newest first stays newest first.
    expect(rows(file, `SELECT seq FROM webhook_deliveries WHERE id = 'dlv_p'`)).toEqual([
      { seq: 14 },
    ]);
  });
});
