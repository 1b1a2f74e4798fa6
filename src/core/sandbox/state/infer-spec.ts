/**
 * The resource model from an OpenAPI description (docs/design/issue-13-plan.md §1.2): which
 * paths are collections, items, actions, nested collections and views of which type, told by
 * the item schema's identity (its `$ref`), never by the path's spelling alone. One pass over the
 * operations, schema lookups cached by pointer: linear in the size of the spec.
 */
// One file, over 450 lines: the inference is one pass whose steps (grouping, item identity,
// roles, views, id fields, tombstones, references, filters) share the pass's caches and each
// other's results; splitting them would pass that state between files. The rules that stand
// alone (ids, overrides, recordings) have their own files.
import { isRecord, resolveLocalRef, resolvePointer, type JsonValue } from '../../json.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import type { SpecMedia, SpecOperation } from '../../mock/openapi/operations.js';
import type { ApiProfile } from '../profile/types.js';
import { DEFAULT_ID_SHAPE, learnShape, shapeFromPattern } from './ids.js';
import type {
  IdShape,
  ModelRoute,
  OperationRole,
  ParentRef,
  ResourceModel,
  ResourceType,
} from './model.js';

type Schema = Record<string, unknown>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Query parameters that page, sort or expand a list: never filters. */
export const NOT_FILTERS: ReadonlySet<string> = new Set([
  'limit',
  'starting_after',
  'ending_before',
  'page',
  'per_page',
  'cursor',
  'after',
  'before',
  'offset',
  'expand',
  'sort',
  'direction',
  'order',
  'since',
]);

interface Segment {
  readonly literal: boolean;
  readonly text: string; // the literal, or the parameter name
}

function segmentsOf(path: string): Segment[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^\{([^}]+)\}$/.exec(s);
      return m ? { literal: false, text: m[1]! } : { literal: true, text: s };
    });
}

function joinPath(segments: readonly Segment[]): string {
  return `/${segments.map((s) => (s.literal ? s.text : `{${s.text}}`)).join('/')}`;
}

/** Where a path sits: `…/L` a collection, `…/L/{x}` an item, `…/L/{x}/v` an item's sub-path. */
type Place =
  | { readonly kind: 'collection'; readonly collection: string; readonly segments: Segment[] }
  | {
      readonly kind: 'item';
      readonly collection: string;
      readonly idParam: string;
      readonly segments: Segment[];
    }
  | { readonly kind: 'item-sub'; readonly item: string; readonly verb: string }
  | { readonly kind: 'other' };

function placeOf(path: string): Place {
  const segs = segmentsOf(path);
  const n = segs.length;
  const last = segs[n - 1];
  const prev = segs[n - 2];
  if (last === undefined) return { kind: 'other' };
  if (!last.literal) {
    if (prev?.literal === true)
      return {
        kind: 'item',
        collection: joinPath(segs.slice(0, -1)),
        idParam: last.text,
        segments: segs.slice(0, -1),
      };
    return { kind: 'other' };
  }
  if (prev !== undefined && !prev.literal && segs[n - 3]?.literal === true)
    return { kind: 'item-sub', item: joinPath(segs.slice(0, -1)), verb: last.text };
  return { kind: 'collection', collection: path, segments: segs };
}

function jsonMedia(contents: readonly SpecMedia[]): SpecMedia | undefined {
  return contents.find(
    (m) =>
      (m.schemaPointer !== undefined || m.schema !== undefined) &&
      (m.type === 'application/json' || m.type.endsWith('+json') || m.type === '*/*'),
  );
}

function successOf(operation: SpecOperation): { status: number; media?: SpecMedia } {
  const ok =
    operation.responses.find((r) => /^2\d\d$/.test(r.status)) ??
    operation.responses.find((r) => r.status === '2XX') ??
    operation.responses.find((r) => r.status === 'default');
  if (ok === undefined) return { status: operation.method === 'POST' ? 200 : 200 };
  const status = /^2\d\d$/.test(ok.status) ? Number(ok.status) : 200;
  const media = jsonMedia(ok.contents);
  return media === undefined ? { status } : { status, media };
}

type BodyKind = 'json' | 'form' | 'none' | 'multipart';

function bodyKindOf(operation: SpecOperation): BodyKind {
  const contents = operation.body?.contents ?? [];
  if (contents.length === 0) return 'none';
  if (contents.some((m) => m.type === 'application/x-www-form-urlencoded')) return 'form';
  if (contents.some((m) => m.type === 'application/json' || m.type.endsWith('+json')))
    return 'json';
  if (contents.some((m) => m.type.startsWith('multipart/'))) return 'multipart';
  return 'json';
}

/** Singular of a plural path word: `payment_intents` → `payment_intent`, `entries` → `entry`. */
export function singular(name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  if (name.endsWith('sses') || name.endsWith('xes')) return name.slice(0, -2);
  if (name.endsWith('s') && !name.endsWith('ss')) return name.slice(0, -1);
  return name;
}

/** The item schema found for a path, and what it says. */
interface Item {
  /** `$ref` target or `x-resourceId`; undefined for an inline schema (identified by path). */
  readonly identity: string | undefined;
  readonly pointer: string | undefined;
  readonly schema: Schema;
  /** Members of an `anyOf` item (Stripe sources), by identity. */
  readonly members: readonly string[];
}

class SchemaReader {
  private readonly cache = new Map<string, unknown>();
  constructor(private readonly document: object) {}

  deref(node: unknown): { node: unknown; ref: string | undefined } {
    let ref: string | undefined;
    let current = node;
    for (let i = 0; i < 20 && isRecord(current) && typeof current['$ref'] === 'string'; i++) {
      ref = current['$ref'];
      let next = this.cache.get(ref);
      if (next === undefined) {
        next = resolveLocalRef(this.document, ref);
        this.cache.set(ref, next);
      }
      current = next;
    }
    return { node: current, ref };
  }

  at(source: { schemaPointer?: string; schema?: object }): unknown {
    if (source.schemaPointer !== undefined) {
      const pointer = source.schemaPointer.replace(/^#/, '');
      let node = this.cache.get(`#${pointer}`);
      if (node === undefined) {
        node = resolvePointer(this.document, pointer);
        this.cache.set(`#${pointer}`, node);
      }
      return node;
    }
    return source.schema;
  }

  /** Properties of an object schema, through `allOf`. */
  properties(schema: unknown): Map<string, unknown> {
    const out = new Map<string, unknown>();
    const walk = (node: unknown, depth: number): void => {
      const { node: s } = this.deref(node);
      if (!isRecord(s) || depth > 5) return;
      if (isRecord(s['properties']))
        for (const [k, v] of Object.entries(s['properties'])) if (!out.has(k)) out.set(k, v);
      if (Array.isArray(s['allOf'])) for (const m of s['allOf']) walk(m, depth + 1);
    };
    walk(schema, 0);
    return out;
  }

  /** A schema that is the deleted stub of something: `deleted: { enum: [true] }`. */
  isDeletedStub(node: unknown): boolean {
    const deleted = this.deref(this.properties(node).get('deleted')).node;
    return (
      isRecord(deleted) &&
      Array.isArray(deleted['enum']) &&
      deleted['enum'].length === 1 &&
      deleted['enum'][0] === true
    );
  }

  /** Required members of a schema (through allOf). */
  required(node: unknown): string[] {
    const { node: s } = this.deref(node);
    if (!isRecord(s)) return [];
    const own = Array.isArray(s['required']) ? (s['required'] as string[]) : [];
    const fromAll = Array.isArray(s['allOf']) ? s['allOf'].flatMap((m) => this.required(m)) : [];
    return [...new Set([...own, ...fromAll])];
  }

  /** The item an answer's schema holds, with the deleted stubs set aside. */
  item(node: unknown, byPath: string): { item?: Item; stubs: unknown[] } {
    const { node: s, ref } = this.deref(node);
    if (!isRecord(s)) return { stubs: [] };
    const alternatives = Array.isArray(s['anyOf'])
      ? s['anyOf']
      : Array.isArray(s['oneOf'])
        ? s['oneOf']
        : undefined;
    if (alternatives !== undefined) {
      const stubs = alternatives.filter((m) => this.isDeletedStub(m));
      const rest = alternatives.filter((m) => !this.isDeletedStub(m));
      if (rest.length === 0) return { stubs };
      if (rest.length === 1) return { ...this.item(rest[0], byPath), stubs };
      const members = rest.map((m) => this.deref(m).ref).filter((r) => r !== undefined);
      if (!rest.every((m) => isRecord(this.deref(m).node))) return { stubs };
      return {
        item: { identity: `path:${byPath}`, pointer: undefined, schema: s, members },
        stubs,
      };
    }
    if (this.isDeletedStub(s)) return { stubs: [s] };
    const resourceId = typeof s['x-resourceId'] === 'string' ? s['x-resourceId'] : undefined;
    return {
      item: {
        identity: ref ?? (resourceId === undefined ? undefined : `x-resourceId:${resourceId}`),
        pointer: ref,
        schema: s,
        members: [],
      },
      stubs: [],
    };
  }

  /**
   * The items of a list answer: an array, or an object with exactly one array member that is no
   * object of its own (one with an `id`, such as a charge's dispute with its
   * `balance_transactions`, is an object, not a list envelope).
   */
  listItems(node: unknown): unknown {
    const { node: s } = this.deref(node);
    if (!isRecord(s)) return undefined;
    if (s['type'] === 'array' || (Array.isArray(s['type']) && s['type'].includes('array')))
      return s['items'];
    const props = this.properties(s);
    if (props.has('id')) return undefined;
    const arrays = [...props.values()].filter((p) => {
      const { node: v } = this.deref(p);
      return isRecord(v) && (v['type'] === 'array' || isRecord(v['items']));
    });
    if (arrays.length !== 1) return undefined;
    return (this.deref(arrays[0]).node as Schema)['items'];
  }

  /** A scalar property (or Stripe's expandable `anyOf[string, $ref]`, an id on the wire). */
  isScalar(node: unknown): boolean {
    const { node: s } = this.deref(node);
    if (!isRecord(s)) return false;
    const types = Array.isArray(s['type']) ? s['type'] : [s['type']];
    if (types.some((t) => t === 'string' || t === 'integer' || t === 'number' || t === 'boolean'))
      return true;
    const alternatives = Array.isArray(s['anyOf'])
      ? s['anyOf']
      : Array.isArray(s['oneOf'])
        ? s['oneOf']
        : undefined;
    return alternatives?.some((m) => this.isScalar(m)) ?? false;
  }

  isString(node: unknown): boolean {
    const { node: s } = this.deref(node);
    return (
      isRecord(s) &&
      (s['type'] === 'string' || (Array.isArray(s['type']) && s['type'].includes('string')))
    );
  }

  /**
   * The `$ref` targets of an expandable property (`anyOf[string, $ref X]`), through the
   * `anyOf` a nullable wrapper adds around it (`anyOf[anyOf[string, $ref X]]`).
   */
  expandsTo(node: unknown): string[] {
    const { node: s } = this.deref(node);
    const out: string[] = [];
    const walk = (n: unknown, depth: number): void => {
      if (!isRecord(n) || depth > 4 || !Array.isArray(n['anyOf'])) return;
      for (const m of n['anyOf']) {
        if (isRecord(m) && typeof m['$ref'] === 'string') out.push(m['$ref']);
        else walk(m, depth + 1);
      }
    };
    walk(s, 0);
    return out;
  }

  /**
   * Can the property hold an id of the type whose schema is `pointer`: a string, or an
   * expandable (`anyOf` with a string and `$ref pointer`)? Another `$ref` (Stripe's
   * `charge.source`, an expanded payment source) holds no id, so it is never followed.
   */
  holdsId(node: unknown, pointer: string | undefined, depth = 0): boolean {
    if (!isRecord(node) || depth > 4) return false;
    if (typeof node['$ref'] === 'string') return node['$ref'] === pointer;
    const types = Array.isArray(node['type']) ? node['type'] : [node['type']];
    if (types.includes('string')) return true;
    const alternatives = Array.isArray(node['anyOf'])
      ? node['anyOf']
      : Array.isArray(node['oneOf'])
        ? node['oneOf']
        : [];
    return alternatives.some((m) => this.holdsId(m, pointer, depth + 1));
  }
}

interface Candidate {
  readonly operation: SpecOperation;
  readonly place: Place;
}

interface TypeDraft {
  name: string;
  identity: string;
  item: Item;
  /** Collection paths of this type, canonical (fewest parameters) first after sorting. */
  collections: Set<string>;
  itemPaths: Map<string, string>; // item path → id param
  stubs: unknown[];
  deleteDocumented: boolean;
  example?: unknown;
}

export interface SpecInference {
  readonly model: ResourceModel;
  /** Types by item-schema identity, for recordings to enrich (infer.ts). */
  readonly identities: ReadonlyMap<string, string>;
}

/** A path template without its parameter names: `/v1/transfers/{id}/reversals` and `/v1/transfers/{transfer}/reversals` are one place. */
function shapeKey(path: string): string {
  return path.replace(/\{[^}]*\}/g, '{}');
}

function countParams(path: string): number {
  return (path.match(/\{/g) ?? []).length;
}

function firstExample(media: SpecMedia | undefined): unknown {
  return media?.examples[0]?.value;
}

/**
 * Infers the model of a spec. `notResources` (`"GET /v1/customers/search"`, or a bare path for
 * every method) and types the profile marks `notResource` are left to cassette and spec.
 */
export function inferFromSpec(
  spec: CompiledSpec,
  profile: ApiProfile,
  notResources: readonly string[] = [],
): SpecInference {
  const reader = new SchemaReader(spec.responseDocument);
  const requestReader = new SchemaReader(spec.requestDocument);
  const notModelled: { method: string; path: string; reason: string }[] = [];
  const skip = (operation: SpecOperation, reason: string) =>
    notModelled.push({ method: operation.method.toUpperCase(), path: operation.path, reason });
  const excluded = new Set(notResources.map((s) => s.trim()));

  const byPath = new Map<string, Map<string, SpecOperation>>();
  const candidates: Candidate[] = [];
  for (const operation of spec.model.operations) {
    const method = operation.method.toUpperCase();
    if (excluded.has(`${method} ${operation.path}`) || excluded.has(operation.path)) {
      skip(operation, 'listed in sandbox.notResources');
      continue;
    }
    let methods = byPath.get(operation.path);
    if (methods === undefined)
      byPath.set(operation.path, (methods = new Map<string, SpecOperation>()));
    methods.set(method, operation);
    candidates.push({ operation, place: placeOf(operation.path) });
  }
  const op = (path: string, method: string) => byPath.get(path)?.get(method);
  // Which collection paths have an item path below them (one pass, not one scan per path).
  const itemOf = new Map<string, string>();
  for (const path of byPath.keys()) {
    const place = placeOf(path);
    if (place.kind === 'item' && !itemOf.has(shapeKey(place.collection)))
      itemOf.set(shapeKey(place.collection), path);
  }

  // 1. Collections and their item schema: GET item, else POST collection, else the list items.
  const drafts = new Map<string, TypeDraft>(); // by identity
  const typeOfCollection = new Map<string, TypeDraft>();
  const collectionPaths = new Set<string>();
  for (const path of byPath.keys()) {
    const place = placeOf(path);
    if (place.kind === 'collection' && verbAfterCollection(path) === undefined)
      collectionPaths.add(path);
    if (place.kind === 'item-sub' && isNestedCollection(path)) collectionPaths.add(path);
  }
  /** `/v1/customers/search`: a literal after a collection that has items, with none of its own. */
  function verbAfterCollection(path: string): string | undefined {
    const cut = path.lastIndexOf('/');
    if (cut <= 0 || itemOf.has(shapeKey(path))) return undefined;
    const parent = path.slice(0, cut);
    if (placeOf(parent).kind !== 'collection') return undefined;
    // Below a verb is a verb too (`/v1/invoices/upcoming/lines`).
    if (!itemOf.has(shapeKey(parent)) && verbAfterCollection(parent) === undefined)
      return undefined;
    return path.slice(cut + 1);
  }
  function isNestedCollection(path: string): boolean {
    if (itemOf.has(shapeKey(path))) return true;
    const get = op(path, 'GET');
    if (get === undefined) return false;
    const media = successOf(get).media;
    if (media === undefined) return false;
    const items = reader.listItems(reader.at(media));
    return items !== undefined && reader.item(items, path).item !== undefined;
  }
  for (const collection of collectionPaths) {
    const itemPath = itemOf.get(shapeKey(collection));
    const getItem = itemPath === undefined ? undefined : op(itemPath, 'GET');
    const create = op(collection, 'POST');
    const list = op(collection, 'GET');
    let found: { item?: Item; stubs: unknown[] } | undefined;
    let example: unknown;
    for (const source of [getItem, create]) {
      if (source === undefined) continue;
      const media = successOf(source).media;
      if (media === undefined) continue;
      found = reader.item(reader.at(media), collection);
      example = firstExample(media);
      if (found.item !== undefined) break;
    }
    if (found?.item === undefined && list !== undefined) {
      const media = successOf(list).media;
      const items = media === undefined ? undefined : reader.listItems(reader.at(media));
      if (items !== undefined) found = reader.item(items, collection);
    }
    const item = found?.item;
    if (item === undefined) continue;
    // A collection with neither an item path nor a list is a singleton (`/v1/account`).
    if (itemPath === undefined && list === undefined) continue;
    if (list !== undefined && itemPath === undefined) {
      const media = successOf(list).media;
      if (media === undefined || reader.listItems(reader.at(media)) === undefined) continue;
    }
    const identity = item.identity ?? `path:${collection}`;
    let draft = drafts.get(identity);
    if (draft === undefined) {
      draft = {
        name: '',
        identity,
        item,
        collections: new Set(),
        itemPaths: new Map(),
        stubs: [],
        deleteDocumented: false,
      };
      drafts.set(identity, draft);
    }
    draft.collections.add(collection);
    if (itemPath !== undefined) {
      const place = placeOf(itemPath);
      if (place.kind === 'item') draft.itemPaths.set(itemPath, place.idParam);
    }
    draft.stubs.push(...(found?.stubs ?? []));
    if (draft.example === undefined && example !== undefined) draft.example = example;
    typeOfCollection.set(collection, draft);
  }

  // 1b. A collection of a type below an item of the same type (`/issues/{n}/sub_issues`, an
  // issue's assignees answering the issue) links objects: it creates no object of its own.
  const selfNested = new Map<string, string>(); // collection shape key → type identity
  for (const d of drafts.values()) {
    const ownItems = new Set([...d.itemPaths.keys()].map(shapeKey));
    for (const collection of [...d.collections]) {
      const segs = segmentsOf(collection);
      const nested = segs.some(
        (seg, j) => !seg.literal && ownItems.has(shapeKey(joinPath(segs.slice(0, j + 1)))),
      );
      if (!nested) continue;
      selfNested.set(shapeKey(collection), d.identity);
      d.collections.delete(collection);
      typeOfCollection.delete(collection);
      for (const itemPath of [...d.itemPaths.keys()])
        if (shapeKey(itemPath).startsWith(`${shapeKey(collection)}/`)) d.itemPaths.delete(itemPath);
    }
    if (d.collections.size === 0) drafts.delete(d.identity);
  }
  const selfNestedAt = (path: string): boolean => {
    const key = shapeKey(path);
    for (const collection of selfNested.keys())
      if (key === collection || key.startsWith(`${collection}/`)) return true;
    return false;
  };

  // 2. Names: the canonical collection's last literal; a clash takes the literal before it.
  const taken = new Map<string, string>(); // name → identity
  const ordered = [...drafts.values()]
    .map((d) => {
      // Where the objects live: a collection with items below it, then one that creates them,
      // then the fewest parameters (`/repos/{o}/{r}/issues`, not the user's `/issues`).
      const rank = (c: string) =>
        (itemOf.has(shapeKey(c)) ? 0 : 2) + (op(c, 'POST') === undefined ? 1 : 0);
      const canonical = [...d.collections].sort(
        (a, b) =>
          rank(a) - rank(b) ||
          countParams(a) - countParams(b) ||
          a.split('/').length - b.split('/').length ||
          a.length - b.length ||
          (a < b ? -1 : 1),
      )[0]!;
      return { d, canonical };
    })
    .sort(
      (a, b) =>
        countParams(a.canonical) - countParams(b.canonical) ||
        a.canonical.split('/').length - b.canonical.split('/').length ||
        (a.canonical < b.canonical ? -1 : 1),
    );
  for (const { d, canonical } of ordered) {
    const literals = segmentsOf(canonical)
      .filter((s) => s.literal)
      .map((s) => s.text.replace(/[^A-Za-z0-9_]/g, '_'));
    let name = literals[literals.length - 1] ?? 'items';
    for (let back = 2; taken.has(name) && back <= literals.length; back++)
      name = literals.slice(-back).join('_');
    while (taken.has(name)) name = `${name}_`;
    taken.set(name, d.identity);
    d.name = name;
    d.collections = new Set([canonical, ...[...d.collections].filter((c) => c !== canonical)]);
  }
  const notResource = new Set(
    Object.entries(profile.resources.overrides)
      .filter(([, o]) => o.notResource === true)
      .map(([name]) => name),
  );

  // 3. Routes.
  const itemTypeOf = new Map<string, TypeDraft>(); // item path → type
  for (const d of drafts.values())
    if (!notResource.has(d.name))
      for (const p of d.itemPaths.keys()) itemTypeOf.set(shapeKey(p), d);
  const routes: ModelRoute[] = [];
  const referencesOf = new Map<string, Map<string, string>>(); // type → field → type
  const draftByRef = new Map<string, TypeDraft>();
  for (const d of drafts.values()) {
    if (d.item.pointer !== undefined) draftByRef.set(d.item.pointer, d);
    if (!d.identity.startsWith('path:') && !d.identity.startsWith('x-resourceId:'))
      draftByRef.set(d.identity, d);
  }
  const draftByObject = new Map<string, TypeDraft>();
  for (const d of drafts.values()) {
    const object = objectName(d);
    if (object !== undefined && !draftByObject.has(object)) draftByObject.set(object, d);
    if (!draftByObject.has(singular(d.name))) draftByObject.set(singular(d.name), d);
  }

  function objectName(d: TypeDraft): string | undefined {
    const object = reader.deref(reader.properties(d.item.schema).get('object')).node;
    if (isRecord(object) && Array.isArray(object['enum']) && object['enum'].length === 1)
      return String(object['enum'][0]);
    const resourceId = d.item.schema['x-resourceId'];
    return typeof resourceId === 'string' ? resourceId : undefined;
  }

  function parentsOf(segments: readonly Segment[], d: TypeDraft): ParentRef[] {
    const props = reader.properties(d.item.schema);
    const out: ParentRef[] = [];
    segments.forEach((s, j) => {
      if (s.literal) return;
      const prefix = joinPath(segments.slice(0, j + 1));
      const parent = itemTypeOf.get(shapeKey(prefix));
      const type = parent !== undefined && parent !== d ? parent.name : undefined;
      const object = parent === undefined ? undefined : objectName(parent);
      const candidates = [s.text, object, s.text.replace(/_(id|number|exposed_id)$/, '')];
      const field = candidates.find((c): c is string => c !== undefined && props.has(c));
      out.push({
        param: s.text,
        ...(type === undefined ? {} : { type }),
        ...(field === undefined ? {} : { field }),
      });
    });
    return out;
  }

  /** The untyped parameters of a collection path (`owner`, `repo`), as one string. */
  function scopes(path: string): string {
    const segs = segmentsOf(path);
    return segs
      .filter(
        (s, j) =>
          !s.literal && itemTypeOf.get(shapeKey(joinPath(segs.slice(0, j + 1)))) === undefined,
      )
      .length.toString();
  }

  function filtersOf(list: SpecOperation, d: TypeDraft): string[] {
    const props = reader.properties(d.item.schema);
    const paging = new Set(
      [
        ...NOT_FILTERS,
        profile.pagination.limitParam,
        profile.pagination.afterParam,
        profile.pagination.beforeParam,
        profile.pagination.pageParam,
      ].filter((p): p is string => p !== undefined),
    );
    return list.parameters
      .filter((p) => p.in === 'query' && !paging.has(p.name) && props.has(p.name))
      .filter((p) => reader.isScalar(props.get(p.name)))
      .map((p) => p.name);
  }

  function noteReferences(operation: SpecOperation, d: TypeDraft): void {
    const media = operation.body?.contents.find(
      (m) => m.schemaPointer !== undefined || m.schema !== undefined,
    );
    if (media === undefined) return;
    const body = requestReader.properties(requestReader.at(media));
    const itemProps = reader.properties(d.item.schema);
    let refs = referencesOf.get(d.name);
    if (refs === undefined) referencesOf.set(d.name, (refs = new Map<string, string>()));
    for (const field of body.keys()) {
      if (refs.has(field) || !requestReader.isString(body.get(field))) continue;
      // By name only when the object keeps the field as that type's id (`payment_intent` on a
      // refund): `source=tok_visa` on a customer is a token the customer keeps nowhere.
      let target: TypeDraft | undefined = draftByObject.get(field);
      if (target !== undefined && !keepsId(itemProps.get(field), target)) target = undefined;
      // Else an expandable of one modelled type (`on_behalf_of` → accounts); one of several
      // (`default_source`: a card, a bank account or a source) names no one type to check.
      if (target === undefined) {
        const targets = new Set<TypeDraft>();
        for (const ref of reader.expandsTo(itemProps.get(field))) {
          const found = draftByRef.get(ref);
          if (found !== undefined) targets.add(found);
        }
        if (targets.size === 1) target = [...targets][0];
      }
      if (target !== undefined && !notResource.has(target.name)) refs.set(field, target.name);
    }
  }

  /** Does the object keep an id of `target` in this property (a string, or an expandable)? */
  function keepsId(property: unknown, target: TypeDraft): boolean {
    return property !== undefined && reader.holdsId(property, target.item.pointer);
  }

  function route(
    operation: SpecOperation,
    d: TypeDraft,
    role: OperationRole,
    parents: ParentRef[],
    extra: Partial<Mutable<ModelRoute>> = {},
  ): void {
    const body = bodyKindOf(operation);
    if (body === 'multipart') {
      skip(operation, 'multipart body');
      return;
    }
    routes.push({
      method: operation.method.toUpperCase(),
      path: operation.path,
      ...(operation.id.includes(' ') ? {} : { operationId: operation.id }),
      role,
      type: d.name,
      parents,
      successStatus: successOf(operation).status,
      body,
      filters: [],
      ...extra,
    });
    if (role === 'create' || role === 'update' || role === 'replace' || role === 'action')
      noteReferences(operation, d);
  }

  for (const { operation, place } of candidates) {
    const method = operation.method.toUpperCase();
    const path = operation.path;
    if (place.kind === 'other') {
      skip(operation, countParams(path) > 0 ? 'an item with no collection' : 'not a collection');
      continue;
    }
    const verb = place.kind === 'collection' ? verbAfterCollection(path) : undefined;
    if (verb !== undefined) {
      skip(operation, `${verb}, not a resource`);
      continue;
    }
    if (selfNestedAt(path)) {
      skip(operation, 'links objects of one type to each other, not a resource');
      continue;
    }
    const collectionDraft = typeOfCollection.get(path);
    if (collectionDraft !== undefined) {
      const d = collectionDraft;
      if (notResource.has(d.name)) {
        skip(operation, `${d.name} is marked notResource`);
        continue;
      }
      const parents = parentsOf(segmentsOf(path), d);
      const canonical = [...d.collections][0] === path;
      if (method === 'POST') route(operation, d, 'create', parents);
      else if (method === 'GET') {
        const media = successOf(operation).media;
        const items = media === undefined ? undefined : reader.listItems(reader.at(media));
        if (items === undefined) {
          skip(operation, 'not a list');
          continue;
        }
        const onlyGet = (byPath.get(path)?.size ?? 0) === 1;
        const last = parents[parents.length - 1];
        const typed = parents.some((p) => p.type !== undefined);
        if (!canonical && last?.type !== undefined && last.field !== undefined) {
          route(operation, d, 'list', parents.slice(0, -1), {
            view: { field: last.field, param: last.param },
            filters: filtersOf(operation, d),
          });
        } else if (!canonical && onlyGet && typed) {
          skip(operation, `lists ${d.name}, but no field of ${d.name} names the parent`);
        } else if (!canonical && onlyGet && scopes(path) !== scopes([...d.collections][0]!)) {
          skip(operation, `lists ${d.name} across other scopes`);
        } else route(operation, d, 'list', parents, { filters: filtersOf(operation, d) });
      } else skip(operation, `${method} on a collection`);
      continue;
    }
    if (place.kind === 'item') {
      const d = itemTypeOf.get(shapeKey(path));
      if (d === undefined) {
        skip(
          operation,
          typeOfCollection.has(place.collection) || drafts.size === 0
            ? 'its answer is not an object with an id'
            : 'an item with no collection',
        );
        continue;
      }
      const parents = parentsOf(place.segments, d);
      const extra = { idParam: place.idParam };
      if (method === 'GET') route(operation, d, 'retrieve', parents, extra);
      else if (method === 'POST' || method === 'PATCH')
        route(operation, d, 'update', parents, extra);
      else if (method === 'PUT')
        route(operation, d, bodyKindOf(operation) === 'none' ? 'action' : 'replace', parents, {
          ...extra,
          ...(bodyKindOf(operation) === 'none' ? { action: 'put' } : {}),
        });
      else if (method === 'DELETE') {
        const media = successOf(operation).media;
        if (media !== undefined) {
          const { stubs } = reader.item(reader.at(media), path);
          d.stubs.push(...stubs);
        }
        d.deleteDocumented = true;
        route(operation, d, 'delete', parents, extra);
      } else skip(operation, `${method} on an item`);
      continue;
    }
    if (place.kind === 'item-sub') {
      const d = itemTypeOf.get(shapeKey(place.item));
      const itemPlace = placeOf(place.item);
      if (d === undefined || itemPlace.kind !== 'item') {
        skip(operation, 'below an item that is not modelled');
        continue;
      }
      const parents = parentsOf(itemPlace.segments, d);
      const extra = { idParam: itemPlace.idParam, action: place.verb };
      if (method === 'PUT') {
        route(operation, d, 'action', parents, extra);
      } else if (method === 'DELETE' && op(path, 'PUT') !== undefined) {
        route(operation, d, 'action', parents, { ...extra, action: `un${place.verb}` });
      } else if (method === 'POST') {
        const media = successOf(operation).media;
        const answer = media === undefined ? undefined : reader.item(reader.at(media), path).item;
        const same =
          answer === undefined ||
          answer.identity === d.identity ||
          (answer.identity !== undefined && d.item.members.includes(answer.identity));
        if (!same) skip(operation, `${place.verb} answers another object`);
        else route(operation, d, 'action', parents, extra);
      } else skip(operation, `${place.verb}: ${method} below an item, not an action`);
      continue;
    }
    skip(
      operation,
      op(path, 'GET') !== undefined
        ? 'a singleton, not a collection'
        : 'nothing below it to read back (a one-off call)',
    );
  }

  // 4. Types.
  const types = new Map<string, ResourceType>();
  const identities = new Map<string, string>();
  for (const d of drafts.values()) {
    if (notResource.has(d.name)) continue;
    if (!routes.some((r) => r.type === d.name)) continue;
    identities.set(d.identity, d.name);
    const props = reader.properties(d.item.schema);
    const firstItem = [...d.itemPaths.values()][0];
    const idField = idFieldOf(firstItem, props);
    // Objects the client names (GitHub's labels/{name}, teams/{team_slug}) are addressed by a
    // field the client chooses, not by an id the sandbox can draw: a created label would be
    // unreadable at labels/bug. Left to cassette and spec, with the reason.
    const named = [...d.itemPaths.values()]
      .map((p) => /(?:^|_)(name|slug|login)$/.exec(p)?.[1])
      .find((f) => f !== undefined && f !== idField && props.has(f));
    if (idField === undefined || named !== undefined) {
      for (let i = routes.length - 1; i >= 0; i--)
        if (routes[i]!.type === d.name) {
          const r = routes.splice(i, 1)[0]!;
          notModelled.push({
            method: r.method,
            path: r.path,
            reason:
              named === undefined
                ? 'its objects have no id field'
                : `its objects are addressed by the ${named} the client chooses, not by an id`,
          });
        }
      continue;
    }
    const readOnly = [...props.entries()]
      .filter(([, s]) => {
        const n = reader.deref(s).node;
        return isRecord(n) && n['readOnly'] === true;
      })
      .map(([k]) => k);
    const serverOwned = [
      ...new Set([
        idField,
        ...profile.resources.serverOwned.filter((f) => props.size === 0 || props.has(f)),
        ...readOnly,
      ]),
    ];
    const constants: Record<string, JsonValue> = {};
    for (const [name, s] of props) {
      const n = reader.deref(s).node;
      if (isRecord(n) && Array.isArray(n['enum']) && n['enum'].length === 1)
        constants[name] = n['enum'][0] as JsonValue;
    }
    for (const [name, value] of Object.entries(profile.resources.constants))
      if (props.has(name)) constants[name] = value;
    const timestamps: Record<
      string,
      { unit: 'unix-s' | 'unix-ms' | 'iso'; on: 'create' | 'write' }
    > = {};
    for (const [name, s] of props) {
      const n = reader.deref(s).node;
      if (!isRecord(n)) continue;
      const types = Array.isArray(n['type']) ? n['type'] : [n['type']];
      if (name === 'created' && types.includes('integer'))
        timestamps[name] = { unit: 'unix-s', on: 'create' };
      else if (name === 'created_at' && types.includes('string') && n['format'] === 'date-time')
        timestamps[name] = { unit: 'iso', on: 'create' };
      else if (name === 'updated_at' && types.includes('string') && n['format'] === 'date-time')
        timestamps[name] = { unit: 'iso', on: 'write' };
      else if (name === 'created' && types.includes('string') && n['format'] === 'date-time')
        timestamps[name] = { unit: 'iso', on: 'create' };
    }
    const stub = d.stubs[0];
    const { shape, source } = specIdShape(props.get(idField), d.example, idField);
    const object = objectName(d);
    types.set(d.name, {
      name: d.name,
      ...(object === undefined ? {} : { object }),
      ...(d.item.pointer === undefined ? {} : { schemaPointer: d.item.pointer }),
      idField,
      idShape: shape,
      idSource: source,
      serverOwned,
      timestamps,
      constants,
      deleteStyle: stub === undefined ? 'remove' : 'tombstone',
      ...(stub === undefined ? {} : { tombstone: reader.required(stub).sort() }),
      references: [...(referencesOf.get(d.name) ?? new Map<string, string>()).entries()]
        .map(([field, type]) => ({ field, type }))
        .sort((a, b) => (a.field < b.field ? -1 : 1)),
      source: ['spec'],
    });
  }

  function specIdShape(
    idSchema: unknown,
    example: unknown,
    idField: string,
  ): { shape: IdShape; source: ResourceType['idSource'] } {
    const n = reader.deref(idSchema).node;
    if (isRecord(n) && typeof n['pattern'] === 'string') {
      const shape = shapeFromPattern(n['pattern']);
      if (shape !== undefined) return { shape, source: 'spec-pattern' };
    }
    const examples: string[] = [];
    if (isRecord(n) && (typeof n['example'] === 'string' || typeof n['example'] === 'number'))
      examples.push(String(n['example']));
    if (
      isRecord(example) &&
      (typeof example[idField] === 'string' || typeof example[idField] === 'number')
    )
      examples.push(String(example[idField]));
    if (
      isRecord(n) &&
      (n['type'] === 'integer' || (Array.isArray(n['type']) && n['type'].includes('integer')))
    )
      return { shape: { kind: 'sequence', scope: 'tenant', start: 1 }, source: 'spec-example' };
    const learned = learnShape(examples.slice(0, 1));
    if (learned !== undefined) return { shape: learned, source: 'spec-example' };
    return { shape: profile.ids.default ?? DEFAULT_ID_SHAPE, source: 'default' };
  }

  const kept = routes.filter((r) => types.has(r.type));
  for (const r of routes)
    if (!types.has(r.type))
      notModelled.push({ method: r.method, path: r.path, reason: 'its objects have no id field' });
  // References and parents may name a type that did not survive.
  const finalRoutes = kept.map((r) => ({
    ...r,
    parents: r.parents.map((p) =>
      p.type === undefined || types.has(p.type)
        ? p
        : { param: p.param, ...(p.field === undefined ? {} : { field: p.field }) },
    ),
  }));
  for (const [name, t] of types)
    types.set(name, { ...t, references: t.references.filter((ref) => types.has(ref.type)) });
  notModelled.sort((a, b) =>
    a.path === b.path ? (a.method < b.method ? -1 : 1) : a.path < b.path ? -1 : 1,
  );
  return {
    model: { types, routes: finalRoutes, notModelled, from: 'spec' },
    identities,
  };
}

/**
 * The id field of a type: for item parameter `p`, a property named `p` without `_id`/`_number`/
 * `_exposed_id` when `p` had that suffix (`issue_number` → `number`), else `id`, `p`, `p`
 * stripped, its last word — the first that is a property. Undefined when none is.
 */
export function idFieldOf(
  param: string | undefined,
  props: ReadonlyMap<string, unknown>,
): string | undefined {
  const candidates: string[] = [];
  if (param !== undefined) {
    const stripped = param.replace(/_(id|number|exposed_id)$/, '');
    if (stripped !== param && param.endsWith('_number')) candidates.push('number');
    candidates.push('id', param, stripped, param.split('_').pop() ?? param);
  } else candidates.push('id');
  if (props.size === 0) return param === undefined ? 'id' : candidates[0];
  return candidates.find((c) => props.has(c));
}
