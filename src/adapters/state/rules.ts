import { TapedeckError } from '../../core/errors.js';
import type { ListQuery } from '../../core/ports/resources.js';

/**
 * What the memory and SQLite resource stores share, so both count, filter and page alike
 * (test/contract/resource-store.contract.ts runs on both).
 */

/** The bytes a stored value counts for the `bytes` quota: its JSON text in UTF-8. */
export function byteLength(json: string): number {
  return Buffer.byteLength(json, 'utf8');
}

/** A page's size, 1..10 000. */
export function pageLimit(limit: number): number {
  return Math.min(10_000, Math.max(1, Math.floor(Number.isFinite(limit) ? limit : 1)));
}

/** The filters of a query, by field name (a stable order, so one shape is one statement). */
export function whereEntries(
  where: ListQuery['where'],
): [string, string | number | boolean | null][] {
  if (where === undefined) return [];
  return Object.entries(where).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The SQLite JSON path of a top-level field: `$."field"`. Field names come from the resource
 * model; one holding `"` or `\` cannot be quoted in a path and is a bug of the caller.
 */
export function jsonPath(field: string): string {
  if (/["\\]/.test(field) || field.length === 0)
    throw new TapedeckError(
      'TD_INTERNAL',
      `Cannot filter a list on the field ${JSON.stringify(field)}: a field name holds no quote or backslash.`,
    );
  return `$."${field}"`;
}
