/**
 * Sending one request to the live API for `tapedeck drift`: a timeout per attempt, bounded
 * retries with exponential backoff for idempotent methods only, `Retry-After` honoured (seconds
 * or an HTTP date, capped). Whatever happens, the caller gets an answer or a reason it could not
 * check, never an exception: the job always finishes.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { concatBytes } from '../../core/bytes.js';
import type { HeaderMap } from '../../core/cassette/model.js';
import type { UncheckedReason } from '../../core/drift/model.js';
import { isTapedeckError } from '../../core/errors.js';
import { firstHeaderValue } from '../../core/http/index.js';
import type { Clock, Upstream, UpstreamRequest } from '../../core/ports/index.js';
import { IDEMPOTENT_METHODS } from '../../core/drift/flows.js';

/** The longest `Retry-After` drift waits for; a longer one ends the retries at once. */
export const RETRY_AFTER_CAP_MS = 30_000;
/** First backoff between attempts; doubled each time, up to BACKOFF_MAX_MS. */
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 5_000;

export interface SendPolicy {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly maxBodyBytes: number;
  readonly clock: Clock;
  /** Waits between attempts; a test may pass a fake. */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

export interface LiveAnswer {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  readonly latencyMs: number;
  readonly attempts: number;
}

export type SendResult =
  | { readonly ok: true; readonly answer: LiveAnswer }
  | {
      readonly ok: false;
      readonly reason: UncheckedReason;
      readonly detail: string;
      readonly attempts: number;
    };

/** An HTTP date starts with the day name (RFC 9110 §5.6.7, all three formats). */
const HTTP_DATE_START = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /;

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse reads almost anything ("1.5", "-1") as some date: only a real HTTP date counts.
  if (!HTTP_DATE_START.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

class BodyTooLarge extends Error {}

async function readAll(body: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new BodyTooLarge(`the body is over ${limit} bytes (maxBodyBytes)`);
    chunks.push(chunk);
  }
  return concatBytes(chunks);
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed before the answer ended',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timed out',
  EGRESS_REFUSED: 'refused by the egress policy (upstream.forbiddenHosts / allowedHosts)',
};

/** A short, secret-free description of a network failure: `connection refused (ECONNREFUSED)`. */
function networkDetail(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('TD_'))
      return NETWORK_CODES[code] === undefined ? code : `${NETWORK_CODES[code]} (${code})`;
    e = (e as { cause?: unknown }).cause;
  }
  return 'connection failed';
}

/**
 * Sends `request` until it gets an answer worth comparing or runs out of attempts. Only
 * idempotent methods are tried more than once: a POST that timed out may still have happened.
 */
export async function sendWithRetries(
  upstream: Upstream,
  request: UpstreamRequest,
  policy: SendPolicy,
): Promise<SendResult> {
  const sleep = policy.sleep ?? ((ms: number) => sleepFor(ms));
  const attempts = IDEMPOTENT_METHODS.has(request.method) ? policy.retries + 1 : 1;
  let last: SendResult = { ok: false, reason: 'network', detail: 'not sent', attempts: 0 };
  for (let attempt = 0; attempt < attempts; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
    const started = policy.clock.monotonic();
    let waitMs: number | undefined;
    try {
      const response = await upstream.send(request, controller.signal);
      const body = await readAll(response.body, policy.maxBodyBytes);
      const latencyMs = Math.round((policy.clock.monotonic() - started) * 100) / 100;
      if (!RETRYABLE_STATUS.has(response.status)) {
        return {
          ok: true,
          answer: {
            status: response.status,
            headers: response.headers,
            body,
            latencyMs,
            attempts: attempt + 1,
          },
        };
      }
      const retryAfter = parseRetryAfter(
        firstHeaderValue(response.headers, 'retry-after'),
        policy.clock.now(),
      );
      const tries = `${attempt + 1} attempt(s)`;
      if (response.status === 429) {
        last = {
          ok: false,
          reason: 'rate-limited',
          detail: `429 Too Many Requests after ${tries}${retryAfter === undefined ? '' : `; Retry-After ${Math.ceil(retryAfter / 1000)} s`}`,
          attempts: attempt + 1,
        };
      } else {
        last = {
          ok: false,
          reason: 'upstream-unavailable',
          detail: `${response.status} after ${tries}`,
          attempts: attempt + 1,
        };
      }
      if (retryAfter !== undefined && retryAfter > RETRY_AFTER_CAP_MS) {
        return {
          ...last,
          detail: `${last.detail}: asked to wait longer than the ${RETRY_AFTER_CAP_MS / 1000} s cap`,
        };
      }
      waitMs = retryAfter ?? backoffMs(attempt);
    } catch (error) {
      const timedOut =
        controller.signal.aborted ||
        (isTapedeckError(error) && error.code === 'TD_UPSTREAM_TIMEOUT');
      if (error instanceof BodyTooLarge) {
        return {
          ok: false,
          reason: 'unreadable-body',
          detail: error.message,
          attempts: attempt + 1,
        };
      }
      last = timedOut
        ? {
            ok: false,
            reason: 'timeout',
            detail: `no complete answer within ${policy.timeoutMs} ms (${attempt + 1} attempt(s))`,
            attempts: attempt + 1,
          }
        : {
            ok: false,
            reason: 'network',
            detail: `${networkDetail(error)} (${attempt + 1} attempt(s))`,
            attempts: attempt + 1,
          };
      waitMs = backoffMs(attempt);
    } finally {
      clearTimeout(timer);
    }
    if (attempt + 1 < attempts) await sleep(waitMs);
  }
  return last;
}
