import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { openMemoryState } from '../../src/adapters/state/memory/index.js';
import { openSqliteState, type SqliteState } from '../../src/adapters/state/sqlite/index.js';
import type { RuntimeState } from '../../src/core/ports/index.js';
import { propertySeed } from '../helpers/property.js';
import { tempDir } from '../helpers/tmp.js';
import { driftHistoryContract } from './drift-history.contract.js';
import { eventStoreContract } from './event-store.contract.js';
import { idempotencyStoreContract } from './idempotency-store.contract.js';
import { isolationContract } from './isolation.contract.js';
import { journalStoreContract } from './journal-store.contract.js';
import { readinessStoreContract } from './readiness-store.contract.js';
import { resourceStoreContract } from './resource-store.contract.js';
import { scenarioStoreContract } from './scenario-store.contract.js';
import { assertParity } from './state-parity.js';
import { stateHarness, type StateHarness } from './state-harness.js';
import { tenantStoreContract } from './tenant-store.contract.js';
import { usageStoreContract } from './usage-store.contract.js';
import { webhookStoreContract } from './webhook-store.contract.js';

/** Every table naming a tenant: what the isolation contract compares row for row. */
const TENANT_TABLES = [
  'resources',
  'idempotency_keys',
  'sequences',
  'snapshots',
  'usage',
  'events',
  'tenant_keys',
  'journal',
  'scenario_arms',
  'scenario_counters',
  'webhook_endpoints',
  'webhook_cursors',
  'webhook_messages',
  'webhook_deliveries',
  'webhook_attempts',
  'readiness_signoffs',
];

/** Every row of the state file that is the tenant's, read over a connection of its own. */
function sqliteRows(state: RuntimeState, tenant: string): unknown {
  const db = new Database((state as SqliteState).file, { readonly: true });
  try {
    const rows: Record<string, unknown[]> = {
      tenants: db.prepare('SELECT * FROM tenants WHERE id = ?').all(tenant),
    };
    for (const table of TENANT_TABLES)
      rows[table] = db
        .prepare(`SELECT * FROM ${table} WHERE tenant = ? ORDER BY rowid`)
        .all(tenant);
    return rows;
  } finally {
    db.close();
  }
}

// Every state port's contract, against every implementation of it. The SQLite harness opens a
// fresh state directory per test, and reopening opens the same file again.
const implementations: [string, StateHarness][] = [
  [
    'SQLite state',
    stateHarness(
      true,
      () => {
        const dir = tempDir();
        return () => openSqliteState(dir);
      },
      sqliteRows,
    ),
  ],
  ['memory state', stateHarness(false, () => openMemoryState)],
];

for (const [name, harness] of implementations) {
  journalStoreContract(name, harness);
  driftHistoryContract(name, harness);
  tenantStoreContract(name, harness);
  resourceStoreContract(name, harness);
  idempotencyStoreContract(name, harness);
  eventStoreContract(name, harness);
  usageStoreContract(name, harness);
  scenarioStoreContract(name, harness);
  webhookStoreContract(name, harness);
  readinessStoreContract(name, harness);
  isolationContract(name, harness);
}

describe('memory and SQLite state answer alike', () => {
  it('gives the same answer to every step of seeded random calls on two tenants', async () => {
    const sqlite = openSqliteState(tempDir());
    const memory = openMemoryState();
    try {
      for (let round = 0; round < 4; round++) {
        await assertParity(sqlite, memory, propertySeed() + round, 300);
        for (const t of ['t1', 't2']) {
          await sqlite.tenants.delete(t);
          await memory.tenants.delete(t);
        }
      }
    } finally {
      await sqlite.close();
      await memory.close();
    }
  });
});
