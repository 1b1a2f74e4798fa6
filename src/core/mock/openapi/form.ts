/**
 * `application/x-www-form-urlencoded` bodies turned into the structure their schema describes,
 * by the media type's `encoding` object: `metadata[plan]=gold` is `{ metadata: { plan: 'gold' } }`
 * (deepObject), `tags=a&tags=b` a list (form, exploded), `tags=a|b` a list (pipeDelimited).
 * Values stay strings: the validator coerces them by the schema's types, as for query parameters.
 *
 * Bounded, because a form body is attacker-controlled text: at most `maxFields` values and
 * `maxDepth` bracket levels, and an index is a position, never a length (`a[99999999]=1` is a
 * one-element list). Every key is written as an own property, so `__proto__[x]=1` is data.
 */
import type { QueryMap } from '../../cassette/model.js';
import { valuesOf } from '../../cassette/model.js';
import { escapePointerToken, isRecord, setOwn } from '../../json.js';
import { deref, resolvePointer } from './document.js';
import type { SpecBody, SpecMedia } from './operations.js';

/** How one top-level field is serialized (OpenAPI's Encoding Object, `style` and `explode`). */
export interface FieldEncoding {
  readonly style: string;
  readonly explode: boolean;
}

export interface FormLimits {
  /** Values in one body (repeated fields count once per value). */
  readonly maxFields: number;
  /** Bracket levels under one top-level field (`a[b][c]` is 2). */
  readonly maxDepth: number;
}

/** Far above any real client's body (Stripe's deepest fields are about 6 levels). */
export const FORM_LIMITS: FormLimits = { maxFields: 2000, maxDepth: 16 };

export interface FormShape {
  /** Encodings by top-level property name. */
  readonly encodings: ReadonlyMap<string, FieldEncoding>;
  /** The schema types of a top-level property (`[]` when unknown). */
  readonly typesOf: (name: string) => readonly string[];
  /** Whether the schema declares a property by exactly this name (`a[b]` as one name). */
  readonly declares: (name: string) => boolean;
}

export type FormResult =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly pointer: string; readonly message: string };

const DELIMITERS: Readonly<Record<string, string>> = {
  form: ',',
  spaceDelimited: ' ',
  pipeDelimited: '|',
};

/** A node of the tree being built: values sent for it, and fields under it. */
interface Node {
  values: string[];
  children: Map<string, Node> | undefined;
  /** `a[]=x`: elements without an index, in the order sent. */
  appended: Node[];
}

const newNode = (): Node => ({ values: [], children: undefined, appended: [] });

/** `a[b][0][]` → `['a', 'b', '0', '']`; undefined when the key is not bracket notation. */
export function splitBrackets(key: string): string[] | undefined {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return undefined;
  const segments = [key.slice(0, open)];
  let at = open;
  while (at < key.length) {
    if (key[at] !== '[') return undefined;
    const close = key.indexOf(']', at);
    if (close === -1) return undefined;
    const segment = key.slice(at + 1, close);
    if (segment.includes('[')) return undefined;
    segments.push(segment);
    at = close + 1;
  }
  return segments;
}

/** The bracket name of a pointer into a form body: `/metadata/plan` → `metadata[plan]`. */
export function bracketName(pointer: string): string {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (tokens.length === 0) return '';
  return `${tokens[0]}${tokens
    .slice(1)
    .map((t) => `[${t}]`)
    .join('')}`;
}

const INDEX = /^\d{1,9}$/;

/**
 * The fields of a form body (as `parseQuery` reads them) as the object their schema describes,
 * or the first reason it cannot be one (too many fields, too deep, a field sent both as a value
 * and with sub-fields). Messages name the field, never its value.
 */
export function parseForm(
  fields: QueryMap,
  shape: FormShape,
  limits: FormLimits = FORM_LIMITS,
): FormResult {
  const roots = new Map<string, Node>();
  let count = 0;
  for (const [key, raw] of Object.entries(fields)) {
    const values = valuesOf(raw);
    count += Math.max(values.length, 1);
    if (count > limits.maxFields)
      return {
        ok: false,
        pointer: '',
        message: `has more than ${limits.maxFields} fields; the mock reads at most that many`,
      };
    const path = shape.declares(key) ? undefined : splitBrackets(key);
    const name = path?.[0] ?? key;
    const below = path?.slice(1) ?? [];
    if (below.length > limits.maxDepth)
      return {
        ok: false,
        pointer: `/${escapePointerToken(name)}`,
        message: `nests deeper than ${limits.maxDepth} levels`,
      };
    let node = roots.get(name);
    if (node === undefined) roots.set(name, (node = newNode()));
    for (let i = 0; i < below.length; i++) {
      const segment = below[i]!;
      if (segment === '') {
        // `a[]=x&a[]=y`: each value is an element of its own; `a[][b]=1` starts a new one.
        if (i === below.length - 1) {
          for (const value of values) node.appended.push({ ...newNode(), values: [value] });
          node = undefined;
          break;
        }
        const element = newNode();
        node.appended.push(element);
        node = element;
        continue;
      }
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) node.children.set(segment, (child = newNode()));
      node = child;
    }
    if (node !== undefined) node.values.push(...values);
  }
  const out: Record<string, unknown> = {};
  for (const [name, node] of roots) {
    const pointer = `/${escapePointerToken(name)}`;
    const encoding = shape.encodings.get(name) ?? { style: 'form', explode: true };
    const types = shape.typesOf(name);
    const value = isLeaf(node)
      ? topValue(node.values, encoding, types)
      : treeValue(node, pointer, types.includes('object') && !types.includes('array'));
    if (isConflict(value))
      return {
        ok: false,
        pointer: value.pointer,
        message: 'is sent both as a value and with fields under it',
      };
    setOwn(out, name, value);
  }
  return { ok: true, value: out };
}

function isLeaf(node: Node): boolean {
  return node.children === undefined && node.appended.length === 0;
}

/** A top-level field without brackets, split by its encoding's style. */
function topValue(
  values: readonly string[],
  encoding: FieldEncoding,
  types: readonly string[],
): unknown {
  const isArray = types.includes('array');
  const isObject = types.includes('object') && !isArray;
  const delimiter = DELIMITERS[encoding.style];
  if (isArray) {
    if (encoding.explode || delimiter === undefined || values.length !== 1) return [...values];
    return values[0] === '' ? [] : values[0]!.split(delimiter);
  }
  if (isObject && encoding.style === 'form' && !encoding.explode && values.length === 1) {
    const parts = values[0]!.split(',');
    const object: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) setOwn(object, parts[i]!, parts[i + 1]!);
    return object;
  }
  // A repeated scalar stays a list: the validator reports it rather than the mock picking one.
  return values.length === 1 ? values[0] : [...values];
}

/** A place sent both as a value and with fields under it (`a=1&a[b]=2`). */
class Conflict {
  constructor(readonly pointer: string) {}
}

type Built = unknown;

/**
 * A bracketed field as a value: fields whose keys are all indices (or `[]`) are a list, in index
 * order (compacted, as qs and Rack do), others an object. `objectHere`: the schema says this
 * place is an object, so `metadata[0]=x` keeps `0` as a key.
 */
function treeValue(node: Node, pointer: string, objectHere: boolean): Built {
  if (isLeaf(node)) return node.values.length === 1 ? node.values[0] : [...node.values];
  if (node.values.length > 0) return new Conflict(pointer);
  const children = node.children ?? new Map<string, Node>();
  const keys = [...children.keys()];
  const asList = !objectHere && keys.every((k) => INDEX.test(k));
  if (asList) {
    const list: Built[] = [];
    const ordered = keys.map((k) => [Number(k), k] as const).sort((a, b) => a[0] - b[0]);
    for (const [, key] of ordered) {
      const value = treeValue(children.get(key)!, `${pointer}/${list.length}`, false);
      if (isConflict(value)) return value;
      list.push(value);
    }
    for (const element of node.appended) {
      const value = treeValue(element, `${pointer}/${list.length}`, false);
      if (isConflict(value)) return value;
      list.push(value);
    }
    return list;
  }
  if (node.appended.length > 0) return new Conflict(pointer);
  const object: Record<string, Built> = {};
  for (const key of keys) {
    const value = treeValue(children.get(key)!, `${pointer}/${escapePointerToken(key)}`, false);
    if (isConflict(value)) return value;
    setOwn(object, key, value);
  }
  return object;
}

function isConflict(value: Built): value is Conflict {
  return value instanceof Conflict;
}

/**
 * How a form body of one media type is read: the `encoding` object beside its schema (by
 * top-level property; style `form` and `explode: true` by default, as OpenAPI says) and the
 * schema's top-level properties (`allOf` members included) with their types (`typeOf`).
 */
export function readFormShape(
  document: object,
  body: SpecBody,
  media: SpecMedia,
  typeOf: (schema: object) => readonly string[],
): FormShape {
  const encodings = new Map<string, FieldEncoding>();
  const content = deref(document, resolvePointer(document, `${body.pointer}/content`), '').node;
  if (isRecord(content)) {
    // SpecMedia's type is lower-cased; the document's key may not be.
    const key = Object.keys(content).find((k) => k.toLowerCase() === media.type);
    const entry = key === undefined ? undefined : content[key];
    const encoding = isRecord(entry) ? entry['encoding'] : undefined;
    if (isRecord(encoding)) {
      for (const [name, raw] of Object.entries(encoding)) {
        if (!isRecord(raw)) continue;
        const style = typeof raw['style'] === 'string' ? raw['style'] : 'form';
        const explode = typeof raw['explode'] === 'boolean' ? raw['explode'] : style === 'form';
        encodings.set(name, { style, explode });
      }
    }
  }
  const properties = new Map<string, unknown>();
  const collect = (node: unknown, depth: number): void => {
    const { node: schema } = deref(document, node, '');
    if (!isRecord(schema) || depth > 4) return;
    if (isRecord(schema['properties']))
      for (const [name, sub] of Object.entries(schema['properties']))
        if (!properties.has(name)) properties.set(name, sub);
    if (Array.isArray(schema['allOf']))
      for (const member of schema['allOf']) collect(member, depth + 1);
  };
  collect(
    media.schemaPointer !== undefined
      ? resolvePointer(document, media.schemaPointer)
      : media.schema,
    0,
  );
  const types = new Map<string, readonly string[]>();
  return {
    encodings,
    declares: (name) => properties.has(name),
    typesOf: (name) => {
      let known = types.get(name);
      if (known === undefined) {
        const sub = properties.get(name);
        known = isRecord(sub) ? typeOf(sub) : [];
        types.set(name, known);
      }
      return known;
    },
  };
}
