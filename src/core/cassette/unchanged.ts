/**
 * Re-recording without noise: when `record --mode all` records an exchange again and nothing
 * but timing changed, the stored interaction is kept as it was, so the cassette file stays
 * byte-identical and a pull request's diff shows only real change.
 */
import { stableStringify } from '../json.js';
import { isInsideJsonBody, type HeaderMap, type Interaction } from './model.js';

/**
 * Headers that differ on every exchange without saying anything about it: the time it was
 * answered, cache ages derived from that time, per-request ids and server timings. They are
 * ignored when deciding whether an exchange changed (on both sides), never when replaying.
 * `last-modified` and `etag` are not here: they change with the resource. Neither is `expires`:
 * it is caching policy as well as time, so only its distance from `date` is compared (a move from
 * `Expires: 0` to a far-future date is a real change; the same max-age a minute later is not).
 */
export const VOLATILE_HEADERS: ReadonlySet<string> = new Set([
  'date',
  'age',
  'x-request-id',
  'request-id',
  'x-amzn-requestid',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-cf-id',
  'cf-ray',
  'x-github-request-id',
  'x-runtime',
  'x-response-time',
  'server-timing',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'x-b3-traceid',
  'x-b3-spanid',
]);

/** `expires` as seconds after `date` when both are single HTTP dates; else as it was. */
function expiresRelative(headers: HeaderMap): string | string[] | undefined {
  const expires = headers['expires'];
  const date = headers['date'];
  if (typeof expires !== 'string' || typeof date !== 'string') return expires;
  const at = Date.parse(expires);
  const sent = Date.parse(date);
  return Number.isNaN(at) || Number.isNaN(sent) ? expires : `date + ${(at - sent) / 1000} s`;
}

function stable(headers: HeaderMap): HeaderMap {
  const out: HeaderMap = {};
  for (const name of Object.keys(headers)) {
    if (VOLATILE_HEADERS.has(name)) continue;
    const value = name === 'expires' ? expiresRelative(headers) : headers[name];
    Object.defineProperty(out, name, { value, enumerable: true });
  }
  return out;
}

/**
 * What an interaction says once `latencyMs`, `recordedAt` and volatile headers are set aside:
 * two interactions with the same fingerprint record the same exchange.
 */
export function exchangeFingerprint(interaction: Interaction): string {
  const { request, response, replayable } = interaction;
  return stableStringify(
    {
      request: { ...request, headers: stable(request.headers) },
      response: { ...response, headers: stable(response.headers) },
      replayable,
    },
    isInsideJsonBody,
  );
}

/**
 * The interactions of one cassette before a re-recording run, by fingerprint: each recorded
 * again unchanged is answered once with the stored interaction (the earliest unused position
 * first), so a flow that repeats a request keeps each of its recordings.
 */
export class PreviousInteractions {
  private readonly byFingerprint = new Map<string, Interaction[]>();

  constructor(previous: readonly Interaction[]) {
    for (const interaction of previous) {
      const fingerprint = exchangeFingerprint(interaction);
      const list = this.byFingerprint.get(fingerprint);
      if (list === undefined) this.byFingerprint.set(fingerprint, [interaction]);
      else list.push(interaction);
    }
  }

  /** The stored interaction when `fresh` records the same exchange, else `fresh` itself. */
  keep(fresh: Interaction): Interaction {
    if (this.byFingerprint.size === 0) return fresh;
    const list = this.byFingerprint.get(exchangeFingerprint(fresh));
    return list?.shift() ?? fresh;
  }
}
