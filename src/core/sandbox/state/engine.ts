import type { QueryMap } from '../../cassette/model.js';
import { TapedeckError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../json.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import type { SpecOperation } from '../../mock/openapi/operations.js';
import type { SpecRouter } from '../../mock/openapi/router.js';
import type { SimpleReply } from '../../http/reply.js';
import type { ListPage, ListQuery, StateChange, StoredResource } from '../../ports/resources.js';
import type { ProfileErrors } from '../profile/answer.js';
import type { ApiProfile } from '../profile/types.js';
import type { ModelRoute, ResourceModel, ResourceType } from './model.js';

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
  itemSchema(type: string): { readonly schema: JsonValue; readonly document: object } | undefined;
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
   * `octo/hello` for scopes (`owner`, `repo`), undefined for a top-level collection.
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
  /** The request's own origin (`http://127.0.0.1:4010`), for list `url`s and Link headers. */
  readonly origin: string;
  /** `application/merge-patch+json` bodies merge by RFC 7396 whatever the profile says. */
  readonly mergePatch?: boolean;
}

export type Plan =
  | { readonly kind: 'answer'; readonly reply: SimpleReply; readonly remember: boolean } // reads, lists, refusals
  | { readonly kind: 'change'; readonly change: StateChange; readonly reply: SimpleReply };

/** Routes a request to a model route, or undefined (not modelled → next layer). */
export function routeRequest(
  model: ResourceModel,
  router: SpecRouter,
  method: string,
  path: string,
): RoutedRequest | undefined {
  void model;
  void router;
  void method;
  void path;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}

/** What to read before planning: the item, its parents, its references, a list cursor. */
export function readsFor(
  routed: RoutedRequest,
  body: JsonValue | undefined,
  query?: QueryMap,
): readonly ResourceRef[] {
  void routed;
  void body;
  void query;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}

/** The page to read for a list route (undefined for other roles). */
export function pageQuery(
  deps: StateEngineDeps,
  routed: RoutedRequest,
  query: QueryMap,
): ListQuery | undefined {
  void deps;
  void routed;
  void query;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}

/** The sequences a create reads (sequence id shapes). */
export function sequencesFor(routed: RoutedRequest): readonly string[] {
  void routed;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}

/** Pure: the change and the answer, from the request and what was read. */
export function plan(deps: StateEngineDeps, input: PlanInput): Plan {
  void deps;
  void input;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
