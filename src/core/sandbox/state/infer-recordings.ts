/**
 * The resource model from recordings (docs/design/issue-13-plan.md §1.3), for a cassette set
 * without a spec, and what recordings add to a spec's model (observed ids → id shapes). Id-like
 * path segments become `{id}` (`{id1}`, `{id2}` when a path has several); exchanges grouped by
 * template and method get the spec's role rules, with the recorded JSON bodies as the schema.
 */
// Over 450 lines: templating of recorded paths, grouping by template and the role rules
// applied to recorded bodies are one walk over the interactions, with shared grouping state.
import type { Interaction, NamedCassette, RecordedRequest } from '../../cassette/model.js';
import { valuesOf } from '../../cassette/model.js';
import { decodePercent } from '../../http/percent.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../json.js';
import type { ApiProfile } from '../profile/types.js';
import { DEFAULT_ID_SHAPE, learnShape } from './ids.js';
import { NOT_FILTERS } from './infer-spec.js';
import type { ModelRoute, OperationRole, ResourceModel, ResourceType } from './model.js';

/**
 * `cus_…`, and two-word prefixes as in `cs_test_…`. The random part has a digit or a capital:
 * `payment_intents` and `test_clocks` are collection names, not ids.
 */
const PREFIXED_ID = /^[a-z]{1,8}_(?:[a-z]{1,8}_)?(?=[a-z]*[0-9A-Z])[A-Za-z0-9]{6,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const ID_FIELDS = ['id', 'number'] as const;

export function pathSegments(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodePercent(s));
}

function jsonOf(body: Interaction['response']['body']): JsonValue | undefined {
  return body?.encoding === 'json' ? body.json : undefined;
}

/** The items of a list body: an array, or the one array member of an object. */
export function listItemsOf(body: JsonValue | undefined): JsonObject[] | undefined {
  if (Array.isArray(body)) return body.every(isJsonObject) ? body : undefined;
  if (!isJsonObject(body)) return undefined;
  const arrays = Object.values(body).filter((v) => Array.isArray(v));
  if (arrays.length !== 1) return undefined;
  const items = arrays[0] as JsonValue[];
  return items.every(isJsonObject) ? items : undefined;
}

function idText(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function idOf(body: JsonValue | undefined): { field: string; id: string } | undefined {
  if (!isJsonObject(body)) return undefined;
  for (const field of ID_FIELDS) {
    const value = body[field];
    if (typeof value === 'string' || typeof value === 'number') return { field, id: String(value) };
  }
  return undefined;
}

/** A matcher of a path against a route template (`{x}` matches one segment). */
export function matchesTemplate(template: string, segments: readonly string[]): boolean {
  const parts = template.split('/').filter((s) => s !== '');
  if (parts.length !== segments.length) return false;
  return parts.every((p, i) => p.startsWith('{') || p === segments[i]);
}

/**
 * The templated path of a recorded one: segments that look like ids, or equal an id a recorded
 * answer showed, become `{id}` — `{id1}`, `{id2}`… when there are several.
 */
export function templateOf(segments: readonly string[], knownIds: ReadonlySet<string>): string {
  const isId = segments.map(
    (s, i) => i > 0 && (PREFIXED_ID.test(s) || UUID.test(s) || NUMBER.test(s) || knownIds.has(s)),
  );
  const count = isId.filter(Boolean).length;
  let n = 0;
  return `/${segments
    .map((s, i) => (isId[i] ? (count === 1 ? '{id}' : `{id${++n}}`) : s.replace(/[{}]/g, '')))
    .join('/')}`;
}

interface Exchange {
  readonly method: string;
  readonly segments: string[];
  readonly interaction: Interaction;
}

function bodyKind(request: RecordedRequest): ModelRoute['body'] {
  const type = valuesOf(request.headers['content-type'])[0]?.toLowerCase() ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return 'form';
  if (request.body === undefined) return 'none';
  return 'json';
}

function mostFrequent<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestCount = 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) [best, bestCount] = [v, c];
  }
  return best;
}

interface TypeDraft {
  name: string;
  collection: string;
  items: JsonObject[];
  ids: string[];
  idField: string;
  stub?: JsonObject;
  recorded: number;
  /** Id fields whose value was the item path's id segment, with how often. */
  votes: Map<string, number>;
}

/** Every observed id of every exchange, to recognise ids that have no id-like spelling. */
function observedIds(exchanges: readonly Exchange[]): Set<string> {
  const ids = new Set<string>();
  for (const { interaction } of exchanges) {
    const body = jsonOf(interaction.response.body);
    const one = idOf(body);
    if (one !== undefined) ids.add(one.id);
    for (const item of listItemsOf(body) ?? []) {
      const id = idOf(item);
      if (id !== undefined) ids.add(id.id);
    }
  }
  return ids;
}

function exchangesOf(cassettes: readonly NamedCassette[]): Exchange[] {
  const out: Exchange[] = [];
  for (const { cassette } of cassettes)
    for (const interaction of cassette.interactions)
      out.push({
        method: interaction.request.method.toUpperCase(),
        segments: pathSegments(interaction.request.path),
        interaction,
      });
  return out;
}

const is2xx = (e: Exchange) =>
  e.interaction.response.status >= 200 && e.interaction.response.status < 300;

/**
 * The model of a cassette set alone. Types are named by their collection's last literal
 * segment; ids, `object`, timestamps and tombstones come from what the API answered.
 */
export function inferFromRecordings(
  cassettes: readonly NamedCassette[],
  profile: ApiProfile,
): ResourceModel {
  const exchanges = exchangesOf(cassettes);
  const known = observedIds(exchanges);
  const groups = new Map<string, Map<string, Exchange[]>>(); // template → method → exchanges
  for (const e of exchanges) {
    const template = templateOf(e.segments, known);
    let byMethod = groups.get(template);
    if (byMethod === undefined) groups.set(template, (byMethod = new Map<string, Exchange[]>()));
    let list = byMethod.get(e.method);
    if (list === undefined) byMethod.set(e.method, (list = []));
    list.push(e);
  }
  const isItemTemplate = (t: string) => t.endsWith('}');
  const collectionOf = (t: string) => t.slice(0, t.lastIndexOf('/'));
  const key = (t: string) => t.replace(/\{[^}]*\}/g, '{}');
  const itemByCollection = new Map<string, string>();
  for (const t of groups.keys())
    if (isItemTemplate(t) && !itemByCollection.has(key(collectionOf(t))))
      itemByCollection.set(key(collectionOf(t)), t);

  // Types: a collection whose exchanges answer objects with an id (item reads, creates, lists).
  const drafts = new Map<string, TypeDraft>(); // by collection key
  const ensure = (collection: string): TypeDraft => {
    let d = drafts.get(key(collection));
    if (d === undefined) {
      const literals = collection.split('/').filter((s) => s !== '' && !s.startsWith('{'));
      d = {
        name: literals[literals.length - 1] ?? 'items',
        collection,
        items: [],
        ids: [],
        idField: 'id',
        recorded: 0,
        votes: new Map(),
      };
      drafts.set(key(collection), d);
    }
    return d;
  };
  const addItem = (d: TypeDraft, body: JsonValue | undefined) => {
    const id = idOf(body);
    if (id === undefined || !isJsonObject(body)) return;
    if (body['deleted'] === true) {
      d.stub ??= body;
      return;
    }
    d.items.push(body);
    d.ids.push(id.id);
    d.idField = id.field;
  };
  for (const [template, byMethod] of groups) {
    const collection = isItemTemplate(template) ? collectionOf(template) : template;
    const hasItem = isItemTemplate(template) || itemByCollection.has(key(template));
    if (!hasItem) continue;
    for (const [method, list] of byMethod) {
      for (const e of list.filter(is2xx)) {
        const body = jsonOf(e.interaction.response.body);
        if (isItemTemplate(template)) {
          // The field whose value is the path's id names the type's id field (`number`, not `id`).
          const segment = e.segments[e.segments.length - 1];
          if (isJsonObject(body))
            for (const field of ID_FIELDS)
              if (segment !== undefined && idText(body[field]) === segment) {
                const d = ensure(collection);
                d.votes.set(field, (d.votes.get(field) ?? 0) + 1);
              }
          if (
            method === 'GET' ||
            method === 'POST' ||
            method === 'PATCH' ||
            method === 'PUT' ||
            method === 'DELETE'
          ) {
            const d = ensure(collection);
            d.recorded++;
            addItem(d, body);
          }
        } else if (method === 'POST') {
          const d = ensure(collection);
          d.recorded++;
          addItem(d, body);
        } else if (method === 'GET') {
          const d = ensure(collection);
          d.recorded++;
          for (const item of listItemsOf(body) ?? []) addItem(d, item);
        }
      }
    }
  }
  // Disambiguate names: a clash takes the literal before the last.
  const taken = new Set<string>();
  for (const d of [...drafts.values()].sort((a, b) => a.collection.length - b.collection.length)) {
    let name = d.name;
    const literals = d.collection.split('/').filter((s) => s !== '' && !s.startsWith('{'));
    for (let back = 2; taken.has(name) && back <= literals.length; back++)
      name = literals.slice(-back).join('_');
    while (taken.has(name)) name = `${name}_`;
    taken.add(name);
    d.name = name;
  }

  const types = new Map<string, ResourceType>();
  for (const d of drafts.values()) {
    if (d.items.length === 0) continue;
    const voted = [...d.votes.entries()].sort((a, b) => b[1] - a[1])[0];
    if (voted !== undefined) {
      d.idField = voted[0];
      d.ids = d.items
        .map((i) => i[d.idField])
        .filter((v) => typeof v === 'string' || typeof v === 'number')
        .map(String);
    }
    types.set(d.name, typeFromItems(d, profile));
  }

  const routes: ModelRoute[] = [];
  const notModelled: { method: string; path: string; reason: string }[] = [];
  for (const [template, byMethod] of groups) {
    for (const [method, list] of byMethod) {
      const ok = list.filter(is2xx);
      const sample = ok[0] ?? list[0]!;
      const successStatus = mostFrequent(ok.map((e) => e.interaction.response.status)) ?? 200;
      const base = {
        method,
        path: template,
        parents: [],
        successStatus,
        body: bodyKind(sample.interaction.request),
        filters: [] as string[],
      };
      const segs = template.split('/').filter((s) => s !== '');
      const last = segs[segs.length - 1] ?? '';
      let routed: ModelRoute | undefined;
      let reason = 'no recorded answer shows an object with an id';
      if (isItemTemplate(template)) {
        const d = drafts.get(key(collectionOf(template)));
        const type = d === undefined ? undefined : types.get(d.name);
        const idParam = last.slice(1, -1);
        const role: OperationRole | undefined =
          method === 'GET'
            ? 'retrieve'
            : method === 'POST' || method === 'PATCH'
              ? 'update'
              : method === 'PUT'
                ? 'replace'
                : method === 'DELETE'
                  ? 'delete'
                  : undefined;
        if (type !== undefined && role !== undefined)
          routed = { ...base, role, type: type.name, idParam };
      } else {
        const d = drafts.get(key(template));
        const type = d === undefined ? undefined : types.get(d.name);
        const parentItem = collectionOf(template);
        if (type !== undefined && method === 'POST')
          routed = { ...base, role: 'create', type: type.name };
        else if (type !== undefined && method === 'GET') {
          const items = ok.flatMap((e) => listItemsOf(jsonOf(e.interaction.response.body)) ?? []);
          const filters = new Set<string>();
          for (const e of ok)
            for (const name of Object.keys(e.interaction.request.query))
              if (!NOT_FILTERS.has(name) && items.some((i) => isScalar(i[name]))) filters.add(name);
          routed = { ...base, role: 'list', type: type.name, filters: [...filters].sort() };
        } else if (isItemTemplate(parentItem) && method !== 'GET') {
          // `/v1/payment_intents/{id}/confirm`: an action when it answers the item.
          const d2 = drafts.get(key(collectionOf(parentItem)));
          const owner = d2 === undefined ? undefined : types.get(d2.name);
          const answers = ok.every((e) => {
            const body = jsonOf(e.interaction.response.body);
            return body === undefined || idOf(body) !== undefined;
          });
          if (owner !== undefined && answers)
            routed = {
              ...base,
              role: 'action',
              type: owner.name,
              idParam: parentItem.slice(parentItem.lastIndexOf('{') + 1, -1),
              action: method === 'DELETE' ? `un${last}` : last,
            };
          else reason = `${last}: does not answer the object`;
        } else if (d === undefined && itemByCollection.has(key(collectionOf(template))))
          reason = `${last}, not a resource`;
      }
      if (routed !== undefined) routes.push(routed);
      else notModelled.push({ method, path: template, reason });
    }
  }
  routes.sort((a, b) =>
    a.path === b.path ? (a.method < b.method ? -1 : 1) : a.path < b.path ? -1 : 1,
  );
  notModelled.sort((a, b) =>
    a.path === b.path ? (a.method < b.method ? -1 : 1) : a.path < b.path ? -1 : 1,
  );
  return { types, routes, notModelled, from: 'recordings' };
}

function isScalar(v: JsonValue | undefined): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function typeFromItems(d: TypeDraft, profile: ApiProfile): ResourceType {
  const first = d.items[0]!;
  const constants: Record<string, JsonValue> = {};
  const object = first['object'];
  if (typeof object === 'string' && d.items.every((i) => i['object'] === object))
    constants['object'] = object;
  for (const [name, value] of Object.entries(profile.resources.constants))
    if (Object.hasOwn(first, name)) constants[name] = value;
  const timestamps: Record<string, { unit: 'unix-s' | 'unix-ms' | 'iso'; on: 'create' | 'write' }> =
    {};
  for (const name of ['created', 'created_at', 'updated_at']) {
    const v = first[name];
    const on = name === 'updated_at' ? 'write' : 'create';
    if (typeof v === 'number') timestamps[name] = { unit: v > 1e11 ? 'unix-ms' : 'unix-s', on };
    else if (typeof v === 'string' && ISO.test(v)) timestamps[name] = { unit: 'iso', on };
  }
  const learned = learnShape(d.ids);
  const serverOwned = [
    ...new Set([
      d.idField,
      ...profile.resources.serverOwned.filter((f) => Object.hasOwn(first, f)),
    ]),
  ];
  return {
    name: d.name,
    ...(typeof object === 'string' ? { object } : {}),
    idField: d.idField,
    idShape: learned ?? profile.ids.default ?? DEFAULT_ID_SHAPE,
    idSource: learned === undefined ? 'default' : 'recordings',
    serverOwned,
    timestamps,
    constants,
    deleteStyle: d.stub === undefined ? 'remove' : 'tombstone',
    ...(d.stub === undefined ? {} : { tombstone: Object.keys(d.stub).sort() }),
    references: [],
    source: ['recordings'],
  };
}

/**
 * What recordings add to a spec's model: each type's observed ids (in recorded order) learn its
 * id shape where the spec's was only a pattern, an example or the default. `basePaths` are the
 * spec's server paths, stripped from recorded paths before matching route templates.
 */
export function enrichWithRecordings(
  model: ResourceModel,
  cassettes: readonly NamedCassette[],
  basePaths: readonly string[] = [],
): ResourceModel {
  if (cassettes.length === 0) return model;
  const byType = new Map<string, string[]>();
  const routes = routingTable(model);
  for (const e of exchangesOf(cassettes)) {
    if (!is2xx(e)) continue;
    const route = routeOf(routes, e, basePaths);
    if (route === undefined) continue;
    const body = jsonOf(e.interaction.response.body);
    const type = model.types.get(route.type);
    if (type === undefined) continue;
    const list = byType.get(type.name) ?? [];
    const bodies = route.role === 'list' ? (listItemsOf(body) ?? []) : [body];
    for (const b of bodies) {
      if (!isJsonObject(b) || b['deleted'] === true) continue;
      const id = b[type.idField];
      if (typeof id === 'string' || typeof id === 'number') list.push(String(id));
    }
    byType.set(type.name, list);
  }
  const types = new Map<string, ResourceType>();
  for (const [name, type] of model.types) {
    const ids = byType.get(name);
    if (ids === undefined) {
      types.set(name, type);
      continue;
    }
    const learned = learnShape(ids);
    const weaker =
      type.idSource === 'spec-pattern' ||
      type.idSource === 'spec-example' ||
      type.idSource === 'default';
    types.set(name, {
      ...type,
      ...(learned !== undefined && weaker
        ? { idShape: learned, idSource: 'recordings' as const }
        : {}),
      source: type.source.includes('recordings') ? type.source : [...type.source, 'recordings'],
    });
  }
  return { ...model, types, from: 'both' };
}

function literalCount(template: string): number {
  return template.split('/').filter((s) => s !== '' && !s.startsWith('{')).length;
}

interface TableEntry {
  readonly method: string;
  readonly path: string;
  /** Undefined for a path the model leaves to cassette and spec (`/v1/customers/search`). */
  readonly route?: ModelRoute;
}

/** Routes and not-modelled paths, literal segments first: `/search` beats `/{customer}`. */
function routingTable(model: ResourceModel): TableEntry[] {
  return [
    ...model.routes.map((route) => ({ method: route.method, path: route.path, route })),
    ...model.notModelled.map((n) => ({ method: n.method, path: n.path })),
  ].sort((a, b) => literalCount(b.path) - literalCount(a.path));
}

function routeOf(
  routes: readonly TableEntry[],
  e: Exchange,
  basePaths: readonly string[],
): ModelRoute | undefined {
  const candidates = [e.segments];
  for (const base of basePaths) {
    const baseSegs = base.split('/').filter((s) => s !== '');
    if (baseSegs.length > 0 && baseSegs.every((s, i) => e.segments[i] === s))
      candidates.push(e.segments.slice(baseSegs.length));
  }
  for (const segments of candidates)
    for (const r of routes)
      if (r.method === e.method && matchesTemplate(r.path, segments)) return r.route;
  return undefined;
}

/** How many recorded exchanges each type's routes answered (for `--explain`'s `from` column). */
export function recordedPerType(
  model: ResourceModel,
  cassettes: readonly NamedCassette[],
  basePaths: readonly string[] = [],
): Map<string, number> {
  const counts = new Map<string, number>();
  const routes = routingTable(model);
  for (const e of exchangesOf(cassettes)) {
    const route = routeOf(routes, e, basePaths);
    if (route !== undefined) counts.set(route.type, (counts.get(route.type) ?? 0) + 1);
  }
  return counts;
}
