import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TapedeckError } from '../../../core/errors.js';
import type { RuntimeState } from '../../../core/ports/state.js';
import { BUSY_TIMEOUT_MS, retryBusy, SqliteConnection } from './database.js';
import { SqliteDriftHistory } from './drift-history.js';
import { SqliteEventStore } from './events.js';
import { SqliteIdempotencyStore } from './idempotency.js';
import { SqliteJournalStore } from './journal-store.js';
import { MIGRATIONS, migrate, refuseNewer, type Migration } from './migrations.js';
import { SqliteWebhookStore } from './webhooks.js';
import { SqliteResourceStore } from './resources.js';
import { SqliteReadinessStore } from './readiness.js';
import { SqliteScenarioStore } from './scenarios.js';
import { SqliteTenantStore } from './tenants.js';
import { SqliteUsageStore } from './usage.js';

/** The state file's name in the state directory (which git ignores). */
export const STATE_FILE = 'state.db';

export interface SqliteState extends RuntimeState {
  readonly file: string;
}

/**
 * Opens (creating when needed) the state file of a state directory, migrates its schema, and
 * returns every state port over one WAL-mode connection. `migrations` is for tests.
 */
export function openSqliteState(
  dir: string,
  options: { readonly migrations?: readonly Migration[] } = {},
): SqliteState {
  return openSqliteStateFile(join(dir, STATE_FILE), options);
}

/** Creates `file` empty with mode 0600 unless it exists (whatever it is: SQLite judges it). */
function createPrivate(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** The same for a file path (or `:memory:`). */
export function openSqliteStateFile(
  file: string,
  options: { readonly migrations?: readonly Migration[] } = {},
): SqliteState {
  let db: Database.Database | undefined;
  try {
    if (file !== ':memory:') {
      // Tenants' test data and key hashes: readable by this user only (a directory or file
      // that already exists keeps its mode; the -wal and -shm files take the file's).
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      createPrivate(file);
    }
    db = retryBusy(() => {
      // The busy timeout is set first (the constructor's option), so everything below waits
      // for another process instead of failing. Switching to WAL and the first read of a new
      // file can still answer SQLITE_BUSY at once while another process creates or recovers
      // it (SQLite skips the busy handler where waiting could deadlock): the whole open is
      // tried again then.
      const opened = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      try {
        refuseNewer(opened, file, options.migrations ?? MIGRATIONS);
        opened.pragma('journal_mode = WAL');
        opened.pragma('synchronous = NORMAL');
        // What a deleted tenant, a reset or a purge removes is overwritten, not left in free
        // pages of the file for anyone who reads its bytes.
        opened.pragma('secure_delete = ON');
        migrate(opened, file, options.migrations ?? MIGRATIONS);
      } catch (error) {
        opened.close();
        throw error;
      }
      return opened;
    });
  } catch (error) {
    if (error instanceof TapedeckError) throw error;
    throw new TapedeckError(
      'TD_STATE_STORE_FAILED',
      `Cannot open the state store ${file}: ${(error as Error).message}.`,
      {
        cause: error,
        hint: 'Check that the state directory (stateDir in tapedeck.config.json) is writable, or delete the file to start fresh: it holds no recordings.',
      },
    );
  }
  const connection = new SqliteConnection(db, file);
  const journal = new SqliteJournalStore(connection);
  const open = db;
  return {
    file,
    journal,
    driftHistory: new SqliteDriftHistory(connection),
    tenants: new SqliteTenantStore(connection),
    resources: new SqliteResourceStore(connection),
    idempotency: new SqliteIdempotencyStore(connection),
    events: new SqliteEventStore(connection),
    usage: new SqliteUsageStore(connection),
    scenarios: new SqliteScenarioStore(connection),
    webhooks: new SqliteWebhookStore(connection),
    readiness: new SqliteReadinessStore(connection),
    close: () => {
      if (open.open) open.close();
      return Promise.resolve();
    },
  };
}
