/**
 * The API profile (docs/design/issue-13-plan.md §2.1): how an API speaks — credentials, error
 * shape, idempotency, pagination, ids, server-owned fields — as data, so no code says
 * `if (stripe)`. Presets in presets/, files validated by schemas/api-profile.schema.json.
 */
import type { JsonValue } from '../../json.js';
import type { SchemeName, TriggerDecl } from '../../webhooks/types.js';
import type { ScenarioDecl } from '../scenarios/types.js';
import type { IdShape } from '../state/model.js';

export type CredentialLocation =
  | { readonly in: 'bearer' } // Authorization: Bearer KEY (also `token KEY`)
  | { readonly in: 'basic-username' } // Authorization: Basic base64(KEY:)
  | { readonly in: 'header'; readonly name: string };

export type ErrorKind =
  | 'unauthorized'
  | 'live-key'
  | 'admin-token'
  | 'key-in-query'
  | 'not-found'
  | 'reference-missing'
  | 'invalid-transition'
  | 'conflict'
  | 'idempotency-mismatch'
  | 'idempotency-endpoint'
  | 'idempotency-in-flight'
  | 'idempotency-key-invalid'
  | 'quota'
  | 'rate-limited'
  | 'server-error';

export interface ErrorStyle {
  readonly status: number;
  readonly type?: string;
  readonly code?: string;
  readonly message: string;
}

export interface ApiProfile {
  readonly name: string;
  readonly credentials: {
    readonly locations: readonly CredentialLocation[];
    readonly keyPrefix: string; // 'tdk_test_'
    readonly livePatterns: readonly string[]; // regex sources, ReDoS-checked at load
    readonly refuseQueryNames: readonly string[]; // ['api_key','key','access_token','token']
  };
  readonly errors: {
    readonly template?: JsonValue; // {placeholders}; absent: the spec's documented error, else problem+json
    readonly mediaType: string;
    readonly docUrl?: string; // 'https://stripe.com/docs/error-codes/{codeDashed}'
    readonly kinds: Readonly<Record<ErrorKind, ErrorStyle>>;
  };
  readonly idempotency: null | {
    readonly header: string;
    readonly methods: readonly string[];
    readonly maxKeyLength: number;
    readonly retentionHours: number;
    readonly replayedHeader: string;
  };
  readonly pagination: {
    readonly style: 'cursor-id' | 'page' | 'learn';
    readonly limitParam: string;
    readonly defaultLimit: number;
    readonly maxLimit: number;
    readonly afterParam?: string;
    readonly beforeParam?: string;
    readonly pageParam?: string;
    readonly order: 'newest-first' | 'oldest-first';
    readonly envelope: JsonValue | null; // `{items}` `{hasMore}` `{url}` `{total}`; null = bare array
    readonly linkHeader: boolean;
  };
  readonly ids: { readonly default: IdShape; readonly byType: Readonly<Record<string, IdShape>> };
  readonly resources: {
    readonly serverOwned: readonly string[];
    readonly constants: Readonly<Record<string, JsonValue>>;
    readonly requireParents: boolean;
    readonly updates: { readonly emptyStringUnsets: boolean };
    readonly overrides: Readonly<Record<string, ResourceOverride>>;
  }; // same shape as config's sandbox.resources
  readonly rateLimitHeaders: 'ietf' | 'github' | 'none'; // used by issue 14
  /** Production's rate limits as the API documents them; enforced when `sandbox.rateLimits` says so. */
  readonly rateLimits: readonly RateLimitClass[];
  /** The preset's scenario catalogue (Stripe's test cards); config and files add to it. */
  readonly scenarios: readonly ScenarioDecl[];
  /** How the sandbox's webhooks look and are signed (issue 15; docs/webhooks.md). */
  readonly webhooks: {
    readonly scheme: SchemeName;
    /**
     * The event body, filled with the event's facts as error templates are: {id} {type}
     * {createdS} {createdMs} {createdIso} {object} {objectName} {verb} {eventGroup} {previous}
     * {pendingWebhooks} {apiVersion} {requestId} {idempotencyKey}. A member named "{objectName}"
     * takes that fact as its name (GitHub's `{"issue": …}`); one whose fact is absent is left out.
     */
    readonly envelope: JsonValue;
    /** Extra headers of every delivery; values may hold the same facts (`x-github-event`). */
    readonly headers: Readonly<Record<string, string>>;
    /** `api_version` of the envelope: a fixed text, `spec` (the spec's info.version), or none. */
    readonly apiVersion: string | null;
    /** The flows `tapedeck trigger EVENT` runs (the config's `webhooks.triggers` come first). */
    readonly triggers: readonly TriggerDecl[];
  };
  readonly requestId: { readonly header: string; readonly prefix: string }; // used by issue 16
  readonly events: { readonly naming: string }; // '{object}.{verb}'
}

/**
 * One token bucket per tenant per class: `limit` requests per `windowSeconds`, refilled evenly,
 * at most `burst` (default `limit`) at once. A request counts against the first class whose
 * `methods` / `operations` it matches; a class with neither matches every request.
 */
export interface RateLimitClass {
  readonly name: string; // the IETF policy name, GitHub's x-ratelimit-resource
  readonly limit: number;
  readonly windowSeconds: number;
  readonly burst?: number;
  readonly methods?: readonly string[];
  readonly operations?: readonly string[];
}

export interface ResourceOverride {
  readonly idField?: string;
  readonly id?: IdShape | { readonly prefix: string };
  readonly serverOwned?: readonly string[];
  readonly deleteStyle?: 'tombstone' | 'remove';
  readonly lifecycle?: LifecycleDecl;
  readonly actions?: Readonly<Record<string, ActionDecl>>;
  readonly create?: CreateDecl;
  readonly notResource?: boolean;
  readonly fixtures?: readonly JsonValue[];
}

// §1.5 lifecycle declarations (profile or config `resources.<type>`).

// `present`/`absent` are named for the reader; any other JSON value means "equals".
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export type Condition = Readonly<Record<string, 'present' | 'absent' | JsonValue>>;
export type SetValue =
  | JsonValue
  | { copy: string }
  | { param: string; default?: JsonValue }
  | { now: 'unix-s' | 'unix-ms' | 'iso' }
  | { fromReference: string; field: string; else?: SetValue };
export type Forbidden =
  | { kind: 'invalid-transition'; code?: string; message?: string }
  | { documented: number }
  | { recorded: { cassette: string; interaction: number } };
export interface ActionDecl {
  from?: readonly string[];
  requires?: Condition;
  set?: Readonly<Record<string, SetValue>>;
  event?: string;
  forbidden?: Forbidden;
}
export interface LifecycleDecl {
  field: string;
  initial: readonly { when?: Condition; state: string }[];
  actions?: Readonly<Record<string, ActionDecl>>;
}
export interface CreateDecl {
  requireOneOf?: readonly string[];
  defaults?: Readonly<Record<string, SetValue>>;
  event?: string;
  referenceState?: Readonly<
    Record<string, { field: string; in: readonly string[]; forbidden?: Forbidden }>
  >;
  /**
   * The object a reference field names, changed by the create in the same change (Stripe's
   * refund: the charge it refunds); `param` in `set` reads the created object. When the request
   * names one, `event` carries that object as changed instead of the created one.
   */
  updatesReference?: { field: string; set: Readonly<Record<string, SetValue>> };
}
