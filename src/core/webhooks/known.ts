/**
 * The check of an endpoint's event filter against the types a sandbox can emit (emitted.ts
 * lists them): a mistyped `custmer.created` would otherwise register an endpoint that never gets
 * anything (Stripe refuses an unknown `enabled_events` entry the same way). Without the model (a
 * CLI on a state directory with no spec or recordings at hand) the model's own
 * created/updated/deleted cannot be listed: a filter of that shape is then accepted unchecked,
 * and the caller says so.
 */
import { nearestNames } from '../validation.js';

/** The verbs the state engine emits for every type. */
export const VERBS = ['created', 'updated', 'deleted'] as const;
/** How many known types a refusal lists when none is near the mistyped one. */
const LISTED = 12;

export interface KnownEvents {
  /** Every type known to be emitted, sorted. */
  readonly types: readonly string[];
  /**
   * The model was at hand: a type outside `types` cannot be emitted. Else a type of the
   * naming's shape (`x.created`) may be one of the model's, and is not refused.
   */
  readonly complete: boolean;
  /** The profile's `events.naming`: `{object}.{verb}`. */
  readonly naming: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A type of the naming's shape with a verb the engine emits for every type (`x.created`). */
function modelShaped(type: string, naming: string): boolean {
  const pattern = escapeRegExp(naming)
    .replace(escapeRegExp('{object}'), '[A-Za-z0-9_.-]+')
    .replace(escapeRegExp('{verb}'), `(?:${VERBS.join('|')})`);
  return new RegExp(`^${pattern}$`).test(type);
}

/** What the check made of one filter entry. */
export type FilterVerdict =
  | { readonly kind: 'known' }
  /** The model was not at hand and the entry may be one of its types. */
  | { readonly kind: 'unchecked' }
  | { readonly kind: 'unknown'; readonly nearest: readonly string[] };

/**
 * One entry of an endpoint's filter (already of the filter's syntax): `*`; `a.*`, a group some
 * known type is in; `a.b`, a known type. An unknown one gets the nearest known types (groups
 * for a group).
 */
export function checkFilter(filter: string, known: KnownEvents): FilterVerdict {
  if (filter === '*') return { kind: 'known' };
  if (filter.endsWith('.*')) {
    const prefix = filter.slice(0, -1);
    if (known.types.some((t) => t.startsWith(prefix))) return { kind: 'known' };
    if (!known.complete) return { kind: 'unchecked' };
    const groups = new Set<string>();
    for (const t of known.types) {
      const dot = t.lastIndexOf('.');
      if (dot > 0) groups.add(`${t.slice(0, dot)}.*`);
    }
    return { kind: 'unknown', nearest: nearestNames(filter, [...groups]) };
  }
  if (known.types.includes(filter)) return { kind: 'known' };
  if (!known.complete && modelShaped(filter, known.naming)) return { kind: 'unchecked' };
  return { kind: 'unknown', nearest: nearestNames(filter, known.types) };
}

/** What to say instead of an unknown entry: its nearest known types, else some known ones. */
export function suggestion(nearest: readonly string[], known: KnownEvents): string {
  if (nearest.length > 0) return `did you mean ${nearest.join(' or ')}?`;
  if (known.types.length === 0) return 'the sandbox knows no event types';
  const listed = known.types.slice(0, LISTED).join(', ');
  return `none is close; known: ${listed}${known.types.length > LISTED ? `, … (${known.types.length} in all)` : ''}`;
}
