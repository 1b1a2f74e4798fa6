/**
 * Where tapedeck's own verdict on a request (invalid, unauthorized, no such path…) goes in an
 * error body the spec documents: the first piece of the API profile. The decision is made from
 * the schema's property names and types, never from which vendor wrote it: Stripe's `{ error: {
 * type, message, param, code } }`, GitHub's `{ message, documentation_url }`, JSON:API's
 * `{ errors: [{ detail, source: { pointer } }] }` and RFC 9457's `invalid-params` all fall out
 * of the same rules. Every value placed is checked against the schema of the place it goes to;
 * a place whose schema refuses it is left as generated.
 */
import { isRecord, setOwn, type JsonValue } from '../../json.js';
import { conforms } from './conforms.js';

type Resolve = (ref: string) => unknown;

/** The kind of refusal, which picks a fitting value from a `type` or `code` enum. */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'not-found'
  | 'method-not-allowed'
  | 'not-acceptable'
  | 'unsupported-media-type';

/** One problem with the request, as it may be listed in an error body. */
export interface ErrorItem {
  readonly message: string;
  /** The parameter or field name, as the client sent it. */
  readonly param?: string;
  /** JSON pointer into the body (or into a structured parameter). */
  readonly pointer?: string;
}

/** What tapedeck has to say; nothing in it is a value the client sent. */
export interface ErrorFacts extends ErrorItem {
  readonly kind: ErrorKind;
  readonly status: number;
  /** The mock reason (`invalid-request`), for a free-text `code`. */
  readonly code: string;
  readonly title: string;
  /** A URL documenting the problem (the problem type URI), for `documentation_url` and kin. */
  readonly documentation: string;
  /** Each problem, for a list the schema has room for (GitHub's `errors`, `invalid-params`). */
  readonly items?: readonly ErrorItem[];
}

const MESSAGE_NAMES = [
  'message',
  'detail',
  'error_description',
  'error_message',
  'errorMessage',
  'msg',
  'description',
  'reason',
];
const PARAM_NAMES = ['param', 'parameter', 'field', 'param_name', 'parameter_name', 'property'];
const POINTER_NAMES = ['pointer', 'json_pointer', 'jsonPointer'];
const DOC_NAMES = ['documentation_url', 'doc_url', 'docs_url', 'documentation', 'help_url'];
const TYPE_NAMES = ['type', 'error_type', 'errorType', 'kind', 'category'];
const CODE_NAMES = ['code', 'error_code', 'errorCode'];
const STATUS_NAMES = ['status', 'statusCode', 'status_code', 'code'];
/** Properties that hold the error object itself when the root is an envelope. */
const ENVELOPE_NAMES = ['error', 'errors', 'fault', 'problem'];
/** Lists of per-problem entries beside the message. */
const LIST_NAMES = ['errors', 'invalid_params', 'invalid-params', 'details', 'violations'];
/** Where JSON:API keeps pointer and parameter. */
const SOURCE_NAMES = ['source'];
/** At most this many problems are listed in a body. */
const MAX_ITEMS = 20;

/** Words to look for in an enum of error types, most fitting first. */
const KIND_WORDS: Readonly<Record<ErrorKind, readonly string[]>> = {
  invalid: ['invalid_request', 'validation', 'unprocessable', 'bad_request', 'invalid'],
  unauthorized: ['authentication', 'unauthenticated', 'unauthorized', 'invalid_request', 'invalid'],
  'not-found': ['not_found', 'resource_missing', 'missing', 'invalid_request', 'invalid'],
  'method-not-allowed': ['method_not_allowed', 'not_allowed', 'invalid_request', 'invalid'],
  'not-acceptable': ['not_acceptable', 'invalid_request', 'invalid'],
  'unsupported-media-type': ['unsupported_media', 'media_type', 'invalid_request', 'invalid'],
};

/** A schema as the placement sees it: properties and types, `$ref`s followed, `allOf` merged. */
interface View {
  readonly properties: Map<string, unknown>;
  readonly types: Set<string>;
  readonly enumValues: unknown[] | undefined;
  readonly items: unknown;
}

function view(schema: unknown, resolve: Resolve, depth = 0): View {
  const out: View = {
    properties: new Map(),
    types: new Set(),
    enumValues: undefined,
    items: undefined,
  };
  const visit = (node: unknown, d: number): void => {
    if (d > 8 || !isRecord(node)) return;
    if (typeof node['$ref'] === 'string') visit(resolve(node['$ref']), d + 1);
    if (isRecord(node['properties']))
      for (const [name, sub] of Object.entries(node['properties']))
        if (!out.properties.has(name)) out.properties.set(name, sub);
    const type = node['type'];
    if (typeof type === 'string') out.types.add(type);
    else if (Array.isArray(type)) for (const t of type) if (typeof t === 'string') out.types.add(t);
    if (Array.isArray(node['enum']) && out.enumValues === undefined)
      (out as { enumValues: unknown[] }).enumValues = node['enum'];
    if (node['items'] !== undefined && out.items === undefined)
      (out as { items: unknown }).items = node['items'];
    for (const key of ['allOf', 'anyOf', 'oneOf'])
      if (Array.isArray(node[key])) for (const member of node[key]) visit(member, d + 1);
  };
  visit(schema, depth);
  return out;
}

function isObjectView(v: View): boolean {
  return v.properties.size > 0 || v.types.has('object');
}

function normalized(value: string): string {
  return value.toLowerCase().replace(/[\s.-]+/g, '_');
}

/** The enum value that fits a kind best, by the kind's words; undefined when none fits. */
export function fittingEnumValue(values: readonly unknown[], kind: ErrorKind): string | undefined {
  const strings = values.filter((v): v is string => typeof v === 'string');
  for (const word of KIND_WORDS[kind]) {
    const hit = strings.find((v) => normalized(v).includes(word));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function firstDeclared(v: View, names: readonly string[], taken: Set<string>): string | undefined {
  return names.find((n) => v.properties.has(n) && !taken.has(n));
}

/** A copy of `target` with `value` at `name`, if the property's own schema accepts it. */
function place(
  target: Record<string, JsonValue>,
  schema: unknown,
  name: string,
  value: JsonValue,
  resolve: Resolve,
): boolean {
  if (!conforms(value, schema, resolve)) return false;
  setOwn(target, name, value);
  return true;
}

/** A string for a string-typed place, cut to its `maxLength` when it has one. */
function text(schema: unknown, value: string, resolve: Resolve): string {
  let node = schema;
  for (let i = 0; i < 8 && isRecord(node) && typeof node['$ref'] === 'string'; i++)
    node = resolve(node['$ref']);
  const max =
    isRecord(node) && typeof node['maxLength'] === 'number' ? node['maxLength'] : Infinity;
  return value.length <= max ? value : value.slice(0, Math.max(0, max));
}

/** Fills one error object (the envelope's inside, or one list entry) with the facts. */
function fillObject(
  base: JsonValue | undefined,
  v: View,
  facts: ErrorFacts | (ErrorItem & { kind: ErrorKind }),
  resolve: Resolve,
  whole: ErrorFacts,
  list: boolean,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = isRecord(base)
    ? { ...(base as Record<string, JsonValue>) }
    : {};
  const taken = new Set<string>();
  const put = (names: readonly string[], value: JsonValue | ((schema: unknown) => JsonValue)) => {
    for (const name of names) {
      if (!v.properties.has(name) || taken.has(name)) continue;
      const schema = v.properties.get(name);
      const actual = typeof value === 'function' ? value(schema) : value;
      if (place(out, schema, name, actual, resolve)) {
        taken.add(name);
        return true;
      }
    }
    return false;
  };
  const placedMessage = put(MESSAGE_NAMES, (s) => text(s, facts.message, resolve));
  if (!list && v.properties.has('title') && !taken.has('title'))
    put(['title'], (s) => text(s, placedMessage ? whole.title : facts.message, resolve));
  const paramNames = list ? [...PARAM_NAMES, 'name'] : PARAM_NAMES;
  if (facts.param !== undefined && facts.param !== '')
    put(paramNames, (s) => text(s, facts.param!, resolve));
  if (facts.pointer !== undefined) put(POINTER_NAMES, facts.pointer);
  // JSON:API: `source: { pointer, parameter }`.
  const sourceName = firstDeclared(v, SOURCE_NAMES, taken);
  if (sourceName !== undefined && (facts.pointer !== undefined || facts.param !== undefined)) {
    const sv = view(v.properties.get(sourceName), resolve);
    if (isObjectView(sv)) {
      const source: Record<string, JsonValue> = {};
      if (facts.pointer !== undefined) {
        const name = firstDeclared(sv, POINTER_NAMES, new Set());
        if (name !== undefined)
          place(source, sv.properties.get(name), name, facts.pointer, resolve);
      }
      if (facts.param !== undefined) {
        const name = firstDeclared(sv, PARAM_NAMES, new Set());
        if (name !== undefined) place(source, sv.properties.get(name), name, facts.param, resolve);
      }
      if (
        Object.keys(source).length > 0 &&
        place(out, v.properties.get(sourceName), sourceName, source, resolve)
      )
        taken.add(sourceName);
    }
  }
  // An enum of types or codes: the member that fits the kind (Stripe's `invalid_request_error`).
  for (const names of [TYPE_NAMES, CODE_NAMES]) {
    for (const name of names) {
      if (!v.properties.has(name) || taken.has(name)) continue;
      const sv = view(v.properties.get(name), resolve);
      if (sv.enumValues === undefined) continue;
      const fit = fittingEnumValue(sv.enumValues, facts.kind);
      if (fit !== undefined && place(out, v.properties.get(name), name, fit, resolve)) {
        taken.add(name);
        break;
      }
    }
  }
  // A free-text code names the mock's reason (GitHub's `errors[].code` is required).
  put(
    CODE_NAMES.filter((n) => {
      const sv = view(v.properties.get(n), resolve);
      return sv.enumValues === undefined && sv.types.has('string');
    }),
    whole.code,
  );
  if (!list) {
    // A numeric status field says the status it is sent with.
    for (const name of STATUS_NAMES) {
      if (!v.properties.has(name) || taken.has(name)) continue;
      const sv = view(v.properties.get(name), resolve);
      if (sv.enumValues !== undefined) continue;
      if (sv.types.has('integer') || sv.types.has('number')) {
        if (place(out, v.properties.get(name), name, whole.status, resolve)) taken.add(name);
      } else if (name !== 'code' && sv.types.has('string')) {
        // GitHub's `"status": "404"`.
        if (place(out, v.properties.get(name), name, String(whole.status), resolve))
          taken.add(name);
      }
    }
    // A free-text type is a URI naming the problem (problem+json's `type`).
    put(
      TYPE_NAMES.filter((n) => {
        const sv = view(v.properties.get(n), resolve);
        return sv.enumValues === undefined && sv.types.has('string');
      }),
      whole.documentation,
    );
    put(DOC_NAMES, whole.documentation);
  }
  return out;
}

/** The list entries for a list property: one per problem, each in the entry's schema. */
function fillList(schema: unknown, facts: ErrorFacts, resolve: Resolve): JsonValue[] | undefined {
  const lv = view(schema, resolve);
  if (!lv.types.has('array') && lv.items === undefined) return undefined;
  const iv = view(lv.items, resolve);
  if (!isObjectView(iv)) return undefined;
  const hasMessage = MESSAGE_NAMES.some((n) => iv.properties.has(n)) || iv.properties.has('title');
  if (!hasMessage) return undefined;
  const items = (facts.items ?? [facts]).slice(0, MAX_ITEMS);
  const out: JsonValue[] = [];
  for (const item of items) {
    const entry = fillObject(undefined, iv, { ...item, kind: facts.kind }, resolve, facts, true);
    if (conforms(entry, lv.items, resolve)) out.push(entry);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The documented error body with tapedeck's facts in it. `base` is a value generated from the
 * schema (required members only), kept where nothing of the facts has a place.
 */
export function shapeError(
  schema: unknown,
  base: JsonValue,
  facts: ErrorFacts,
  resolve: Resolve,
): JsonValue {
  const root = view(schema, resolve);
  if (!isObjectView(root)) {
    if (root.types.has('string') && conforms(facts.message, schema, resolve))
      return text(schema, facts.message, resolve);
    return base;
  }
  return fill(base, root, facts, resolve, 0);
}

function fill(
  base: JsonValue,
  v: View,
  facts: ErrorFacts,
  resolve: Resolve,
  depth: number,
): JsonValue {
  const baseObject = isRecord(base) ? (base as Record<string, JsonValue>) : {};
  if (!MESSAGE_NAMES.some((n) => v.properties.has(n)) && depth < 3) {
    // An envelope: the error object is inside (`{ error: {…} }`, `{ errors: [{…}] }`), under an
    // envelope's name or any member whose object has a message.
    const names = [
      ...ENVELOPE_NAMES.filter((n) => v.properties.has(n)),
      ...[...v.properties.keys()].filter((n) => !ENVELOPE_NAMES.includes(n)),
    ];
    for (const name of names) {
      const sub = v.properties.get(name);
      const sv = view(sub, resolve);
      const envelope = ENVELOPE_NAMES.includes(name);
      const out = { ...baseObject };
      if (isObjectView(sv) && !sv.types.has('array')) {
        if (!envelope && !MESSAGE_NAMES.some((n) => sv.properties.has(n))) continue;
        const inner = fill(baseObject[name] ?? {}, sv, facts, resolve, depth + 1);
        if (place(out, sub, name, inner, resolve)) return out;
      } else if (envelope) {
        const list = fillList(sub, facts, resolve);
        if (list !== undefined && place(out, sub, name, list, resolve)) return out;
      }
    }
  }
  const out = fillObject(base, v, facts, resolve, facts, false);
  // Beside the message, a list of the problems when the schema has one (GitHub's `errors`).
  const listName =
    facts.items === undefined ? undefined : LIST_NAMES.find((n) => v.properties.has(n));
  if (listName !== undefined) {
    const list = fillList(v.properties.get(listName), facts, resolve);
    if (list !== undefined) place(out, v.properties.get(listName), listName, list, resolve);
  }
  return out;
}
