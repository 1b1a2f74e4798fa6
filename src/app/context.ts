import type { RecordedRequest } from '../core/cassette/model.js';
import type { NormalizedRequest } from '../core/matching/normalize.js';
import type { AnswerLayer, IncomingRequest, Reply } from '../core/ports.js';

/** What the pipeline knows about one request as it walks down the layers. */
export interface RequestContext {
  readonly incoming: IncomingRequest;
  /** The request in the cassette model, already redacted: what matching and reports see. */
  readonly request: RecordedRequest;
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
