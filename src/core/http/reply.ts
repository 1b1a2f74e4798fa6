import type { HeaderMap, RecordedResponse } from '../cassette/model.js';

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
