import type { Cassette, NamedCassette } from '../cassette/model.js';
import type { TapedeckError } from '../errors.js';

/** A cassette that failed to load, with the error that says why (file and JSON path). */
export interface CassetteLoadProblem {
  readonly name: string;
  readonly error: TapedeckError;
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
}
