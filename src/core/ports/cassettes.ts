import type { Cassette, NamedCassette } from '../cassette/model.js';
import type { TapedeckError } from '../errors.js';

/** A cassette that failed to load, with the error that says why (file and JSON path). */
export interface CassetteLoadProblem {
  readonly name: string;
  readonly error: TapedeckError;
}

/** What a store found left by writers killed mid-write (see `CassetteStore.clearLeftovers`). */
export interface StoreLeftovers {
  /** Removed: their writer is gone. */
  readonly removed: readonly string[];
  /** Kept: their writer still runs (another recorder on the same cassettes). */
  readonly kept: readonly string[];
  /** Entries that could not be checked or removed, each with the reason; the others were. */
  readonly failed?: readonly string[];
}

/**
 * Where cassettes live. Every implementation passes test/contract/cassette-store.contract.ts.
 * Names are checked cassette names (see core/cassette/name.ts).
 */
export interface CassetteStore {
  /** Names of every cassette, sorted. */
  list(): Promise<string[]>;
  /** One cassette, or undefined when it does not exist. Throws TD_CASSETTE_INVALID when malformed. */
  load(name: string): Promise<Cassette | undefined>;
  /** Every cassette; malformed ones are reported, never skipped silently. */
  loadAll(): Promise<{ cassettes: NamedCassette[]; problems: CassetteLoadProblem[] }>;
  /**
   * Read-modify-write of one cassette, serialized per cassette and written atomically: a reader
   * (or a crash) sees the old file or the new one, never a torn one.
   */
  update(name: string, change: (current: Cassette | undefined) => Cassette): Promise<void>;
  /**
   * For a store about to be written: removes what writers killed mid-write left behind (temp
   * files, stale locks). Stores with nothing of the kind (memory) leave it out.
   */
  clearLeftovers?(): Promise<StoreLeftovers>;
}
