/**
 * Array alignment for the JSON comparison: each array key path gets one identity field (`id`,
 * `uuid`, `key`, `name`, ...) when every element of every array there carries one, unique
 * within its array, or `$index` (by position) otherwise. json-diff-ts keys arrays by the same
 * identities, so a changeset's keys can be looked up here.
 */
import { getOwn, type JsonValue } from '../json.js';

/** Candidate identity fields for aligning arrays of objects, in order of preference. */
const IDENTITY_KEYS = ['id', 'uuid', 'guid', 'key', 'slug', 'name', 'code', 'sku', '_id', 'handle'];

export function isContainer(
  v: JsonValue | undefined,
): v is JsonValue[] | { [k: string]: JsonValue } {
  return v !== null && typeof v === 'object';
}

/** The identity of an array element as json-diff-ts keys it (String of the field). */
export function identityOf(el: JsonValue | undefined, identity: string): string | undefined {
  if (!isContainer(el) || Array.isArray(el)) return undefined;
  const v = getOwn(el, identity);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** Element index by identity, built once per array (a changeset can name every element). */
const elementIndexes = new WeakMap<readonly JsonValue[], Map<string, number>>();

export function indexOfElement(
  arr: readonly JsonValue[],
  identity: string,
  key: string,
): number | undefined {
  if (identity === '$index') {
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < arr.length && String(i) === key ? i : undefined;
  }
  let index = elementIndexes.get(arr);
  if (index === undefined) {
    index = new Map();
    for (let i = 0; i < arr.length; i++) {
      const id = identityOf(arr[i], identity);
      if (id !== undefined && !index.has(id)) index.set(id, i);
    }
    elementIndexes.set(arr, index);
  }
  return index.get(key);
}

/** Every array in a document, grouped by json-diff-ts key path (object keys joined by '.'). */
export function collectArrays(
  node: JsonValue,
  keyPath: readonly string[],
  out: Map<string, JsonValue[][]>,
) {
  if (!isContainer(node)) return;
  if (Array.isArray(node)) {
    const k = keyPath.join('.');
    const list = out.get(k);
    if (list) list.push(node);
    else out.set(k, [node]);
    for (const el of node) collectArrays(el, keyPath, out);
    return;
  }
  for (const [key, value] of Object.entries(node)) collectArrays(value, [...keyPath, key], out);
}

/**
 * The identity field for all arrays at one key path: the first candidate that every element of
 * every such array (both documents) carries as a string or number, unique within its array.
 * `$index` (align by position) otherwise.
 */
export function chooseIdentity(arrays: readonly JsonValue[][]): string {
  if (arrays.every((a) => a.length === 0)) return '$index';
  for (const key of IDENTITY_KEYS) {
    const ok = arrays.every((arr) => {
      const seen = new Set<string>();
      for (const el of arr) {
        const id = identityOf(el, key);
        // `__proto__` as a keyBy key would set a prototype inside json-diff-ts.
        if (id === undefined || id === '__proto__' || seen.has(id)) return false;
        seen.add(id);
      }
      return true;
    });
    if (ok) return key;
  }
  return '$index';
}
