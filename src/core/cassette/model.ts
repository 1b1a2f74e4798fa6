import { getOwn, setOwn, type JsonValue } from '../json.js';

/** The cassette format version this build writes. Older versions are upgraded on load. */
export const CASSETTE_VERSION = 1;

/** Header names are lower-case; a repeated header keeps every value, in order. */
export type HeaderMap = Record<string, string | string[]>;

/** Query parameters by (decoded) name; a repeated parameter keeps every value, in order. */
export type QueryMap = Record<string, string | string[]>;

/**
 * A body stored decoded (after content-encoding is removed):
 * - `json`: the body parsed, with what it takes to give back the very bytes the API sent:
 *   `format: "pretty"` when it was indented (by `indent` spaces, two unless given), and
 *   `trailingNewline` when a line feed followed the JSON (Flask, many frameworks);
 * - `text`: any other text (UTF-8);
 * - `base64`: anything that is not valid UTF-8 text.
 * No body at all is represented by leaving `body` out.
 */
export type Body =
  | {
      readonly encoding: 'json';
      readonly json: JsonValue;
      readonly format?: 'pretty';
      /** Spaces per level of a pretty body, when not 2 (1–10, as JSON.stringify takes). */
      readonly indent?: number;
      /** The body ended with one `\n` after the JSON. */
      readonly trailingNewline?: boolean;
    }
  | { readonly encoding: 'text'; readonly text: string }
  | { readonly encoding: 'base64'; readonly base64: string };

export interface RecordedRequest {
  readonly method: string;
  /** Path as sent on the wire, percent-encoding intact, without the query string. */
  readonly path: string;
  readonly query: QueryMap;
  readonly headers: HeaderMap;
  readonly body?: Body;
}

export interface RecordedResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body?: Body;
}

export interface Interaction {
  readonly request: RecordedRequest;
  readonly response: RecordedResponse;
  /** Milliseconds from sending the request upstream to the end of the response body. */
  readonly latencyMs: number;
  /** ISO-8601 UTC time the response finished. */
  readonly recordedAt: string;
  /**
   * `tapedeck drift` may re-send this request even though its method is not safe (a POST that
   * creates a test order on staging). Unsafe requests are never re-sent otherwise.
   */
  readonly replayable?: boolean;
}

export interface CassetteMeta {
  /** The tapedeck version that last wrote the cassette. */
  readonly recordedWith?: string;
  /** The upstream origin it was recorded from (never with credentials in it). */
  readonly target?: string;
  /** Free text for reviewers: what flow or scenario this cassette holds. */
  readonly description?: string;
  /** Every interaction of the cassette may be re-sent by `tapedeck drift`, whatever its method. */
  readonly replayable?: boolean;
  /**
   * Which redaction key wrote the pseudonyms: a pseudonym of a fixed text under that key (a key
   * check value; it tells nothing about the key). Replay compares it with its own key, because
   * it recognizes values learned while recording only under the same key.
   */
  readonly keyId?: string;
}

/**
 * A webhook the recorded API sent while recording (`record --webhooks PORT`), redacted like an
 * interaction: the sandbox's events of that type take its shape. Its signature headers are never
 * kept (a signature of redacted bytes is a lie, and of the real ones a leak).
 */
export interface WebhookSample {
  /** The event type (`payment_intent.succeeded`), from the body or the scheme's event header. */
  readonly type: string;
  /** ISO-8601 UTC time it arrived. */
  readonly receivedAt: string;
  readonly headers: HeaderMap;
  readonly body: Body;
}

export interface Cassette {
  readonly version: typeof CASSETTE_VERSION;
  readonly meta?: CassetteMeta;
  readonly interactions: readonly Interaction[];
  /** Optional within format 1, like `replayable`: a cassette without it is what it always was. */
  readonly webhooks?: readonly WebhookSample[];
}

/** A cassette together with its name (the file path below the cassettes directory, no `.json`). */
export interface NamedCassette {
  readonly name: string;
  readonly cassette: Cassette;
}

/** Values of a header or query entry as a list, whatever its stored shape. */
export function valuesOf(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Adds a value to a multi-map, turning a single value into a list on repetition. */
export function appendValue(map: Record<string, string | string[]>, key: string, value: string) {
  // Own properties only: `?constructor=1` or a `toString:` header are ordinary names here.
  const existing = getOwn(map, key);
  if (existing === undefined) setOwn(map, key, value);
  else if (typeof existing === 'string') setOwn(map, key, [existing, value]);
  else existing.push(value);
}

/** Does a path inside a serialized cassette point into a recorded JSON body? */
export function isInsideJsonBody(path: readonly string[]): boolean {
  for (let i = 0; i + 1 < path.length; i++) {
    if (path[i] === 'body' && path[i + 1] === 'json') return true;
  }
  return false;
}
