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

function write(
  value: unknown,
  path: string[],
  indent: string,
  keepOrder: (path: readonly string[]) => boolean,
): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item, i) => {
      path.push(String(i));
      const text = write(item, path, inner, keepOrder);
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
    const text = write(record[key], path, inner, keepOrder);
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
