import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TapedeckError } from '../../../core/errors.js';
import type { RuntimeState } from '../../../core/ports/state.js';
import { BUSY_TIMEOUT_MS, retryBusy, SqliteConnection } from './database.js';
import { SqliteDriftHistory } from './drift-history.js';
import { SqliteEventStore } from './events.js';
import { SqliteIdempotencyStore } from './idempotency.js';
import { SqliteJournalStore } from './journal-store.js';
import { MIGRATIONS, migrate, refuseNewer, type Migration } from './migrations.js';
import { SqliteWebhookOutbox } from './outbox.js';
import { SqliteResourceStore } from './resources.js';
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

/** The same for a file path (or `:memory:`). */
export function openSqliteStateFile(
  file: string,
  options: { readonly migrations?: readonly Migration[] } = {},
): SqliteState {
  let db: Database.Database | undefined;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
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
    outbox: new SqliteWebhookOutbox(connection),
    events: new SqliteEventStore(connection),
    usage: new SqliteUsageStore(connection),
    close: () => {
      if (open.open) open.close();
      return Promise.resolve();
    },
  };
}
