/** JSON values and deterministic serialization. */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * An object that is neither null nor an array, read member by member: a parsed document, a
 * schema node, a JSON object.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return isRecord(value);
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

/**
 * One RFC 6901 reference token: `~` becomes `~0` before `/` becomes `~1`, so a key that holds
 * `~1` comes back as itself rather than as `/`.
 */
export function escapePointerToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The inverse of `escapePointerToken`: `~1` is read before `~0` (RFC 6901 §4). */
export function unescapePointerToken(token: string): string {
  if (!token.includes('~')) return token;
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** RFC 6901 JSON pointer for a path of keys and indexes. */
export function jsonPointer(path: readonly (string | number)[]): string {
  if (path.length === 0) return '';
  return path.map((p) => `/${escapePointerToken(String(p))}`).join('');
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * The node a JSON pointer (`/a/b`, no `#`) names in `document`, or undefined when it names
 * nothing: an own property of an object, or a canonical index (`0`, `12`, never `01`) of an
 * array. `decodeToken` runs on each raw token before it is unescaped; pointers into an OpenAPI
 * document mix keys taken as they are with pieces of percent-encoded `$ref`s, and are decoded
 * token by token.
 */
export function resolvePointer(
  document: unknown,
  pointer: string,
  decodeToken?: (raw: string) => string,
): unknown {
  if (pointer === '') return document;
  if (!pointer.startsWith('/')) return undefined;
  let node = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = unescapePointerToken(decodeToken === undefined ? raw : decodeToken(raw));
    if (Array.isArray(node)) {
      if (!ARRAY_INDEX.test(token)) return undefined;
      node = node[Number(token)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * The node a local `$ref` (`#/components/schemas/Pet`) points at in `document`, or undefined
 * when it points nowhere, is not local, or its percent-encoding is malformed. The fragment is
 * percent-decoded whole before it is split (RFC 6901 §6), so `%2F` separates tokens.
 */
export function resolveLocalRef(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let fragment = ref.slice(1);
  if (fragment.includes('%')) {
    try {
      fragment = decodeURIComponent(fragment);
    } catch {
      return undefined;
    }
  }
  return resolvePointer(document, fragment);
}

/**
 * Equality of JSON values: same type, same members, object keys in any order. What `enum`,
 * `const` and `uniqueItems` mean by equal, and what drift means by an unchanged body.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  for (const key of keys) if (!Object.hasOwn(bo, key) || !jsonEqual(ao[key], bo[key])) return false;
  return true;
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

/**
 * How deep JSON may nest in a file tapedeck loads (a cassette, with its bodies; the JSON held in
 * a text body): every walker over loaded JSON (matching, the scanner, serialization, drift) may
 * then recurse without exhausting the stack. Real API bodies nest a few dozen levels.
 */
export const MAX_JSON_DEPTH = 1000;

/** What `inspectJson` found: the member count of every object, and the first place too deep. */
export interface JsonShape {
  /** Members of all objects together (duplicate keys in the text collapse into one). */
  readonly members: number;
  /** The path of the first array or object nested deeper than the limit, when there is one. */
  readonly tooDeep?: readonly (string | number)[];
}

/**
 * Walks a parsed JSON value without recursion (any depth is safe): counts object members and
 * finds the first container more than `limit` levels deep (the value itself is level 1).
 */
export function inspectJson(value: unknown, limit = MAX_JSON_DEPTH): JsonShape {
  if (value === null || typeof value !== 'object') return { members: 0 };
  const nodes: object[] = [value];
  const depths: number[] = [1];
  let members = 0;
  let deepest = 0;
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > deepest) deepest = depth;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        members++;
        const child = record[key];
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return deepest > limit ? { members, tooDeep: pathDeeperThan(value, limit) } : { members };
}

/** The path to the first container (in document order) nested deeper than `limit`. */
function pathDeeperThan(root: object, limit: number): (string | number)[] {
  return (
    firstPathWhere(
      root,
      (value, isKey, depth) =>
        !isKey && value !== null && typeof value === 'object' && depth > limit,
    ) ?? []
  );
}

/**
 * The path to the first value (in document order) `test` accepts, or undefined; keys are
 * tested as strings too, with `isKey`; `depth` is the value's level (the root is level 1). Without recursion: the value may nest to any depth.
 */
export function firstPathWhere(
  root: unknown,
  test: (value: unknown, isKey: boolean, depth: number) => boolean,
): (string | number)[] | undefined {
  if (test(root, false, 1)) return [];
  if (root === null || typeof root !== 'object') return undefined;
  const path: (string | number)[] = [];
  const frames: { node: object; keys: readonly (string | number)[]; next: number }[] = [];
  const open = (node: object) =>
    frames.push({
      node,
      keys: Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node),
      next: 0,
    });
  open(root);
  while (frames.length > 0) {
    const frame = frames.at(-1)!;
    if (frame.next >= frame.keys.length) {
      frames.pop();
      path.pop();
      continue;
    }
    const key = frame.keys[frame.next++]!;
    // The child's level: one below the open containers (the value itself is level 1).
    const depth = frames.length + 1;
    if (typeof key === 'string' && test(key, true, depth)) return [...path, key];
    const child = (frame.node as Record<string | number, unknown>)[key];
    if (test(child, false, depth)) return [...path, key];
    if (child !== null && typeof child === 'object') {
      path.push(key);
      open(child);
    }
  }
  return undefined;
}

/**
 * A JSON pointer that stays readable when the path is long (a thousand levels): the first and
 * last few tokens, with how many were left out between them.
 */
export function shortPointer(path: readonly (string | number)[], head = 6, tail = 3): string {
  if (path.length <= head + tail + 1) return jsonPointer(path);
  const left = path.length - head - tail;
  return `${jsonPointer(path.slice(0, head))}/…(${left} more)…${jsonPointer(path.slice(-tail))}`;
}

/**
 * How many object keys the JSON text holds (it must be valid JSON: JSON.parse accepted it).
 * Outside strings valid JSON has no `"`, and inside them every `"` is escaped, so each
 * unescaped `"` opens or closes a string; a string followed by `:` is a key. Compared with the
 * members `inspectJson` counts, it tells whether a key was repeated, at the cost of one
 * `indexOf` per string.
 */
export function countJsonKeys(text: string): number {
  let keys = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    const close = closingQuote(text, open);
    if (close === -1) break;
    let k = close + 1;
    while (isJsonSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) === 0x3a) keys++;
    open = text.indexOf('"', k);
  }
  return keys;
}

/** The index of the `"` closing the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return close;
    close = text.indexOf('"', close + 1);
  }
  return -1;
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A key that appears twice in one object: the object's path, the key, and where it repeats. */
export interface DuplicateKey {
  readonly path: readonly (string | number)[];
  readonly key: string;
  /** Offset in the text of the second occurrence. */
  readonly offset: number;
}

/**
 * The first key repeated within one object of valid JSON text, or undefined. Slower than
 * `countJsonKeys` (a Set per object): run when the counts say there is one, to name it.
 */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  type Frame = { keys?: Set<string>; at: string | number };
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) stack.push({ keys: new Set(), at: '' });
    else if (c === 0x5b /* [ */) stack.push({ at: 0 });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top !== undefined && top.keys === undefined) top.at = (top.at as number) + 1;
    } else if (c === 0x22 /* " */) {
      const close = closingQuote(text, i);
      if (close === -1) return undefined;
      const top = stack.at(-1);
      let k = close + 1;
      while (isJsonSpace(text.charCodeAt(k))) k++;
      if (top?.keys !== undefined && text.charCodeAt(k) === 0x3a) {
        const key = JSON.parse(text.slice(i, close + 1)) as string;
        if (top.keys.has(key)) return { path: stack.slice(0, -1).map((f) => f.at), key, offset: i };
        top.keys.add(key);
        top.at = key;
      }
      i = close;
    }
  }
  return undefined;
}
