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

/**
 * A fault on the wire (issue 14's scenario outcomes), written by the HTTP adapter with the
 * socket in hand. `inner` is the answer the fault delays, slows, cuts or breaks; faults that
 * never send an answer (`hold`, `reset`, `close`) may carry one that ran (`at: after`) and is lost.
 */
export type WireFault =
  | { readonly kind: 'delay'; readonly ms: number } // then `inner`, whole
  | { readonly kind: 'hold'; readonly ms: number } // no byte for `ms` (bounded), then the connection is destroyed
  | { readonly kind: 'reset' } // TCP RST before any byte
  | { readonly kind: 'close' } // FIN before any byte
  | { readonly kind: 'slow'; readonly bytesPerSecond: number } // `inner`'s body at that rate
  | { readonly kind: 'truncate'; readonly fraction: number } // Content-Length of the whole, that share of it sent, then destroyed
  | { readonly kind: 'malform' }; // `inner`'s body cut in half, Content-Length of what is sent

export interface FaultReply {
  readonly kind: 'fault';
  readonly fault: WireFault;
  /** Status and headers for the journal and the faults that send an answer. */
  readonly inner: Reply;
  /**
   * Who asked for the fault (the sandbox tenant's id): the HTTP adapter caps the faults that
   * wait (delay, hold, slow) per owner as well as per server, so one tenant cannot take every
   * slot. Absent: only the server's cap applies.
   */
  readonly owner?: string;
}

/** What a pipeline layer answers with. */
export type Reply = RecordedReply | StreamReply | SimpleReply | FaultReply;

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
