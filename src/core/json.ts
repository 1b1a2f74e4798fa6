/** JSON values and deterministic serialization. */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Compact JSON with object keys sorted at every depth: two values that are equal as JSON
 * serialize to the same string. Used for matching keys.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`;
  }
  return `${out}}`;
}

/**
 * Pretty JSON (two-space indent, trailing newline) with keys sorted everywhere except below
 * the paths for which `keepOrder` answers true. Cassettes use this: their own structure is
 * sorted so diffs stay small, while recorded JSON bodies keep the key order the API sent.
 */
export function stableStringify(
  value: unknown,
  keepOrder: (path: readonly string[]) => boolean = () => false,
): string {
  return `${write(value, [], '', keepOrder)}\n`;
}

/**
 * The text `stableStringify` writes for `value` when it sits at `path` inside a larger document,
 * indented by `indent` (the indentation of the line it starts on); no trailing newline. Lets a
 * caller assemble a document from pieces serialized at different times.
 *
 * With `keepOrderIsInherited`, the caller promises that `keepOrder` answers true for every path
 * below one for which it answers true (as for "inside a recorded JSON body"), and that the
 * value is plain JSON data (no `toJSON`, no holes in arrays): such subtrees are then written by
 * the native `JSON.stringify`, to the same text, many times faster.
 */
export function stableStringifyAt(
  value: unknown,
  path: readonly string[],
  indent: string,
  keepOrder: (path: readonly string[]) => boolean = () => false,
  keepOrderIsInherited = false,
): string {
  return write(value, [...path], indent, keepOrder, keepOrderIsInherited);
}

function write(
  value: unknown,
  path: string[],
  indent: string,
  keepOrder: (path: readonly string[]) => boolean,
  inherited = false,
): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (inherited && keepOrder(path)) {
    // Two-space indent, keys in their own order: what the code below writes. Strings in JSON
    // text hold no raw newline, so every newline starts a line to indent.
    const text = JSON.stringify(value, null, 2);
    return indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item, i) => {
      path.push(String(i));
      const text = write(item, path, inner, keepOrder, inherited);
      path.pop();
      return `${inner}${text}`;
    });
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined);
  if (!keepOrder(path)) keys.sort();
  if (keys.length === 0) return '{}';
  const items = keys.map((key) => {
    path.push(key);
    const text = write(record[key], path, inner, keepOrder, inherited);
    path.pop();
    return `${inner}${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${items.join(',\n')}\n${indent}}`;
}

/** RFC 6901 JSON pointer for a path of keys and indexes. */
export function jsonPointer(path: readonly (string | number)[]): string {
  if (path.length === 0) return '';
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Sets an own property. Maps keyed by what clients send (headers, query parameters, JSON keys)
 * must not treat `__proto__` as the prototype setter: assignment would change the object's
 * prototype instead of storing the key.
 */
export function setOwn<T>(map: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    map[key] = value;
  }
}

/** An own property only: `constructor` or `toString` in a client's map are not Object's. */
export function getOwn<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Applies `f` to every string in a JSON value, object keys included; returns a new value. */
export function mapJsonStrings(node: JsonValue, f: (s: string) => string): JsonValue {
  if (typeof node === 'string') return f(node);
  if (Array.isArray(node)) return node.map((child) => mapJsonStrings(child, f));
  if (isJsonObject(node)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, child] of Object.entries(node)) setOwn(out, f(k), mapJsonStrings(child, f));
    return out;
  }
  return node;
}
