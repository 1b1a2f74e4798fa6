import { concatBytes } from '../../core/bytes.js';
import type { HeaderMap, Interaction, RecordedRequest } from '../../core/cassette/model.js';
import { valuesOf } from '../../core/cassette/model.js';
import { HEADER_LAYER, firstHeaderValue, stripHopByHop } from '../../core/http/index.js';
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
 * Streams chunks through to the client while keeping a copy; `done` gets the copy once the
 * body ended normally, or `undefined` when it was cut short or grew past the capture limit.
 */
async function* tee(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  done: (chunks: Uint8Array[] | undefined) => void,
): AsyncGenerator<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = false;
  try {
    for await (const chunk of body) {
      if (size <= limit) {
        size += chunk.byteLength;
        chunks.push(chunk);
      }
      yield chunk;
    }
    complete = true;
  } finally {
    done(complete && size <= limit ? chunks : undefined);
  }
}

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
      const response = await upstream.send(outgoing, context.incoming.signal);
      const headers = relativizeLocation(stripHopByHop(response.headers), upstream);
      const body =
        recorder === undefined || rawRequest === undefined || cassette === undefined
          ? response.body
          : tee(response.body, options.maxBodyBytes, (chunks) => {
              if (chunks === undefined) {
                logger.log(
                  'warn',
                  'record.skipped',
                  `not recorded: ${context.request.method} ${context.request.path} (body cut short or over maxBodyBytes)`,
                );
                return;
              }
              // The response ends before this work starts: decoding, redaction and the scan
              // run on a later turn of the event loop (recordLater), never in the client's time.
              const latencyMs = Math.round((clock.monotonic() - started) * 100) / 100;
              const recordedAt = new Date(clock.now()).toISOString();
              recorder.recordLater(
                cassette,
                (): Interaction => {
                  const responseBody = codec.decode(concatBytes(chunks), headers);
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
                  logger.log(
                    'error',
                    'record.failed',
                    `not recorded: ${context.request.method} ${context.request.path}: ${(error as Error).message}`,
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
