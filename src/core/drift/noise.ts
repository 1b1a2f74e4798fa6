/**
 * Built-in noise and the "enum-like" rule: which differences between a recording and a live
 * answer are expected on every call, and which string fields look like a closed vocabulary.
 * Names are matched case-insensitively on the last key of the location; values must also have
 * the expected shape, so a field called `date` that holds a name is still compared.
 */
import type { JsonValue } from '../json.js';
import { collapseRedacted } from '../matching/normalize.js';
import { containsPseudonym } from '../redaction/pseudonym.js';

/**
 * Response headers whose value legitimately changes between calls. A change of value is noise;
 * a header that disappears is still reported (noise only hides value changes).
 */
export const BUILTIN_NOISE_HEADERS: ReadonlySet<string> = new Set([
  'date',
  'age',
  'etag',
  'last-modified',
  'expires',
  'x-request-id',
  'request-id',
  'x-correlation-id',
  'x-trace-id',
  'traceparent',
  'tracestate',
  'x-amzn-requestid',
  'x-amz-request-id',
  'cf-ray',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit',
  'retry-after',
  'x-next-cursor',
  'server-timing',
]);

const TIMESTAMP_NAME =
  /^(created|updated|modified|deleted|expires?|expiry|issued|timestamp|ts|date|time|datetime|now|last_?seen|last_?login|generated|server_?time)$|(_at|_on|_time|_date|_ts|At|On|Time|Date|Timestamp|timestamp)$/;

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
// Epoch seconds between 2001 and 2286, or the same in milliseconds.
const EPOCH = /^(?:\d{10}|\d{13})(?:\.\d+)?$/;

const VOLATILE_ID_NAME =
  /^(request_?id|req_?id|trace_?id|span_?id|correlation_?id|nonce|etag|e_?tag|cursor|next_?cursor|prev(ious)?_?cursor|start(ing)?_?after|ending_?before|(next_?)?page_?token|continuation(_?token)?|idempotency_?key|csrf_?token|x-request-id)$|(_cursor|Cursor|_nonce|Nonce|RequestId|_request_id)$/i;

/** Does the value have the shape of a timestamp (ISO-8601, HTTP date, epoch seconds or ms)? */
export function isTimestampShaped(value: JsonValue | undefined): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && EPOCH.test(String(value));
  if (typeof value !== 'string') return false;
  return ISO_8601.test(value) || HTTP_DATE.test(value) || EPOCH.test(value);
}

/**
 * Is a change of value at a field named `name` expected on every call? Timestamps need both a
 * timestamp-like name and a timestamp-shaped value on both sides; request ids, cursors, nonces
 * and ETags need the name and a string or number on both sides.
 */
export function isBuiltinNoiseField(
  name: string | number | undefined,
  recorded: JsonValue | undefined,
  live: JsonValue | undefined,
): boolean {
  if (differOnlyInRedaction(recorded, live)) return true;
  if (typeof name !== 'string') return false;
  if (TIMESTAMP_NAME.test(name) && isTimestampShaped(recorded) && isTimestampShaped(live))
    return true;
  const scalar = (v: JsonValue | undefined) => typeof v === 'string' || typeof v === 'number';
  return VOLATILE_ID_NAME.test(name) && scalar(recorded) && scalar(live);
}

/**
 * Two strings that are the same once every pseudonym in them is read as one placeholder: the
 * same secret redacted under another key (or a secret that was rotated). What a secret is
 * cannot be drift that a report may show, and replay treats them alike too.
 */
export function differOnlyInRedaction(
  recorded: JsonValue | undefined,
  live: JsonValue | undefined,
): boolean {
  return (
    typeof recorded === 'string' &&
    typeof live === 'string' &&
    containsPseudonym(recorded) &&
    collapseRedacted(recorded) === collapseRedacted(live)
  );
}

const STATUS_LIKE_NAME =
  /^(status|state|type|kind|phase|stage|level|tier|role|category|mode|outcome|result)$|(_status|Status|_state|State|_type|Type|_kind|Kind|_phase|Phase)$/;
const ENUM_WORD = /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*|[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*)$/;

/** A field whose name says it holds one of a closed set of values: status, state, type, kind... */
export function isStatusLikeName(name: string | number | undefined): name is string {
  return typeof name === 'string' && STATUS_LIKE_NAME.test(name);
}

/** A value that looks like an enum member: `active`, `in_progress`, `PAYMENT_FAILED` (≤ 40 chars). */
export function isEnumWord(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && value.length <= 40 && ENUM_WORD.test(value);
}
