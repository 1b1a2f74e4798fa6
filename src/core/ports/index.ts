import type {
  Body,
  Cassette,
  HeaderMap,
  NamedCassette,
  RecordedResponse,
} from '../cassette/model.js';
import type { TapedeckError } from '../errors.js';
import type { LayerName } from '../pipeline.js';

/** Wall-clock time, passed in so core and app logic stay deterministic under test. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** A monotonic reading in milliseconds, for durations. */
  monotonic(): number;
}

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

/** A request as tapedeck forwards it upstream. */
export interface UpstreamRequest {
  readonly method: string;
  /** Path and query, as sent by the client (the target's base path is added by the upstream). */
  readonly target: string;
  /** Header name/value pairs, in order; hop-by-hop and tapedeck headers already removed. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | undefined;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  /** The body bytes exactly as the upstream sent them (still content-encoded). */
  readonly body: AsyncIterable<Uint8Array>;
}

/** The one upstream origin tapedeck may contact. Never follows redirects. */
export interface Upstream {
  /** The origin (scheme, host, port) and base path, for logs and cassette metadata. */
  readonly origin: string;
  send(request: UpstreamRequest, signal?: AbortSignal): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** Turns bytes on the wire into stored bodies and back. */
export interface BodyCodec {
  /** Removes content-encoding and classifies the bytes as JSON, text or binary. */
  decode(bytes: Uint8Array, headers: HeaderMap): Body | undefined;
  /** The bytes of a stored body, with no content-encoding. */
  encode(body: Body | undefined): Uint8Array;
}

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
}

/** The layer that answered: one of the pipeline's names (core/pipeline.ts), so a new layer edits no type here. */
export type AnswerLayer = LayerName;

/** The runtime state store (SQLite by default). Nothing here is the only copy of a recording. */
export interface StateStore {
  /** Buffers entries; they reach storage on the next flush. */
  journal(entry: JournalEntry): void;
  flush(): void;
  /** The latest entries of this process, newest first, every layer (a bounded window). */
  recentJournal(limit: number): JournalEntry[];
  /** Entries kept across restarts, newest first: every answer that did not come from a cassette. */
  persistedJournal(limit: number): JournalEntry[];
  /**
   * Drift history: notes that these finding fingerprints (see fingerprint in core/drift/compare.ts)
   * were seen at `at` (ms since the epoch) and returns, for each, when it was first seen (`at`
   * itself for a new one). Written at once: a drift run is rare and small.
   */
  recordDriftFindings(fingerprints: readonly string[], at: number): Map<string, number>;
  close(): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log events. Fields must never carry secret values; callers pass redacted data. */
export interface Logger {
  /** Whether a line at this level would be written: skip building messages that would not. */
  enabled(level: LogLevel): boolean;
  log(
    level: LogLevel,
    event: string,
    message: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void;
}

/** A recorded response chosen to answer, serialized by the server adapter (which caches bytes). */
export interface RecordedReply {
  readonly kind: 'recorded';
  readonly response: RecordedResponse;
  /** Headers tapedeck adds (x-tapedeck-layer), name/value pairs. */
  readonly extraHeaders: readonly (readonly [string, string])[];
  /** Delay before answering, for --latency. */
  readonly delayMs: number;
}

export interface StreamReply {
  readonly kind: 'stream';
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: AsyncIterable<Uint8Array>;
}

export interface SimpleReply {
  readonly kind: 'simple';
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

/** What a pipeline layer answers with. */
export type Reply = RecordedReply | StreamReply | SimpleReply;

/** A request as it reached one of tapedeck's servers, body read in full. */
export interface IncomingRequest {
  readonly method: string;
  /** The request target exactly as sent (`/path?query`). */
  readonly target: string;
  readonly path: string;
  readonly rawQuery: string;
  /** Lower-cased names; repeated headers keep every value. */
  readonly headers: HeaderMap;
  /** The body bytes as sent (still content-encoded), or undefined when there is none. */
  readonly rawBody: Uint8Array | undefined;
  /** Aborts when the client goes away before the answer is complete. */
  readonly signal: AbortSignal;
}

export type RequestHandler = (request: IncomingRequest) => Promise<Reply>;
