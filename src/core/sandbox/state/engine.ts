/**
 * The state engine (pure): routing a request to a model route, what to read, and `plan` — the
 * change and the answer for every role (create, list, retrieve, update, replace, delete,
 * action). One file because the roles share one set of private helpers (scoped ids, guarded
 * state fields, reference checks, the profile's error facts); the parts that stand alone live
 * beside it (body, coerce, merge, template, lifecycle, pagination, seed).
 */
import { valuesOf, type QueryMap } from '../../cassette/model.js';
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../json.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import type { SpecModel, SpecOperation } from '../../mock/openapi/operations.js';
import { SpecRouter } from '../../mock/openapi/router.js';
import type { SimpleReply } from '../../http/reply.js';
import type {
  ListPage,
  ListQuery,
  SandboxEvent,
  StateChange,
  StoredResource,
} from '../../ports/resources.js';
import type { ErrorFactsIn, ProfileErrors } from '../profile/answer.js';
import type { ActionDecl, ApiProfile } from '../profile/types.js';
import { previousAttributes } from '../../webhooks/events.js';
import { itemFields } from './body.js';
import { isNullable, propertySchema, resolveSchema, schemaTypes, type SchemaAt } from './coerce.js';
import { applySet, initialState, runAction, timestamp } from './lifecycle.js';
import { deepMerge, mergePatch, replaceWith } from './merge.js';
import type { Lifecycle, ModelRoute, ResourceModel, ResourceType } from './model.js';
import { listAnswer, listQuery, readPaging, type Pagination } from './pagination.js';

/**
 * The state engine (docs/design/issue-13-plan.md §6.2): a request, routed to a model route and
 * given what the store holds, becomes one planned change and its reply. Pure: no I/O, no clock
 * (the tenant's `now` comes in), no randomness (ids come in).
 */

/** Where a type's new objects start from, and the schema its bodies are filtered by (§1.4, §1.7). */
export interface TemplateSource {
  /** The starting object of a new resource of the type: recorded → spec example → minimal. */
  template(type: string): JsonObject;
  /** The item schema of the type, `$ref`s resolvable in `document`; undefined without a spec. */
  itemSchema(type: string): SchemaAt | undefined;
}

export interface StateEngineDeps {
  readonly model: ResourceModel;
  readonly profile: ApiProfile;
  readonly spec?: CompiledSpec;
  readonly templates: TemplateSource;
  readonly errors: ProfileErrors;
}

/** A request matched to a model route. */
export interface RoutedRequest {
  readonly route: ModelRoute;
  readonly type: ResourceType;
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The item's id as the client names it (item and action routes). */
  readonly id?: string;
  /**
   * The parent key the resource is stored under: `customers/cus_1` for a typed parent,
   * `octo/hello` for scopes (`owner`, `repo`), undefined for a top-level collection and views.
   */
  readonly parent?: string;
  /** The spec operation, when the model came from a spec (for request validation). */
  readonly operation?: SpecOperation;
}

/** One stored resource to read before planning. */
export interface ResourceRef {
  readonly type: string;
  /** The stored id (scoped types: `octo/hello/1`). */
  readonly id: string;
}

/** The key of a resource in `PlanInput.read`. */
export function refKey(type: string, id: string): string {
  return `${type}\u0000${id}`;
}

export interface PlanInput {
  readonly routed: RoutedRequest;
  readonly body: JsonValue | undefined;
  readonly query: QueryMap;
  /** What `readsFor` asked for that exists, by `refKey`. */
  readonly read: ReadonlyMap<string, StoredResource>;
  /** The page `pageQuery` asked for (list routes). */
  readonly page?: ListPage;
  /** Current sequence values (`sequencesFor`), 0 when unset. */
  readonly sequences?: ReadonlyMap<string, number>;
  /** The tenant's clock, ms. */
  readonly now: number;
  /** n fresh ids of a type (random or uuid shapes; sequences come from `sequences`). */
  readonly ids: (type: string, n: number) => string[];
  /** The request's own origin (`http://127.0.0.1:4010`), for Link headers. */
  readonly origin: string;
  /** The request's path as sent (for list `url`s and Link headers); the route's otherwise. */
  readonly path?: string;
  /** `application/merge-patch+json` bodies merge by RFC 7396 whatever the profile says. */
  readonly mergePatch?: boolean;
  /** A named action run outside a request (issue 14): the route's own action otherwise. */
  readonly action?: string;
  /**
   * A scenario's state outcome (issue 14): this action runs in place of the request's own —
   * on the item, or on a create's new object in the same change, in place of the actions the
   * create names (`confirm=true`). `decl` is the scenario's inline `set`/`from`/`event`; the
   * profile's action of that name otherwise.
   */
  readonly scenarioAction?: { readonly name: string; readonly decl?: ActionDecl };
}

export type Plan =
  | { readonly kind: 'answer'; readonly reply: SimpleReply; readonly remember: boolean } // reads, lists, refusals
  | { readonly kind: 'change'; readonly change: StateChange; readonly reply: SimpleReply };

// ---------------------------------------------------------------------------------------------
// Routing

interface ModelRouter {
  readonly router: SpecRouter;
  readonly routes: readonly ModelRoute[];
}

const routers = new WeakMap<ResourceModel, ModelRouter>();

/** A segment-tree router over the model's own routes (paths include the base path). */
function modelRouter(model: ResourceModel): ModelRouter {
  let cached = routers.get(model);
  if (cached === undefined) {
    const spec: SpecModel = {
      dialect: 'openapi-3.1',
      title: 'model',
      basePaths: [],
      operations: model.routes.map((route, index) => ({
        id: String(index),
        method: route.method.toUpperCase(),
        path: route.path,
        pointer: '',
        parameters: [],
        responses: [],
        security: [],
      })),
      securitySchemes: new Map(),
    };
    cached = { router: new SpecRouter(spec), routes: model.routes };
    routers.set(model, cached);
  }
  return cached;
}

/** The model route of a method and a raw path, with its decoded path parameters. */
export function modelRoute(
  model: ResourceModel,
  method: string,
  path: string,
): { route: ModelRoute; params: Readonly<Record<string, string>> } | undefined {
  const { router, routes } = modelRouter(model);
  const upper = method.toUpperCase();
  if (upper === 'HEAD') return undefined;
  // Routes inferred from a spec leave out its base path (`/widgets` for `/v1/widgets`): a path
  // that matches nothing is tried again without its first segments, as a server's base path.
  let rest = path;
  for (let dropped = 0; dropped <= 3; dropped++) {
    const found = router.route(upper, rest);
    if (found.kind === 'operation' && found.operation.method === upper) {
      const route = routes[Number(found.operation.id)];
      return route === undefined ? undefined : { route, params: found.params };
    }
    const next = rest.indexOf('/', 1);
    if (next === -1) break;
    rest = rest.slice(next);
  }
  return undefined;
}

/** The model route of a spec operation (by operation id, else by method and path). */
function routeOfOperation(model: ResourceModel, operation: SpecOperation): ModelRoute | undefined {
  const method = operation.method.toUpperCase();
  return (
    model.routes.find(
      (r) =>
        r.operationId !== undefined &&
        r.operationId === operation.id &&
        r.method.toUpperCase() === method,
    ) ??
    model.routes.find(
      (r) =>
        r.method.toUpperCase() === method &&
        (r.path === operation.path || r.path.endsWith(operation.path)),
    )
  );
}

/**
 * One decoded path parameter as a part of a `/`-joined key: a `/` it holds (sent as `%2F`) and
 * `%` itself are escaped, so `a%2Fb` + `c` and `a` + `b%2Fc` never become the same key.
 */
export function segment(value: string | undefined): string {
  return (value ?? '').replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** Scope parameters (`owner`, `repo`) joined: the part of a stored id that scopes it. */
function scopeOf(route: ModelRoute, params: Readonly<Record<string, string>>): string | undefined {
  const scopes = route.parents.filter((p) => p.type === undefined);
  if (scopes.length === 0) return undefined;
  return scopes.map((p) => segment(params[p.param])).join('/');
}

function parentOf(route: ModelRoute, params: Readonly<Record<string, string>>): string | undefined {
  if (route.view !== undefined || route.parents.length === 0) return undefined;
  return route.parents
    .map((p) =>
      p.type === undefined ? segment(params[p.param]) : `${p.type}/${segment(params[p.param])}`,
    )
    .join('/');
}

/** The id a resource is stored under: the client's id, scoped when the type lives in a scope. */
export function storedId(routed: RoutedRequest, id: string): string {
  const scope = scopeOf(routed.route, routed.params);
  return scope === undefined ? id : `${scope}/${segment(id)}`;
}

/** Routes a request to a model route, or undefined (not modelled → next layer). */
export function routeRequest(
  model: ResourceModel,
  router: SpecRouter | undefined,
  method: string,
  path: string,
): RoutedRequest | undefined {
  // The spec's router knows its base paths: a documented operation finds its route by id.
  let operation: SpecOperation | undefined;
  let found: { route: ModelRoute; params: Readonly<Record<string, string>> } | undefined;
  if (router !== undefined && method.toUpperCase() !== 'HEAD') {
    const spec = router.route(method, path);
    if (spec.kind === 'operation' && spec.operation.method.toUpperCase() === method.toUpperCase()) {
      operation = spec.operation;
      const route = routeOfOperation(model, spec.operation);
      // A documented operation the model leaves out (`/v1/customers/search`) is not modelled,
      // even where a model route would take its path (`/v1/customers/{customer}`).
      if (route === undefined) return undefined;
      found = { route, params: spec.params };
    }
  }
  found ??= modelRoute(model, method, path);
  if (found === undefined) return undefined;
  // A route of a spec operation is reached through the spec's router only: a path it does not
  // document (`/junk/v1/customers`) is not that operation under another prefix.
  if (router !== undefined && operation === undefined && found.route.operationId !== undefined)
    return undefined;
  const { route, params } = found;
  const type = model.types.get(route.type);
  if (type === undefined) return undefined;
  const id = route.idParam === undefined ? undefined : params[route.idParam];
  const parent = parentOf(route, params);
  return {
    route,
    type,
    params,
    ...(id === undefined ? {} : { id }),
    ...(parent === undefined ? {} : { parent }),
    ...(operation === undefined ? {} : { operation }),
  };
}

/**
 * The routed request with other path parameter values (the same names): its id and parent
 * follow them. The state layer passes path segments through the redactor this way (§0.7).
 */
export function withParams(
  routed: RoutedRequest,
  params: Readonly<Record<string, string>>,
): RoutedRequest {
  const { id: _id, parent: _parent, ...rest } = routed;
  const id = routed.route.idParam === undefined ? undefined : params[routed.route.idParam];
  const parent = parentOf(routed.route, params);
  return {
    ...rest,
    params,
    ...(id === undefined ? {} : { id }),
    ...(parent === undefined ? {} : { parent }),
  };
}

// ---------------------------------------------------------------------------------------------
// Reads

function referenceIds(type: ResourceType, body: JsonValue | undefined): ResourceRef[] {
  if (!isJsonObject(body)) return [];
  const out: ResourceRef[] = [];
  for (const reference of type.references) {
    const value = Object.hasOwn(body, reference.field) ? body[reference.field] : undefined;
    if (typeof value === 'string' && value !== '') out.push({ type: reference.type, id: value });
  }
  return out;
}

/** What to read before planning: the item, its parents, its references, a list cursor. */
export function readsFor(
  routed: RoutedRequest,
  body: JsonValue | undefined,
  query?: QueryMap,
  pagination?: Pagination,
): readonly ResourceRef[] {
  const out: ResourceRef[] = [];
  const { route, params, type } = routed;
  for (const parent of route.parents)
    if (parent.type !== undefined && params[parent.param] !== undefined)
      out.push({ type: parent.type, id: params[parent.param]! });
  if (routed.id !== undefined) out.push({ type: type.name, id: storedId(routed, routed.id) });
  if (route.role === 'list' && query !== undefined && pagination !== undefined) {
    const paging = readPaging(pagination, query);
    for (const cursor of [paging.after, paging.before])
      if (cursor !== undefined) out.push({ type: type.name, id: storedId(routed, cursor) });
  }
  if (route.role !== 'list' && route.role !== 'retrieve' && route.role !== 'delete')
    out.push(...referenceIds(type, body));
  return out;
}

/** The sequences a create reads: its id's (sequence shapes) and a numeric `id` beside it. */
export function sequencesFor(routed: RoutedRequest): readonly string[] {
  if (routed.route.role !== 'create') return [];
  const out: string[] = [];
  const { type } = routed;
  if (type.idShape.kind === 'sequence') out.push(sequenceName(routed));
  if (type.idField !== 'id') out.push(`id:${type.name}#id`);
  return out;
}

function sequenceName(routed: RoutedRequest): string {
  const shape = routed.type.idShape;
  const scope = shape.kind === 'sequence' && shape.scope === 'parent' ? (routed.parent ?? '') : '';
  return scope === '' ? `id:${routed.type.name}` : `id:${routed.type.name}:${scope}`;
}

// ---------------------------------------------------------------------------------------------
// Planning

const JSON_HEADERS: readonly (readonly [string, string])[] = [
  ['content-type', 'application/json'],
  ['x-tapedeck-layer', 'state'],
];

function jsonReply(
  status: number,
  value: JsonValue | undefined,
  extra: readonly (readonly [string, string])[] = [],
): SimpleReply {
  if (status === 204 || value === undefined)
    return { kind: 'simple', status, headers: [['x-tapedeck-layer', 'state'], ...extra], body: '' };
  return {
    kind: 'simple',
    status,
    headers: [...JSON_HEADERS, ...extra],
    body: JSON.stringify(value),
  };
}

/** The singular name objects of a type go by in messages and events (`customer`). */
export function objectName(type: ResourceType): string {
  if (type.object !== undefined) return type.object;
  const constant = type.constants['object'];
  if (typeof constant === 'string') return constant;
  const name = type.name;
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  if (/(ss|x|ch|sh)es$/.test(name)) return name.slice(0, -2);
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

function eventType(profile: ApiProfile, type: ResourceType, verb: string): string {
  return profile.events.naming.replace('{object}', objectName(type)).replace('{verb}', verb);
}

class Planner {
  private readonly itemSchema: SchemaAt | undefined;
  private readonly template: JsonObject;

  constructor(
    private readonly deps: StateEngineDeps,
    private readonly input: PlanInput,
  ) {
    this.itemSchema = deps.templates.itemSchema(input.routed.type.name);
    this.template = deps.templates.template(input.routed.type.name);
  }

  private get type(): ResourceType {
    return this.input.routed.type;
  }

  private get route(): ModelRoute {
    return this.input.routed.route;
  }

  /** The type's lifecycle, with a scenario's inline action declared in it. */
  private lifecycle(): Lifecycle | undefined {
    const lifecycle = this.type.lifecycle;
    const scenario = this.input.scenarioAction;
    if (scenario?.decl === undefined) return lifecycle;
    return {
      ...(lifecycle ?? { initial: [] }),
      actions: { ...(lifecycle?.actions ?? {}), [scenario.name]: scenario.decl },
    };
  }

  private refuse(facts: ErrorFactsIn, remember = true): Plan {
    const operation = this.input.routed.operation;
    const reply = this.deps.errors.reply(
      {
        ...facts,
        ...(operation === undefined || facts.operation !== undefined ? {} : { operation }),
      },
      'state',
    );
    return { kind: 'answer', reply, remember };
  }

  private notFound(type: ResourceType, id: string, param?: string): Plan {
    return this.refuse({
      kind: 'not-found',
      values: { object: objectName(type), id },
      idShape: type.idShape,
      param: param ?? 'id',
    });
  }

  /** A stored (or fixture) resource; tombstones included. */
  private lookup(typeName: string, id: string): StoredResource | undefined {
    const found = this.input.read.get(refKey(typeName, id));
    if (found !== undefined) return found;
    const type = this.deps.model.types.get(typeName);
    for (const fixture of type?.fixtures ?? []) {
      if (isJsonObject(fixture) && fixture[type!.idField] === id)
        return { type: typeName, id, value: fixture };
    }
    return undefined;
  }

  private live(typeName: string, id: string): StoredResource | undefined {
    const found = this.lookup(typeName, id);
    return found === undefined || found.deleted === true ? undefined : found;
  }

  /** The first typed parent that does not exist, as a 404; undefined when all do. */
  private missingParent(): Plan | undefined {
    if (!this.deps.profile.resources.requireParents) return undefined;
    for (const parent of this.route.parents) {
      if (parent.type === undefined) continue;
      const id = this.input.routed.params[parent.param] ?? '';
      if (this.live(parent.type, id) !== undefined) continue;
      const type = this.deps.model.types.get(parent.type);
      if (type === undefined) continue;
      return this.notFound(type, id, parent.param);
    }
    return undefined;
  }

  /** The item of an item route, or the 404 (another tenant's id answers as a never-seen one). */
  private item(allowDeleted: boolean): StoredResource | Plan {
    const { routed } = this.input;
    const id = routed.id ?? '';
    const found = this.lookup(this.type.name, storedId(routed, id));
    if (found === undefined || (found.deleted === true && !allowDeleted))
      return this.notFound(this.type, id);
    // Under a typed parent the object must be that parent's.
    if (routed.parent !== undefined && found.parent !== undefined && found.parent !== routed.parent)
      return this.notFound(this.type, id);
    return found;
  }

  /**
   * What a body never writes: the server-owned fields, the id, and a lifecycle's state field
   * when declared actions set it (a payment intent's `status` moves by `confirm` and `cancel`,
   * not by an update or another action naming it; GitHub's `state`, set by no action, is written).
   */
  private guarded(): string[] {
    const out = [...this.type.serverOwned, this.type.idField];
    const lifecycle = this.type.lifecycle;
    const field = lifecycle?.field;
    if (
      field !== undefined &&
      Object.values(lifecycle!.actions).some(
        (a) => a.set !== undefined && Object.hasOwn(a.set, field),
      )
    )
      out.push(field);
    return out;
  }

  /** Item fields of the body, minus what the server owns. */
  private fields(): JsonObject {
    const fields = itemFields(this.input.body, this.itemSchema, this.template);
    for (const name of this.guarded()) delete fields[name];
    return fields;
  }

  private params(): JsonObject {
    return isJsonObject(this.input.body) ? this.input.body : {};
  }

  /** References the body names that the tenant does not have, as a 400 `reference-missing`. */
  private missingReference(): Plan | undefined {
    const body = this.params();
    for (const reference of this.type.references) {
      const value = Object.hasOwn(body, reference.field) ? body[reference.field] : undefined;
      if (typeof value !== 'string' || value === '') continue;
      if (this.live(reference.type, value) !== undefined) continue;
      const type = this.deps.model.types.get(reference.type);
      return this.refuse({
        kind: 'reference-missing',
        values: { object: type === undefined ? reference.field : objectName(type), id: value },
        ...(type === undefined ? {} : { idShape: type.idShape }),
        param: reference.field,
      });
    }
    return undefined;
  }

  private referenced(field: string): JsonObject | undefined {
    const body = this.params();
    const reference = this.type.references.find((r) => r.field === field);
    const value = Object.hasOwn(body, field) ? body[field] : undefined;
    if (reference === undefined || typeof value !== 'string') return undefined;
    const found = this.live(reference.type, value)?.value;
    return isJsonObject(found) ? found : undefined;
  }

  private mergeOptions() {
    const item = this.itemSchema;
    return {
      emptyStringUnsets: this.deps.profile.resources.updates.emptyStringUnsets,
      ...(item === undefined
        ? {}
        : {
            nullableAt: (path: readonly string[]) => {
              let schema: unknown = item.schema;
              for (const name of path) {
                schema = propertySchema(item.document, schema, name);
                if (schema === undefined) return undefined;
              }
              return isNullable(item.document, schema);
            },
          }),
    };
  }

  private stamp(value: JsonObject, creating: boolean): JsonObject {
    const out = { ...value };
    for (const [name, rule] of Object.entries(this.type.timestamps))
      if (creating || rule.on === 'write') setOwn(out, name, timestamp(rule.unit, this.input.now));
    return out;
  }

  /** `before`: the object as stored, for a `*.updated` event's `previous` (issue 15). */
  private event(
    verb: string,
    id: string,
    value: JsonValue,
    declared?: string,
    before?: JsonValue,
  ): SandboxEvent {
    const previous =
      verb === 'updated' && declared === undefined && before !== undefined
        ? previousAttributes(before, value)
        : undefined;
    return {
      id: this.input.ids('events', 1)[0]!,
      type: declared ?? eventType(this.deps.profile, this.type, verb),
      at: this.input.now,
      resourceType: this.type.name,
      resourceId: id,
      data: value,
      ...(previous === undefined ? {} : { previous }),
    };
  }

  plan(): Plan {
    // A scenario's action on an item route replaces what the request would do to the item.
    if (
      this.input.scenarioAction !== undefined &&
      this.route.role !== 'create' &&
      this.route.role !== 'list' &&
      this.input.routed.id !== undefined
    )
      return this.action();
    switch (this.route.role) {
      case 'retrieve':
        return this.retrieve();
      case 'list':
        return this.list();
      case 'create':
        return this.create();
      case 'update':
      case 'replace':
        return this.update(this.route.role === 'replace');
      case 'delete':
        return this.remove();
      case 'action':
        return this.action();
    }
  }

  private retrieve(): Plan {
    const missing = this.missingParent();
    if (missing) return missing;
    const item = this.item(true);
    if ('kind' in item) return item;
    return {
      kind: 'answer',
      reply: jsonReply(this.route.successStatus, item.value),
      remember: true,
    };
  }

  private list(): Plan {
    const missing = this.missingParent();
    if (missing) return missing;
    const pagination = this.deps.profile.pagination;
    const paging = readPaging(pagination, this.input.query);
    for (const cursor of [paging.after, paging.before]) {
      if (cursor === undefined) continue;
      if (this.lookup(this.type.name, storedId(this.input.routed, cursor)) === undefined)
        return this.notFound(this.type, cursor, pagination.afterParam);
    }
    const page = this.input.page ?? { items: [], hasMore: false, total: 0 };
    const path = this.input.path ?? this.route.path;
    const { body, headers } = listAnswer(
      pagination,
      paging,
      page,
      page.items.map((r) => r.value),
      { origin: this.input.origin, path, query: this.input.query },
    );
    const ignored = ignoredParams(this.deps, this.input.routed, this.input.query);
    if (ignored.length > 0) headers.push(['x-tapedeck-ignored-params', ignored.join(', ')]);
    return {
      kind: 'answer',
      reply: jsonReply(this.route.successStatus, body, headers),
      remember: true,
    };
  }

  private create(): Plan {
    const missing = this.missingParent() ?? this.missingReference();
    if (missing) return missing;
    const { routed } = this.input;
    const type = this.type;
    const declared = type.lifecycle?.create;
    const params = this.params();
    if (declared?.requireOneOf !== undefined && declared.requireOneOf.length > 0) {
      const given = declared.requireOneOf.filter(
        (f) => typeof params[f] === 'string' && params[f] !== '',
      );
      if (given.length === 0)
        return this.refuse({
          kind: 'invalid-transition',
          message: `One of ${declared.requireOneOf.join(', ')} is required.`,
          param: declared.requireOneOf[0]!,
        });
    }
    for (const [field, rule] of Object.entries(declared?.referenceState ?? {})) {
      const referenced = this.referenced(field);
      if (referenced === undefined) continue;
      const state = referenced[rule.field];
      if (typeof state === 'string' && rule.in.includes(state)) continue;
      const forbidden = rule.forbidden;
      const values = {
        object: objectName(type),
        state: typeof state === 'string' ? state : 'unknown',
      };
      const base: ErrorFactsIn = {
        kind: 'invalid-transition',
        values,
        param: field,
        message: `The ${field} is ${values.state}; a ${objectName(type)} needs it ${rule.in.join(' or ')}.`,
      };
      if (forbidden !== undefined && 'kind' in forbidden)
        return this.refuse({
          ...base,
          ...(forbidden.code === undefined ? {} : { code: forbidden.code }),
          ...(forbidden.message === undefined ? {} : { message: forbidden.message }),
        });
      if (forbidden !== undefined && 'documented' in forbidden)
        return this.refuse({ ...base, status: forbidden.documented });
      return this.refuse(base);
    }

    // The id: a sequence (per tenant or per parent) or a fresh one.
    const sequences: { name: string; value: number }[] = [];
    let id: string;
    if (type.idShape.kind === 'sequence') {
      const name = sequenceName(routed);
      const current = this.input.sequences?.get(name) ?? 0;
      const value = Math.max(current, type.idShape.start - 1) + 1;
      sequences.push({ name, value });
      id = String(value);
    } else id = this.input.ids(type.name, 1)[0]!;

    const fields = this.fields();
    let value: JsonObject = deepMerge(this.template, fields, this.mergeOptions());
    for (const parent of this.route.parents)
      if (parent.field !== undefined && routed.params[parent.param] !== undefined)
        setOwn(value, parent.field, routed.params[parent.param]!);
    const context = { params, now: this.input.now, reference: (f: string) => this.referenced(f) };
    // Defaults fill what the request did not send (the template's `amount: 0` is no value).
    value = applySet(value, declared?.defaults, { ...context, current: value }, (field) =>
      Object.hasOwn(fields, field),
    );
    const state = initialState(type.lifecycle, value);
    if (state !== undefined && type.lifecycle?.field !== undefined)
      setOwn(value, type.lifecycle.field, state);
    // A create that names a declared action `true` runs it on the new object, in the same
    // change (Stripe's `confirm=true` on a payment intent): refused as the action would be.
    // A scenario's action replaces them: it runs on the new object whatever the flags say.
    const chained: string[] = [];
    const scenario = this.input.scenarioAction;
    const names =
      scenario !== undefined
        ? [scenario.name]
        : Object.keys(type.lifecycle?.actions ?? {}).filter((name) => {
            const flag = Object.hasOwn(params, name) ? params[name] : undefined;
            return flag === true || flag === 'true';
          });
    for (const name of names) {
      const result = runAction(this.lifecycle(), name, value, value, context, objectName(type));
      if (!result.ok) return this.refuse(result.facts);
      value = result.value;
      if (result.event !== undefined) chained.push(result.event);
    }
    // A numeric `id` beside another id field (GitHub issues: `number` per repo, `id` per tenant).
    if (type.idField !== 'id' && ('id' in this.template || this.schemaHas('id'))) {
      const name = `id:${type.name}#id`;
      const next = (this.input.sequences?.get(name) ?? 0) + 1;
      sequences.push({ name, value: next });
      setOwn(value, 'id', next);
    }
    const idValue: JsonValue = type.idShape.kind === 'sequence' ? Number(id) : id;
    value = this.stamp({ [type.idField]: idValue, ...value, ...type.constants }, true);
    setOwn(value, type.idField, idValue);
    const stored = storedId(routed, id);
    const touched = this.updateReference(value);
    const change: StateChange = {
      puts: [
        {
          type: type.name,
          id: stored,
          value,
          ...(routed.parent === undefined ? {} : { parent: routed.parent }),
        },
        ...(touched === undefined ? [] : [touched.put]),
      ],
      deletes: [],
      ...(sequences.length > 0 ? { sequences } : {}),
      events: [
        touched?.event ?? this.event('created', stored, value, declared?.event),
        ...chained.map((event) => this.event('updated', stored, value, event)),
      ],
    };
    return { kind: 'change', change, reply: jsonReply(this.route.successStatus, value) };
  }

  /**
   * The referenced object a create changes in the same change (`create.updatesReference`:
   * Stripe's refund refunds the charge it names), and the create's event, which then carries that
   * object as changed, with what it was (`previous`). Undefined when the request names none.
   */
  private updateReference(
    created: JsonObject,
  ): { put: StateChange['puts'][number]; event: SandboxEvent } | undefined {
    const updates = this.type.lifecycle?.create?.updatesReference;
    if (updates === undefined) return undefined;
    const params = this.params();
    const reference = this.type.references.find((r) => r.field === updates.field);
    const named = Object.hasOwn(params, updates.field) ? params[updates.field] : undefined;
    if (reference === undefined || typeof named !== 'string') return undefined;
    const found = this.live(reference.type, named);
    if (found === undefined || !isJsonObject(found.value)) return undefined;
    const before = found.value;
    // `param` reads the created object (defaults applied), not the request.
    const after = applySet(before, updates.set, {
      current: before,
      params: created,
      now: this.input.now,
      reference: (f) => this.referenced(f),
    });
    const fixture =
      found.version === undefined && !this.input.read.has(refKey(found.type, found.id));
    const target = this.deps.model.types.get(reference.type);
    const previous = previousAttributes(before, after);
    return {
      put: {
        type: found.type,
        id: found.id,
        value: after,
        ...(found.parent === undefined ? {} : { parent: found.parent }),
        ...(fixture ? {} : { expectVersion: found.version ?? 0 }),
      },
      event: {
        id: this.input.ids('events', 1)[0]!,
        type:
          this.type.lifecycle?.create?.event ??
          (target === undefined
            ? `${reference.type}.updated`
            : eventType(this.deps.profile, target, 'updated')),
        at: this.input.now,
        resourceType: found.type,
        resourceId: found.id,
        data: after,
        ...(previous === undefined ? {} : { previous }),
      },
    };
  }

  private schemaHas(name: string): boolean {
    const item = this.itemSchema;
    return item !== undefined && propertySchema(item.document, item.schema, name) !== undefined;
  }

  private writeBack(
    found: StoredResource,
    value: JsonObject,
    event: SandboxEvent,
    status = this.route.successStatus,
  ): Plan {
    const fixture =
      found.version === undefined && !this.input.read.has(refKey(found.type, found.id));
    const change: StateChange = {
      puts: [
        {
          type: found.type,
          id: found.id,
          value,
          ...(found.parent === undefined ? {} : { parent: found.parent }),
          // A fixture is copied into the tenant's state by its first write.
          ...(fixture ? {} : { expectVersion: found.version ?? 0 }),
        },
      ],
      deletes: [],
      events: [event],
    };
    return { kind: 'change', change, reply: jsonReply(status, value) };
  }

  private update(replace: boolean): Plan {
    const missing = this.missingParent();
    if (missing) return missing;
    const item = this.item(false);
    if ('kind' in item) return item;
    const invalid = this.missingReference();
    if (invalid) return invalid;
    const stored = isJsonObject(item.value) ? item.value : {};
    const fields = this.fields();
    let value: JsonObject;
    if (replace) {
      value = replaceWith(this.template, fields, stored, [
        ...this.type.serverOwned,
        this.type.idField,
        ...Object.keys(this.type.constants),
      ]);
    } else if (this.input.mergePatch === true) {
      const patched = mergePatch(stored, this.mergePatchFields());
      value = isJsonObject(patched) ? patched : stored;
    } else value = deepMerge(stored, fields, this.mergeOptions());
    value = this.stamp(value, false);
    return this.writeBack(item, value, this.event('updated', item.id, value, undefined, stored));
  }

  /** A merge patch keeps its nulls (they delete); the item schema still filters its fields. */
  private mergePatchFields(): JsonObject {
    const body = this.params();
    const fields = this.fields();
    for (const [name, value] of Object.entries(body))
      if (value === null && (this.itemSchema === undefined || this.schemaHas(name)))
        setOwn(fields, name, null);
    for (const name of this.guarded()) delete fields[name];
    return fields;
  }

  private remove(): Plan {
    const missing = this.missingParent();
    if (missing) return missing;
    const item = this.item(false);
    if ('kind' in item) return item;
    const type = this.type;
    const event = this.event('deleted', item.id, item.value);
    if (type.deleteStyle === 'tombstone') {
      const source = isJsonObject(item.value) ? item.value : {};
      const stub: JsonObject = {};
      for (const field of type.tombstone ?? ['id', 'object', 'deleted']) {
        if (field === 'deleted') setOwn(stub, field, true);
        else if (Object.hasOwn(source, field)) setOwn(stub, field, source[field]!);
      }
      if (!Object.hasOwn(stub, 'deleted')) setOwn(stub, 'deleted', true);
      const change: StateChange = {
        puts: [
          {
            type: item.type,
            id: item.id,
            value: stub,
            deleted: true,
            ...(item.parent === undefined ? {} : { parent: item.parent }),
            ...(item.version === undefined ? {} : { expectVersion: item.version }),
          },
        ],
        deletes: [],
        events: [event],
      };
      return { kind: 'change', change, reply: jsonReply(this.route.successStatus, stub) };
    }
    if (item.version === undefined) {
      // A fixture: every tenant keeps seeing it; deleting it is refused as a missing object.
      return this.notFound(type, this.input.routed.id ?? '');
    }
    const change: StateChange = {
      puts: [],
      deletes: [{ type: item.type, id: item.id, expectVersion: item.version }],
      events: [event],
    };
    const status = this.route.successStatus;
    return { kind: 'change', change, reply: jsonReply(status, status === 204 ? undefined : {}) };
  }

  private action(): Plan {
    const missing = this.missingParent();
    if (missing) return missing;
    const item = this.item(false);
    if ('kind' in item) return item;
    const invalid = this.missingReference();
    if (invalid) return invalid;
    const stored = isJsonObject(item.value) ? item.value : {};
    const merged = deepMerge(stored, this.fields(), this.mergeOptions());
    const name = this.input.scenarioAction?.name ?? this.input.action ?? this.route.action ?? '';
    const result = runAction(
      this.lifecycle(),
      name,
      stored,
      merged,
      { params: this.params(), now: this.input.now, reference: (f) => this.referenced(f) },
      objectName(this.type),
    );
    if (!result.ok) return this.refuse(result.facts);
    const value = this.stamp(result.value, false);
    return this.writeBack(item, value, this.event('updated', item.id, value, result.event, stored));
  }
}

/**
 * Query parameters a list reads neither as paging nor as a filter (named, never their values).
 * Only names that look like a parameter's: short, and neither a key of the profile's nor a live
 * one (a key sent as a name must not come back in a header).
 */
function ignoredParams(deps: StateEngineDeps, routed: RoutedRequest, query: QueryMap): string[] {
  const paging = readPaging(deps.profile.pagination, query);
  const known = new Set([...paging.names, ...routed.route.filters, 'expand', 'expand[]']);
  const { keyPrefix, livePatterns } = deps.profile.credentials;
  const live = livePatterns.map((p) => new RegExp(p));
  const out: string[] = [];
  for (const name of Object.keys(query)) {
    if (known.has(name) || /^expand\[\d*\]$/.test(name)) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_.[\]-]{0,31}$/.test(name) || /\d{6}/.test(name)) continue;
    if ((keyPrefix !== '' && name.includes(keyPrefix)) || live.some((r) => r.test(name))) continue;
    out.push(name);
    if (out.length === 10) break;
  }
  return out;
}

/** A filter's text as the scalar the item field holds (`"2000"` → 2000 for an integer field). */
function filterValue(
  deps: StateEngineDeps,
  type: ResourceType,
  field: string,
  text: string,
): string | number | boolean | null {
  const item = deps.templates.itemSchema(type.name);
  if (item === undefined) return text;
  const schema = resolveSchema(item.document, propertySchema(item.document, item.schema, field));
  const types = schema === undefined ? [] : schemaTypes(schema);
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(text))
    return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** The page to read for a list route (undefined for other roles). */
export function pageQuery(
  deps: StateEngineDeps,
  routed: RoutedRequest,
  query: QueryMap,
): ListQuery | undefined {
  const { route, type, params } = routed;
  if (route.role !== 'list') return undefined;
  const where: Record<string, string | number | boolean | null> = {};
  if (route.view !== undefined && params[route.view.param] !== undefined)
    where[route.view.field] = params[route.view.param]!;
  for (const field of route.filters) {
    const raw = Object.hasOwn(query, field) ? valuesOf(query[field])[0] : undefined;
    if (raw === undefined || raw === '') continue;
    setOwn(where, field, filterValue(deps, type, field, raw));
  }
  const paging = readPaging(deps.profile.pagination, query);
  return listQuery(deps.profile.pagination, paging, type.name, routed.parent, where, (id) =>
    storedId(routed, id),
  );
}

/** Pure: the change and the answer, from the request and what was read. */
export function plan(deps: StateEngineDeps, input: PlanInput): Plan {
  return new Planner(deps, input).plan();
}
