import type { RecordedRequest } from '../../core/cassette/model.js';
import type { NormalizedRequest } from '../../core/matching/normalize.js';
import type { LayerName } from '../../core/pipeline.js';
import type { IncomingRequest, JournalEntry, Reply } from '../../core/ports/index.js';

/** What the pipeline knows about one request as it walks down the layers. */
export interface RequestContext {
  readonly incoming: IncomingRequest;
  /**
   * The index key of the request (see normalize.ts). Computed straight from the raw URL when
   * nothing in it needs redacting (the replay fast lane), else from `normalized`. Built on first use.
   */
  readonly key: string;
  /** The request in the cassette model, already redacted: what reports see. Built on first use. */
  readonly request: RecordedRequest;
  /** The normalized request, for explaining misses. Built on first use. */
  readonly normalized: NormalizedRequest;
  readonly session: string;
  /** The cassette named by x-tapedeck-cassette, if any. Checked on first use. */
  readonly cassette: string | undefined;
  readonly startedAt: number;
}

/** The answer, plus what the journal should know about it. */
export interface LayerAnswer {
  readonly reply: Reply;
  readonly cassette?: string;
  readonly position?: number;
  /**
   * The path the journal shows, when the layer knows one that carries no request text (a
   * documented route, a spec's path template). Without it the journal shows the redacted path.
   */
  readonly journalPath?: string;
}

/** One step of the pipeline: answer, or pass (undefined) to the next layer. */
export interface Layer {
  readonly name: LayerName;
  /** It answers every request that reaches it (miss, upstream, the mock's spec): it closes the pipeline. */
  readonly closes?: boolean;
  handle(context: RequestContext): Promise<LayerAnswer | undefined> | LayerAnswer | undefined;
}

/** Where the pipeline writes what answered: synchronous and buffered, it runs on the hot path. */
export interface JournalSink {
  record(entry: JournalEntry): void;
}

/** What the admin layer reads back: this process's latest entries, and those kept across restarts. */
export interface JournalReader {
  recent(limit: number): readonly JournalEntry[];
  kept(limit: number): Promise<readonly JournalEntry[]>;
}
