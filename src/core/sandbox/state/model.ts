/**
 * The resource model of the stateful sandbox (docs/design/issue-13-plan.md §1.1): which paths of
 * an API are collections, items, actions and views of which resource type, and what the server
 * owns in each type. Inferred from a spec and/or recordings (infer-spec.ts, infer-recordings.ts),
 * corrected by the profile and config (overrides.ts). Plain data: the state engine reads it.
 */
import type { JsonValue } from '../../json.js';
import type { ActionDecl, Condition, CreateDecl } from '../profile/types.js';

export type OperationRole =
  'create' | 'list' | 'retrieve' | 'update' | 'replace' | 'delete' | 'action';
export type IdShape =
  | {
      readonly kind: 'random';
      readonly prefix: string;
      readonly length: number;
      readonly alphabet: 'base62' | 'base36' | 'hex' | 'digits';
    }
  | { readonly kind: 'sequence'; readonly scope: 'tenant' | 'parent'; readonly start: number }
  | { readonly kind: 'uuid' };
export interface ParentRef {
  readonly param: string; // path parameter naming the parent: `customer`
  readonly type?: string; // the parent's type when modelled (`customers`); undefined = a scope (`owner`)
  readonly field?: string; // child's field holding the parent id (`customer`), when it has one
}
export interface ResourceType {
  readonly name: string; // plural, the collection's last literal segment: `customers`
  readonly object?: string; // `object` enum / x-resourceId: `customer`
  readonly schemaPointer?: string; // the item schema: `#/components/schemas/customer`
  readonly idField: string; // `id` (Stripe), `number` (GitHub issues)
  readonly idShape: IdShape;
  readonly idSource:
    'profile' | 'config' | 'recordings' | 'spec-pattern' | 'spec-example' | 'default';
  readonly serverOwned: readonly string[]; // a request never overwrites these
  readonly timestamps: Readonly<
    Record<string, { readonly unit: 'unix-s' | 'unix-ms' | 'iso'; readonly on: 'create' | 'write' }>
  >;
  readonly constants: Readonly<Record<string, JsonValue>>; // `object: "customer"`, `livemode: false`
  readonly deleteStyle: 'tombstone' | 'remove';
  readonly tombstone?: readonly string[]; // fields kept in the stub: ['deleted', 'id', 'object']
  readonly references: readonly { readonly field: string; readonly type: string }[]; // payment_intent → payment_intents
  readonly lifecycle?: Lifecycle; // §1.5, declared in profile/config only
  readonly source: readonly ('spec' | 'recordings' | 'profile' | 'config')[];
  /**
   * Read-only objects every tenant sees (`overrides.<type>.fixtures`, Stripe's `pm_card_visa`),
   * from profile and config. Not in §1.1's sketch: the model carries them so the state layer
   * needs no second lookup in the merged overrides.
   */
  readonly fixtures?: readonly JsonValue[];
}
export interface ModelRoute {
  readonly method: string; // upper case
  readonly path: string; // template incl. base path: /v1/customers/{customer}
  readonly operationId?: string;
  readonly role: OperationRole;
  readonly type: string; // ResourceType.name
  readonly idParam?: string; // item routes: `customer`
  readonly parents: readonly ParentRef[];
  readonly action?: string; // `confirm`
  readonly view?: { readonly field: string; readonly param: string }; // /v1/customers/{customer}/payment_methods
  readonly successStatus: number; // 200 Stripe, 201 GitHub create, 204 GitHub lock
  readonly body: 'json' | 'form' | 'none';
  readonly filters: readonly string[]; // list routes: query params equal to a top-level scalar field
}
export interface ResourceModel {
  readonly types: ReadonlyMap<string, ResourceType>;
  readonly routes: readonly ModelRoute[];
  readonly notModelled: readonly {
    readonly method: string;
    readonly path: string;
    readonly reason: string;
  }[];
  readonly from: 'spec' | 'recordings' | 'both';
}

/**
 * §1.5 resolved for one type: a declared lifecycle (`field` + `initial`, when the type has
 * states), every declared action (the lifecycle's and the override's `actions`, the latter
 * winning), and the create declaration. Only declared, never guessed: a type with nothing
 * declared has no `lifecycle`.
 */
export interface Lifecycle {
  /** The state field (`status`); undefined when only actions are declared (`detach`). */
  readonly field?: string;
  /** First matching entry wins; empty when `field` is undefined. */
  readonly initial: readonly { readonly when?: Condition; readonly state: string }[];
  readonly actions: Readonly<Record<string, ActionDecl>>;
  readonly create?: CreateDecl;
}
