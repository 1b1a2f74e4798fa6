import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { systemScheduler } from '../../adapters/system/scheduler.js';
import { colourWanted, makeStyle, systemClock } from '../../adapters/system/system.js';
import type { Clock } from '../../core/ports/clock.js';
import type { JournalStore } from '../../core/ports/journal.js';
import type { Scheduler } from '../../core/ports/scheduler.js';
import type { TenantRecord } from '../../core/ports/tenants.js';
import type { Style } from '../../core/render/text.js';
import type { TapedeckConfig } from '../config/config.js';
import type { Io } from './common.js';

/** What `tapedeck journal` reads: the state directory's journal and tenants, and time. */
export interface JournalReading {
  readonly journal: Pick<JournalStore, 'query'>;
  /** A tenant by its name, else by its id. */
  findTenant(nameOrId: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;
  readonly clock: Clock;
  /** The polls of `--follow`. */
  readonly scheduler: Scheduler;
  /** ANSI on a TTY (never with NO_COLOR), plain otherwise. */
  readonly style: Style;
  close(): Promise<void>;
}

/**
 * `tapedeck journal`: the journal of the state directory, read-only (SQLite in WAL mode: beside a
 * running sandbox, which appends a batch at least every 100 ms).
 */
export function composeJournalReading(
  config: TapedeckConfig,
  io: Io,
  options: { readonly clock?: Clock; readonly scheduler?: Scheduler } = {},
): JournalReading {
  const state = openSqliteState(config.stateDir);
  return {
    journal: state.journal,
    findTenant: async (nameOrId) =>
      (await state.tenants.getByName(nameOrId)) ?? (await state.tenants.get(nameOrId)),
    listTenants: () => state.tenants.list(),
    clock: options.clock ?? systemClock,
    scheduler: options.scheduler ?? systemScheduler,
    style: makeStyle(colourWanted(io.stdout, io.env)),
    close: () => state.close(),
  };
}
