import type { RecordedRequest } from '../../core/cassette/model.js';
import type { NormalizedRequest } from '../../core/matching/normalize.js';
import type { AnswerLayer, IncomingRequest, Reply } from '../../core/ports/index.js';

/** What the pipeline knows about one request as it walks down the layers. */
export interface RequestContext {
  readonly incoming: IncomingRequest;
  /**
   * The index key of the request (see normalize.ts). Computed straight from the raw URL when
   * nothing in it needs redacting (the replay fast lane), else from `normalized`.
   */
  readonly key: string;
  /** The request in the cassette model, already redacted: what reports see. Built on first use. */
  readonly request: RecordedRequest;
  /** The normalized request, for explaining misses. Built on first use. */
  readonly normalized: NormalizedRequest;
  readonly session: string;
  /** The cassette named by x-tapedeck-cassette, if any. */
  readonly cassette: string | undefined;
  readonly startedAt: number;
}

/** The answer, plus what the journal should know about it. */
export interface LayerAnswer {
  readonly reply: Reply;
  readonly cassette?: string;
  readonly position?: number;
}

/** One step of the pipeline: answer, or pass (undefined) to the next layer. */
export interface Layer {
  readonly name: AnswerLayer;
  handle(context: RequestContext): Promise<LayerAnswer | undefined> | LayerAnswer | undefined;
}
