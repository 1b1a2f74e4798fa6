import type { LayerName } from '../pipeline.js';

/** One line of the request journal: which layer answered what. */
export interface JournalEntry {
  readonly at: number;
  readonly session: string;
  readonly method: string;
  readonly path: string;
  readonly layer: AnswerLayer;
  readonly status: number;
  readonly cassette?: string;
  readonly position?: number;
  readonly durationMs: number;
  /** The sandbox tenant the request was answered for (its id). */
  readonly tenant?: string;
  /** The scenario that fired (issue 14), and why: `describeFiredBy` (never the matched value). */
  readonly scenario?: string;
  readonly firedBy?: string;
}

/** The layer that answered: one of the pipeline's names (core/pipeline.ts), so a new layer edits no type here. */
export type AnswerLayer = LayerName;

/** Which stored entries a query wants. Every filter given must hold. */
export interface JournalQuery {
  /** At most this many entries (at least 1). */
  readonly limit: number;
  /** Only entries answered by one of these layers. */
  readonly layers?: readonly AnswerLayer[];
  /** Only entries at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Only entries of this tenant (its id). */
  readonly tenant?: string;
}

/**
 * Where journal entries are kept across restarts. The hot path never calls it per request:
 * app/journal buffers entries and appends them in batches. Nothing here is the only copy of a
 * recording. Every implementation passes test/contract/journal-store.contract.ts.
 */
export interface JournalStore {
  /** Stores the entries, in order, all or none. */
  append(entries: readonly JournalEntry[]): Promise<void>;
  /** Stored entries matching the query, newest (last appended) first. */
  query(query: JournalQuery): Promise<JournalEntry[]>;
  /** No append or query after this; the data stays where it is. */
  close(): Promise<void>;
}
