/** Event facts the engine adds (docs/design/issue-15-plan.md §2 "Events → outbox"). */
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../json.js';

/** Deep equality of JSON values; object members in any order. */
function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]!));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k]!, b[k]!));
}

/**
 * The top-level fields `after` changed, with their values in `before` (Stripe's
 * `previous_attributes`); undefined when nothing changed or either is not an object. A field
 * `after` added was null before; one it dropped keeps its old value.
 */
export function previousAttributes(before: JsonValue, after: JsonValue): JsonValue | undefined {
  if (!isJsonObject(before) || !isJsonObject(after)) return undefined;
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(after)) {
    const old = Object.hasOwn(before, name) ? before[name]! : null;
    if (!sameJson(old, value)) setOwn(out, name, old);
  }
  for (const [name, value] of Object.entries(before))
    if (!Object.hasOwn(after, name)) setOwn(out, name, value);
  return Object.keys(out).length === 0 ? undefined : out;
}
