import type { HeaderMap } from '../cassette/model.js';

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
