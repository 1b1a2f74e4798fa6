import { TapedeckError } from '../../core/errors.js';
import { LAYER_NAMES, type LayerName } from '../../core/pipeline.js';
import type { JournalQuery } from '../../core/ports/journal.js';
import { parseDuration } from '../../core/sandbox/duration.js';

/**
 * The filters of a journal read, as `GET /__tapedeck/journal` takes them and `tapedeck journal`
 * takes them as flags: one parser, so both accept the same spellings and refuse the same way.
 */
export const JOURNAL_PARAMETERS = [
  'tenant',
  'since',
  'operation',
  'status',
  'layer',
  'limit',
  'cursor',
  'kept',
] as const;

export type JournalParameter = (typeof JOURNAL_PARAMETERS)[number];

/** At most this many entries per read (a page). */
export const MAX_JOURNAL_LIMIT = 10_000;
export const DEFAULT_JOURNAL_LIMIT = 100;

/** A journal read, parsed: the query without its tenant (a name or an id, resolved by the caller). */
export interface JournalParams {
  /** The `tenant` parameter as given: a name or an id. */
  readonly tenant?: string;
  readonly query: Omit<JournalQuery, 'tenant'>;
  /** `kept=1`: the stored entries rather than the memory window (replay, record, mock). */
  readonly kept: boolean;
  /** Whether a filter or a cursor was given: only the store can answer it. */
  readonly filtered: boolean;
}

/** A parameter that cannot be read: TD_USAGE naming it (`details.parameter`). */
function bad(parameter: string, message: string): TapedeckError {
  return new TapedeckError('TD_USAGE', message, { details: { parameter } });
}

const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `since`: an ISO 8601 time (`2025-05-01T12:00:00Z`, or a date), milliseconds since the epoch,
 * or a duration before `now` (`15m`, `2h`, `7d`). Ms since the epoch, real time (entries' `at`).
 */
export function parseSince(text: string, now: number, parameter = 'since'): number {
  const value = text.trim();
  if (/^\d{10,16}$/.test(value)) return Number(value);
  if (ISO_TIME.test(value)) {
    const at = Date.parse(value);
    if (Number.isFinite(at)) return at;
  }
  if (/^\d+(?:ms|s|m|h|d)$/.test(value)) {
    try {
      return now - parseDuration(value, parameter);
    } catch {
      // Too long to count: refused below, as any other spelling.
    }
  }
  throw bad(
    parameter,
    `${parameter} must be an ISO 8601 time (2025-05-01T12:00:00Z), milliseconds since the epoch, or a duration ago (15m, 2h, 7d).`,
  );
}

/** `status`: a status (`404`) or a class (`4xx`). */
export function parseStatus(
  text: string,
  parameter = 'status',
): NonNullable<JournalQuery['status']> {
  const value = text.trim().toLowerCase();
  if (/^[1-5]\d\d$/.test(value)) return Number(value);
  if (/^[1-5]xx$/.test(value)) return value as `${1 | 2 | 3 | 4 | 5}xx`;
  throw bad(parameter, `${parameter} must be a status such as 404 or a class such as 4xx.`);
}

/** `layer`: one layer or several, comma-separated (`state,cassette`). */
export function parseLayers(text: string, parameter = 'layer'): LayerName[] {
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const known = new Set<string>(LAYER_NAMES);
  if (names.length === 0 || names.some((n) => !known.has(n)))
    throw bad(
      parameter,
      `${parameter} must name layers, comma-separated, of: ${LAYER_NAMES.join(', ')}.`,
    );
  return [...new Set(names)] as LayerName[];
}

/** `limit`: a whole number from 1 to MAX_JOURNAL_LIMIT. */
export function parseLimit(text: string, parameter = 'limit'): number {
  const value = text.trim();
  const limit = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_JOURNAL_LIMIT))
    throw bad(parameter, `${parameter} must be a whole number from 1 to ${MAX_JOURNAL_LIMIT}.`);
  return limit;
}

/** The cursor of the next page, as an answer's `next` gives it (the last entry's seq). */
export function cursorOf(seq: number): string {
  return String(seq);
}

function parseCursor(text: string): number {
  const value = text.trim();
  const seq = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(seq >= 1))
    throw bad('cursor', 'cursor must be the `next` of an earlier answer, as it was given.');
  return seq;
}

/**
 * The parameters of a journal read. `names` are every parameter the call gave: an unknown one
 * (a typo such as `opertion`) is refused rather than ignored, since ignoring it would answer
 * more than was asked for. Each value is read once (the first, as URLSearchParams.get does).
 */
export function parseJournalParams(
  get: (name: string) => string | null | undefined,
  names: Iterable<string>,
  now: number,
): JournalParams {
  const known = new Set<string>(JOURNAL_PARAMETERS);
  for (const name of names)
    if (!known.has(name))
      throw bad(
        name,
        `The journal takes no parameter "${/^[a-z_-]{1,32}$/i.test(name) ? name : '(this one)'}"; it takes ${JOURNAL_PARAMETERS.join(', ')}.`,
      );
  const text = (name: JournalParameter): string | undefined => {
    const value = get(name);
    return value === null || value === undefined ? undefined : value;
  };
  const tenant = text('tenant');
  if (tenant !== undefined && tenant.trim() === '')
    throw bad('tenant', 'tenant must name a tenant (its name or its id).');
  const operation = text('operation');
  if (operation !== undefined && operation.trim() === '')
    throw bad(
      'operation',
      'operation must name an operation (an operationId, or METHOD /template).',
    );
  const kept = text('kept');
  if (kept !== undefined && kept !== '1' && kept !== '0')
    throw bad('kept', 'kept must be 1 (the stored entries) or 0 (the memory window).');

  const since = text('since');
  const status = text('status');
  const layer = text('layer');
  const cursor = text('cursor');
  const limit = text('limit');
  const query: Omit<JournalQuery, 'tenant'> = {
    limit: limit === undefined ? DEFAULT_JOURNAL_LIMIT : parseLimit(limit),
    ...(since === undefined ? {} : { since: parseSince(since, now) }),
    ...(operation === undefined ? {} : { operation: operation.trim() }),
    ...(status === undefined ? {} : { status: parseStatus(status) }),
    ...(layer === undefined ? {} : { layers: parseLayers(layer) }),
    ...(cursor === undefined ? {} : { before: parseCursor(cursor) }),
  };
  const filtered = [tenant, since, operation, status, layer, cursor].some((v) => v !== undefined);
  return {
    ...(tenant === undefined ? {} : { tenant: tenant.trim() }),
    query,
    kept: kept === '1',
    filtered,
  };
}
