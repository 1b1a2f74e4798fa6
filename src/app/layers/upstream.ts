import { concatBytes } from '../../core/bytes.js';
import type { HeaderMap, Interaction, RecordedRequest } from '../../core/cassette/model.js';
import { valuesOf } from '../../core/cassette/model.js';
import {
  HEADER_LAYER,
  combinedHeaderValue,
  firstHeaderValue,
  stripHopByHop,
} from '../../core/http/index.js';
import { isTapedeckError, TapedeckError } from '../../core/errors.js';
import { upstreamHeaders, type ForwardedHeaders } from '../../core/http/forwarded.js';
import type {
  BodyCodec,
  Clock,
  Logger,
  Upstream,
  UpstreamRequest,
} from '../../core/ports/index.js';
import type { Layer, RequestContext } from '../pipeline/context.js';
import type { CassetteRecorder } from '../record/recorder.js';
import { toRecordedRequest } from '../pipeline/request.js';

export interface UpstreamLayerOptions {
  readonly upstream: Upstream;
  readonly codec: BodyCodec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Where to record, or undefined to pass through without recording. */
  readonly recorder: CassetteRecorder | undefined;
  readonly cassetteFor: (context: RequestContext) => string;
  /** `upstream.forwardedHeaders`: fixed values added to every request (none by default). */
  readonly forwarded?: ForwardedHeaders;
}

/**
 * A `Location` that points back at the upstream origin is made relative, so a client following
 * a redirect comes back through tapedeck (and the recording never names the staging host).
 */
function relativizeLocation(headers: HeaderMap, upstream: Upstream): HeaderMap {
  const out: HeaderMap = { ...headers };
  for (const name of ['location', 'content-location']) {
    const value = firstHeaderValue(headers, name);
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    const base = new URL(upstream.origin);
    const basePath = base.pathname.replace(/\/+$/, '');
    if (url.origin !== base.origin || !url.pathname.startsWith(basePath)) continue;
    out[name] = `${url.pathname.slice(basePath.length) || '/'}${url.search}${url.hash}`;
  }
  return out;
}

function pairs(headers: HeaderMap): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of valuesOf(value)) out.push([name, v]);
  }
  return out;
}

/**
 * Response header lines past which an upstream answer is refused (502): undici's
 * `maxHeaderSize` (16 KiB) bounds their bytes, this their count, as the servers bound a
 * request's. A real API sends a few dozen; a long `Set-Cookie` list stays well below it.
 */
export const MAX_UPSTREAM_HEADER_LINES = 500;

/** How a body stream ended, for the log line. */
export type BodyOutcome =
  | { readonly kind: 'complete'; readonly chunks: Uint8Array[] }
  | { readonly kind: 'over-limit'; readonly limit: number }
  | { readonly kind: 'client-gone' }
  | { readonly kind: 'upstream-failed'; readonly error: unknown };

/** What broke a body, by undici's or the socket's code (its message when there is none). */
const BODY_FAILURES: Readonly<Record<string, string>> = {
  UND_ERR_BODY_TIMEOUT: 'the upstream sent no body bytes within upstream.timeoutMs',
  UND_ERR_SOCKET: 'the upstream closed the connection before the body ended',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "the upstream's body length differs from its Content-Length",
  ECONNRESET: 'the upstream reset the connection mid-body',
  UND_ERR_ABORTED: 'the request was aborted (the client went away)',
};

export function describeBodyFailure(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = (error as { message?: unknown } | undefined)?.message;
  if (
    typeof code !== 'string' &&
    typeof message === 'string' &&
    message !== '' &&
    message.length <= 100 &&
    !/[\r\n]/.test(message)
  )
    return `the upstream body failed (${message})`;
  if (typeof code === 'string')
    return BODY_FAILURES[code] === undefined
      ? `the upstream body failed (${code})`
      : `${BODY_FAILURES[code]} (${code})`;
  return 'the upstream body failed';
}

/**
 * Streams chunks through to the client while keeping a copy (`keep`); `done` says how the body
 * ended. Once the copy passes `limit` it is dropped and no more is kept, so an endless body costs
 * no memory beyond one chunk; the client still gets every byte.
 */
async function* tee(
  body: AsyncIterable<Uint8Array>,
  keep: boolean,
  limit: number,
  done: (outcome: BodyOutcome) => void,
): AsyncGenerator<Uint8Array> {
  let chunks: Uint8Array[] = [];
  let size = 0;
  let outcome: BodyOutcome = { kind: 'client-gone' };
  try {
    for await (const chunk of body) {
      if (keep) {
        size += chunk.byteLength;
        if (size <= limit) chunks.push(chunk);
        else if (chunks.length > 0) chunks = [];
      }
      yield chunk;
    }
    outcome = keep && size > limit ? { kind: 'over-limit', limit } : { kind: 'complete', chunks };
  } catch (error) {
    outcome = { kind: 'upstream-failed', error };
    throw error;
  } finally {
    done(outcome);
  }
}

/**
 * undici's own words for a broken answer ("bad response", "bad upgrade", "other side closed"),
 * added to the log line when they are one short line; its codes alone say little.
 */
function withCause(error: TapedeckError): string {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const message = cause?.message;
  const plain =
    typeof message === 'string' &&
    cause?.code !== 'ERR_ASSERTION' &&
    message !== '' &&
    message.length <= 80 &&
    !/[\r\n]/.test(message) &&
    !error.message.includes(message);
  return plain ? `${error.message.replace(/\.$/, '')}: ${message}.` : error.message;
}

/** Stops reading an answer tapedeck refuses, so its connection is released, not left waiting. */
function discard(body: AsyncIterable<Uint8Array>): void {
  const iterator = body[Symbol.asyncIterator]();
  void iterator.return?.().catch(() => undefined);
}

function headerLines(headers: HeaderMap): number {
  let n = 0;
  for (const value of Object.values(headers)) n += typeof value === 'string' ? 1 : value.length;
  return n;
}

/**
 * RFC 9110 §15: a final status is 200–599 (1xx are interim: undici passes over a 103 and hands on
 * only the final answer; it refuses a 100 the request did not ask for, and a 101 without upgrade). Anything else, or more header lines than the cap, is
 * refused with a 502 before a byte reaches the client.
 */
function refuseAnswer(
  status: number,
  headers: HeaderMap,
  origin: string,
): TapedeckError | undefined {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    return new TapedeckError(
      'TD_UPSTREAM_UNREACHABLE',
      `The upstream ${origin} answered with status ${status}, which is not a final HTTP status (200–599).`,
      { hint: 'Check the upstream: tapedeck forwards only final answers.' },
    );
  }
  // undici removes `chunked` only: another transfer coding would reach the client still applied,
  // with the header that says so dropped (it is hop-by-hop). Empty list elements are no coding
  // (RFC 9110 §5.6.1: `, chunked` is chunked), but undici's parser de-chunks only when the last
  // element is `chunked`: after `chunked, ` it reads to the close, chunk sizes and all.
  const transfer = combinedHeaderValue(headers, 'transfer-encoding');
  if (transfer !== undefined) {
    const elements = transfer.split(',').map((t) => t.trim().toLowerCase());
    const foreign = elements.some((coding) => coding !== '' && coding !== 'chunked');
    // Chunked twice (forbidden, RFC 9112 §7) would reach the client with one framing left in.
    const twice = elements.filter((coding) => coding === 'chunked').length > 1;
    if (foreign || twice || elements[elements.length - 1] !== 'chunked') {
      const shown = /^[\w ,.-]{1,60}$/.test(transfer) ? transfer : 'unnamed';
      return new TapedeckError(
        'TD_UPSTREAM_UNREACHABLE',
        foreign
          ? `The upstream ${origin} answered with Transfer-Encoding ${shown}: tapedeck removes only chunked (RFC 9112 §6.1).`
          : twice
            ? `The upstream ${origin} answered with Transfer-Encoding ${JSON.stringify(shown)}: chunked may be applied once only (RFC 9112 §7).`
            : `The upstream ${origin} answered with Transfer-Encoding ${JSON.stringify(shown)}: chunked is not its last element, so the body's framing is unknown (RFC 9112 §6.3).`,
        {
          hint: foreign
            ? 'Check the upstream: a server sends content codings in Content-Encoding.'
            : 'Check the upstream: it should send Transfer-Encoding: chunked.',
        },
      );
    }
  }
  const lines = headerLines(headers);
  if (lines > MAX_UPSTREAM_HEADER_LINES) {
    return new TapedeckError(
      'TD_UPSTREAM_UNREACHABLE',
      `The upstream ${origin} answered with ${lines} header lines, more than ${MAX_UPSTREAM_HEADER_LINES}.`,
      { hint: 'Check the upstream: no API needs that many response headers.' },
    );
  }
  return undefined;
}

/** A recorded answer whose bytes are not what its Content-Encoding says: logged, not stored. */
class UndecodableBody extends Error {}

/**
 * Layer 9 in record and passthrough modes: the request goes to the one configured upstream.
 * The response streams to the client as it arrives; when recording, a copy is decoded,
 * redacted and queued for the cassette once the body has ended.
 */
export function upstreamLayer(options: UpstreamLayerOptions): Layer {
  const { upstream, codec, clock, logger, recorder } = options;
  return {
    name: 'upstream',
    closes: true,
    async handle(context) {
      const outgoing: UpstreamRequest = {
        method: context.incoming.method,
        target: context.incoming.target,
        // The same rule as drift's (core/http/forwarded.ts): no client-supplied authority, no
        // header derived from tapedeck's own address, so a recording is what drift will see.
        headers: upstreamHeaders(context.incoming.headers, options.forwarded),
        body: context.incoming.rawBody,
      };
      // Decode the raw request now: it is what the cassette keeps (redacted below).
      // A body that decodes past maxBodyBytes throws TD_BODY_TOO_LARGE: the server answers 413
      // and logs it (request.refused), before anything is sent upstream.
      const rawRequest: RecordedRequest | undefined = recorder
        ? toRecordedRequest(context.incoming, codec)
        : undefined;
      // The cassette is named before anything is sent: a bad x-tapedeck-cassette is refused
      // (TD_CASSETTE_NAME_INVALID) without the request ever reaching the upstream.
      const cassette = recorder ? options.cassetteFor(context) : undefined;
      // A cassette that cannot be written (full disk, read-only folder): 503, nothing forwarded.
      const refusal = cassette === undefined ? undefined : recorder?.refusal(cassette);
      if (refusal !== undefined) throw refusal;
      const started = clock.monotonic();
      // The redacted request's method and path (safe to log); it is built already when recording.
      const what = (): string => {
        try {
          return `${context.request.method} ${context.request.path}`;
        } catch {
          return `a ${context.incoming.method.toUpperCase()} request`;
        }
      };
      let response;
      try {
        response = await upstream.send(outgoing, context.incoming.signal);
      } catch (error) {
        // Nothing has reached the client yet: it gets a 502 or 504 problem+json (node-server).
        if (isTapedeckError(error) && !context.incoming.signal.aborted) {
          logger.log('warn', 'upstream.failed', `${what()}: ${withCause(error)}`, {
            code: error.code,
          });
        }
        throw error;
      }
      const refused = refuseAnswer(response.status, response.headers, upstream.origin);
      if (refused !== undefined) {
        discard(response.body);
        logger.log('warn', 'upstream.failed', `${what()}: ${refused.message}`, {
          code: refused.code,
        });
        throw refused;
      }
      const headers = relativizeLocation(stripHopByHop(response.headers), upstream);
      const recording =
        recorder !== undefined && rawRequest !== undefined && cassette !== undefined;
      const body = tee(response.body, recording, options.maxBodyBytes, (outcome) => {
        switch (outcome.kind) {
          case 'complete':
            break;
          case 'client-gone':
            if (recording)
              logger.log(
                'warn',
                'record.skipped',
                `not recorded: ${what()}: the client went away before the body ended.`,
              );
            return;
          case 'over-limit':
            logger.log(
              'warn',
              'record.skipped',
              `not recorded: ${what()}: the response body is over ${outcome.limit} bytes (maxBodyBytes); the client got it whole.`,
              { code: 'TD_BODY_TOO_LARGE' },
            );
            return;
          case 'upstream-failed':
            // The status line is sent: the client's connection is destroyed (node-server).
            logger.log(
              'warn',
              recording ? 'record.skipped' : 'upstream.failed',
              `${recording ? 'not recorded: ' : ''}${what()}: ${describeBodyFailure(outcome.error)}; the client's connection was closed.`,
              { code: 'TD_UPSTREAM_UNREACHABLE' },
            );
            return;
        }
        if (recorder === undefined || rawRequest === undefined || cassette === undefined) return;
        const { chunks } = outcome;
        // The response ends before this work starts: decoding, redaction and the scan
        // run on a later turn of the event loop (recordLater), never in the client's time.
        const latencyMs = Math.round((clock.monotonic() - started) * 100) / 100;
        const recordedAt = new Date(clock.now()).toISOString();
        recorder.recordLater(
          cassette,
          (): Interaction => {
            let responseBody;
            try {
              responseBody = codec.decode(concatBytes(chunks), headers);
            } catch (error) {
              if (isTapedeckError(error)) throw error;
              // A live header value: named only when it is a short list of coding names.
              const coding = combinedHeaderValue(headers, 'content-encoding') ?? '';
              const shown = /^[\w.-]+(?:\s*,\s*[\w.-]+)*$/.test(coding) && coding.length <= 40;
              throw new UndecodableBody(
                `the response body does not decode as its Content-Encoding (${shown ? coding : 'unnamed'}) says; the client got it as sent.`,
              );
            }
            const stored: HeaderMap = { ...headers };
            // Derived from the body; a HEAD, 204 or 304 answer keeps it, having no body to derive it from.
            if (responseBody !== undefined) delete stored['content-length'];
            return {
              request: rawRequest,
              response: {
                status: response.status,
                headers: stored,
                ...(responseBody === undefined ? {} : { body: responseBody }),
              },
              latencyMs,
              recordedAt,
            };
          },
          (error) => {
            // context.request is the redacted request: its path is safe to log.
            if (error instanceof UndecodableBody || isTapedeckError(error, 'TD_BODY_TOO_LARGE')) {
              logger.log('warn', 'record.skipped', `not recorded: ${what()}: ${error.message}`, {
                ...(isTapedeckError(error) ? { code: error.code } : {}),
              });
              return;
            }
            logger.log(
              'error',
              'record.failed',
              `not recorded: ${what()}: ${(error as Error).message}`,
              { code: 'TD_CASSETTE_WRITE_FAILED' },
            );
          },
        );
      });
      return {
        reply: {
          kind: 'stream',
          status: response.status,
          headers: [...pairs(headers), [HEADER_LAYER, 'upstream']],
          body,
        },
        ...(cassette === undefined ? {} : { cassette }),
      };
    },
  };
}
