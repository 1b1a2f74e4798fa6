import { openMemoryState } from '../../src/adapters/state/memory/index.js';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { tempDir } from '../helpers/tmp.js';
import { driftHistoryContract } from './drift-history.contract.js';
import { idempotencyStoreContract } from './idempotency-store.contract.js';
import { journalStoreContract } from './journal-store.contract.js';
import { resourceStoreContract } from './resource-store.contract.js';
import { stateHarness, type StateHarness } from './state-harness.js';
import { tenantStoreContract } from './tenant-store.contract.js';
import { webhookOutboxContract } from './webhook-outbox.contract.js';

// Every state port's contract, against every implementation of it. The SQLite harness opens a
// fresh state directory per test, and reopening opens the same file again.
const implementations: [string, StateHarness][] = [
  [
    'SQLite state',
    stateHarness(true, () => {
      const dir = tempDir();
      return () => openSqliteState(dir);
    }),
  ],
  ['memory state', stateHarness(false, () => openMemoryState)],
];

for (const [name, harness] of implementations) {
  journalStoreContract(name, harness);
  driftHistoryContract(name, harness);
  tenantStoreContract(name, harness);
  resourceStoreContract(name, harness);
  idempotencyStoreContract(name, harness);
  webhookOutboxContract(name, harness);
}
