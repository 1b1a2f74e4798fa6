import { isJsonObject, isRecord, setOwn, type JsonObject, type JsonValue } from '../../json.js';
import { deref } from '../../mock/openapi/document.js';

/**
 * Request values → what an item of the type holds (docs/design/issue-13-plan.md §1.7): form text
 * coerced by the item schema (`"2000"` → 2000 for an integer, `"true"` → true), `anyOf` members
 * tried in order, and every field the schema does not declare dropped, so `card[number]` never
 * lands in state when `card` declares no `number`.
 */

/** A schema node and the document its `$ref`s point into. */
export interface SchemaAt {
  readonly schema: unknown;
  readonly document: object;
}

type Node = Record<string, unknown>;

const MAX_DEPTH = 24;

/** Follows `$ref`s and folds `allOf` members into one object schema (properties, required). */
export function resolveSchema(document: object, schema: unknown, depth = 0): Node | undefined {
  const node = deref(document, schema, '').node;
  if (!isRecord(node)) return undefined;
  if (!Array.isArray(node['allOf']) || depth > MAX_DEPTH) return node;
  const properties: Node = {};
  const required: string[] = [];
  const out: Node = { ...node };
  delete out['allOf'];
  for (const member of [node, ...(node['allOf'] as unknown[])]) {
    const resolved = member === node ? node : resolveSchema(document, member, depth + 1);
    if (!resolved) continue;
    if (isRecord(resolved['properties']))
      for (const [name, sub] of Object.entries(resolved['properties']))
        if (!Object.hasOwn(properties, name)) setOwn(properties, name, sub);
    if (Array.isArray(resolved['required']))
      for (const name of resolved['required']) if (typeof name === 'string') required.push(name);
    for (const key of ['type', 'additionalProperties', 'nullable', 'anyOf', 'oneOf'])
      if (!(key in out) && key in resolved) out[key] = resolved[key];
  }
  if (Object.keys(properties).length > 0) out['properties'] = properties;
  if (required.length > 0) out['required'] = required;
  return out;
}

/** The JSON types a schema allows (`[]` when it does not say); `null` when nullable. */
export function schemaTypes(schema: Node): string[] {
  const raw = schema['type'];
  const types = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.map(String) : [];
  if (types.length === 0 && isRecord(schema['properties'])) types.push('object');
  if (schema['nullable'] === true && !types.includes('null')) types.push('null');
  return types;
}

/** The members of an `anyOf`/`oneOf`, resolved; `[]` when there are none. */
export function membersOf(document: object, schema: Node): Node[] {
  const list = Array.isArray(schema['anyOf'])
    ? schema['anyOf']
    : Array.isArray(schema['oneOf'])
      ? schema['oneOf']
      : [];
  const out: Node[] = [];
  for (const member of list as unknown[]) {
    const resolved = resolveSchema(document, member);
    if (resolved) out.push(resolved);
  }
  return out;
}

/** Whether a schema (or one of its members) allows `null`. */
export function isNullable(document: object, schema: unknown): boolean {
  const node = resolveSchema(document, schema);
  if (!node) return false;
  if (schemaTypes(node).includes('null')) return true;
  return membersOf(document, node).some((m) => schemaTypes(m).includes('null'));
}

/** The schema of property `name` of an object schema (members searched in order), if declared. */
export function propertySchema(document: object, schema: unknown, name: string): unknown {
  const node = resolveSchema(document, schema);
  if (!node) return undefined;
  if (isRecord(node['properties']) && Object.hasOwn(node['properties'], name))
    return node['properties'][name];
  for (const member of membersOf(document, node)) {
    const found = propertySchema(document, member, name);
    if (found !== undefined) return found;
  }
  if (isRecord(node['additionalProperties'])) return node['additionalProperties'];
  return undefined;
}

/** A string as the scalar the types ask for, or undefined when it is none of them. */
function scalarFrom(text: string, types: readonly string[]): JsonValue | undefined {
  if (types.includes('string')) return text;
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (types.includes('number') || Number.isInteger(n)) return n;
  }
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return undefined;
}

/** Whether a value (already coerced) is of one of the types. */
function fits(value: JsonValue, schema: Node): boolean {
  const types = schemaTypes(schema);
  const enumeration = schema['enum'];
  if (Array.isArray(enumeration) && !enumeration.some((e) => e === value)) return false;
  if (types.length === 0) return true;
  if (value === null) return types.includes('null');
  if (Array.isArray(value)) return types.includes('array');
  if (typeof value === 'object') return types.includes('object');
  if (typeof value === 'string') return types.includes('string');
  if (typeof value === 'boolean') return types.includes('boolean');
  return types.includes('number') || (types.includes('integer') && Number.isInteger(value));
}

/**
 * A value shaped by its schema: strings coerced to the declared scalar, objects keeping only
 * declared properties (maps — `additionalProperties` — keep every key), arrays item by item,
 * `anyOf`/`oneOf` members tried in order (the first the value fits wins). Undefined: drop it.
 */
export function coerce(value: JsonValue, at: SchemaAt, depth = 0): JsonValue | undefined {
  const schema = resolveSchema(at.document, at.schema);
  if (!schema || depth > MAX_DEPTH) return value;
  const members = membersOf(at.document, schema);
  if (members.length > 0 && !isRecord(schema['properties'])) {
    for (const member of members) {
      const attempt = coerce(value, { schema: member, document: at.document }, depth + 1);
      if (attempt !== undefined && fits(attempt, member)) return attempt;
    }
    // None fits: the validator (when it ran) would have said so; keep the first member's shape.
    return coerce(value, { schema: members[0], document: at.document }, depth + 1);
  }
  const types = schemaTypes(schema);
  if (typeof value === 'string' && types.length > 0 && !types.includes('string')) {
    return scalarFrom(value, types) ?? value;
  }
  // An object or array where the schema holds neither is no value of it: dropped, never kept
  // unfiltered (the validator refuses it where it ran; this holds where it did not).
  if (isJsonObject(value)) {
    if (types.length > 0 && !types.includes('object')) return undefined;
    return coerceObject(value, schema, at.document, depth);
  }
  if (Array.isArray(value)) {
    if (types.length > 0 && !types.includes('array')) return undefined;
    const items = schema['items'];
    if (items === undefined) return value;
    const out: JsonValue[] = [];
    for (const element of value) {
      const v = coerce(element, { schema: items, document: at.document }, depth + 1);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
  return value;
}

function coerceObject(value: JsonObject, schema: Node, document: object, depth: number): JsonValue {
  const properties = isRecord(schema['properties']) ? schema['properties'] : undefined;
  const extra = schema['additionalProperties'];
  // An object schema that declares nothing (`type: object` alone) holds anything.
  const open = properties === undefined && (extra === undefined || extra === true);
  const out: JsonObject = {};
  for (const [name, field] of Object.entries(value)) {
    let sub: unknown;
    if (properties !== undefined && Object.hasOwn(properties, name)) sub = properties[name];
    else if (isRecord(extra)) sub = extra;
    else if (open || extra === true) {
      setOwn(out, name, field);
      continue;
    } else continue;
    const v = coerce(field, { schema: sub, document }, depth + 1);
    if (v !== undefined) setOwn(out, name, v);
  }
  return out;
}
