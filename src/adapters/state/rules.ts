import { randomBytes } from 'node:crypto';
import { TapedeckError } from '../../core/errors.js';
import type { ListQuery } from '../../core/ports/resources.js';
import type { DeliveryStatus } from '../../core/ports/webhooks.js';

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

/** A page's offset: from 0; not a number reads from the start, Infinity past the end. */
export function pageOffset(offset: number | undefined): number {
  if (offset === undefined || Number.isNaN(offset)) return 0;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(offset)));
}

/** How many records a read answers at most: from 1; not a number reads one. */
export function readLimit(limit: number): number {
  if (Number.isNaN(limit)) return 1;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, Math.floor(limit)));
}

/**
 * A number a store keeps (a sequence value, a request count, how many ids to reserve): NaN or
 * Infinity would poison the stored counter for good (SQLite keeps Infinity as is), so it is a
 * bug of the caller, refused before anything is written.
 */
export function finite(what: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TapedeckError(
      'TD_INTERNAL',
      `Cannot store ${String(value)} as ${what}: not a finite number.`,
    );
  return value;
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
 * model; one holding `"`, `\` or NUL cannot be quoted in a path and is a bug of the caller.
 */
export function jsonPath(field: string): string {
  if (/["\\]/.test(field) || field.includes('\u0000') || field.length === 0)
    throw new TapedeckError(
      'TD_INTERNAL',
      `Cannot filter a list on the field ${JSON.stringify(field)}: a field name holds no quote, backslash or NUL.`,
    );
  return `$."${field}"`;
}

/** A new arm id (issue 14): `arm_` and 16 random hex digits, unique in practice in one state file. */
export function newArmId(): string {
  return `arm_${randomBytes(8).toString('hex')}`;
}

/**
 * How many firings an arm gets: undefined (until disarmed) or a whole number from 1. Anything
 * else is a bug of the caller (the admin API and the CLI check it first, with their own message).
 */
export function armCount(count: number | undefined): number | undefined {
  if (count === undefined) return undefined;
  if (!Number.isSafeInteger(count) || count < 1)
    throw new TapedeckError(
      'TD_INTERNAL',
      `Cannot arm a scenario for ${String(count)} firings: a whole number from 1, or none for until disarmed.`,
    );
  return count;
}

/**
 * The status a settled delivery takes. A manual redelivery is one attempt, never scheduled
 * again: asked to retry, it fails instead (both webhook stores, so they answer alike).
 */
export function settledStatus(status: DeliveryStatus, manual: boolean): DeliveryStatus {
  return status === 'pending' && manual ? 'failed' : status;
}

/**
 * The status an attempt settles a delivery to when its endpoint was deleted while it was in
 * flight: `delivered` when the receiver took it, else what the outcome ended with, never pending
 * again (there is nowhere to retry it).
 */
export function abandonedStatus(status: DeliveryStatus): DeliveryStatus {
  return status === 'pending' ? 'abandoned' : status;
}
