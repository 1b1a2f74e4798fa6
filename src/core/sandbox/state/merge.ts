import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../json.js';

/**
 * How a write changes a stored object (docs/design/issue-13-plan.md §1.7):
 *
 * - update (POST/PATCH item): a deep merge — objects key by key, arrays and scalars replaced,
 *   `null` sets null; with the profile's `emptyStringUnsets` (Stripe) an empty string unsets:
 *   `metadata[plan]=` deletes the key, `metadata=` empties the object, `description=` sets null
 *   where the schema allows null;
 * - `application/merge-patch+json`: RFC 7396 whatever the profile (null deletes);
 * - replace (PUT): the template, then the body, server-owned fields kept from the stored object.
 */

export interface MergeOptions {
  readonly emptyStringUnsets: boolean;
  /** Whether the place at a path may hold null, by the item schema; undefined when unknown. */
  readonly nullableAt?: (path: readonly string[]) => boolean | undefined;
}

const MAX_DEPTH = 32;

export function deepMerge(
  target: JsonObject,
  patch: JsonObject,
  options: MergeOptions,
  path: readonly string[] = [],
): JsonObject {
  const out: JsonObject = { ...target };
  for (const [name, value] of Object.entries(patch)) {
    const here = [...path, name];
    const current = Object.hasOwn(target, name) ? target[name] : undefined;
    if (value === '' && options.emptyStringUnsets) {
      if (isJsonObject(current)) setOwn(out, name, {});
      else {
        const nullable = options.nullableAt?.(here);
        if (nullable === true || (nullable === undefined && path.length === 0))
          setOwn(out, name, null);
        else delete out[name];
      }
      continue;
    }
    if (isJsonObject(value) && isJsonObject(current) && here.length < MAX_DEPTH) {
      setOwn(out, name, deepMerge(current, value, options, here));
      continue;
    }
    setOwn(out, name, value);
  }
  return out;
}

/** RFC 7396 JSON Merge Patch. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue, depth = 0): JsonValue {
  if (!isJsonObject(patch) || depth > MAX_DEPTH) return patch;
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete out[name];
    else setOwn(out, name, mergePatch(out[name], value, depth + 1));
  }
  return out;
}

/**
 * A PUT: the type's template with the body's fields over it; every server-owned field (and the
 * id) keeps its stored value.
 */
export function replaceWith(
  template: JsonObject,
  body: JsonObject,
  stored: JsonObject,
  serverOwned: readonly string[],
): JsonObject {
  const out: JsonObject = { ...template, ...body };
  for (const name of serverOwned) {
    if (Object.hasOwn(stored, name)) setOwn(out, name, stored[name]!);
    else delete out[name];
  }
  return out;
}
