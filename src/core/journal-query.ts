import type { JournalEntry, JournalQuery } from './ports/journal.js';

/**
 * The issue-16 facts of a journal entry that no query filters by: stored together, read back
 * whole (the SQLite store's `detail` column). Listed once so both stores keep the same members.
 */
export const DETAIL_KEYS = [
  'route',
  'outcome',
  'idempotencyKeyHash',
  'idempotency',
  'conforms',
  'violations',
  'traceId',
  'events',
  'retryAfter',
  'page',
] as const satisfies readonly (keyof JournalEntry)[];

/** Whether a status passes a query's status filter (a number, or a class such as `4xx`). */
export function statusMatches(status: number, filter: JournalQuery['status']): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'number') return status === filter;
  const hundreds = Number(filter[0]) * 100;
  return status >= hundreds && status < hundreds + 100;
}

/** Refuses a query that pages both ways, or by a cursor that is not a whole number. */
export function checkJournalQuery(query: JournalQuery): void {
  if (query.before !== undefined && query.after !== undefined) {
    throw new RangeError('A journal query pages before or after a cursor, not both.');
  }
  for (const cursor of [query.before, query.after]) {
    if (cursor !== undefined && !Number.isSafeInteger(cursor)) {
      throw new RangeError('A journal cursor is a whole number.');
    }
  }
}
