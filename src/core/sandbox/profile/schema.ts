/**
 * JSON Schema of an API profile file, shipped as schemas/api-profile.schema.json (a test keeps the
 * two identical). It mirrors `ApiProfile` (types.ts) member for member; every member but `name`
 * is optional, because a file states only what differs from what it `extends` (`standard` when
 * it names nothing). What a schema cannot say (`defaultLimit ≤ maxLimit`, live patterns that
 * compile and cannot backtrack) is checked by load.ts.
 */
import { shippedSchemaHead } from '../../shipped-schema.js';
import type { ErrorKind } from './types.js';

/** Every error kind, in the order the schema and `--explain` list them. */
export const ERROR_KINDS = [
  'unauthorized',
  'live-key',
  'admin-token',
  'key-in-query',
  'not-found',
  'reference-missing',
  'invalid-transition',
  'conflict',
  'idempotency-mismatch',
  'idempotency-endpoint',
  'idempotency-in-flight',
  'idempotency-key-invalid',
  'quota',
  'rate-limited',
  'server-error',
] as const satisfies readonly ErrorKind[];
// A kind added to the union but not to the list fails to compile here.
type MissingKind = Exclude<ErrorKind, (typeof ERROR_KINDS)[number]>;
const everyKindListed: MissingKind extends never ? true : never = true;
void everyKindListed;

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const fieldName = { type: 'string', minLength: 1, maxLength: 200 } as const;
const anyJson = {} as const;

/** Token-bucket classes, in a profile's `rateLimits` and the config's `sandbox.rateLimits` alike. */
export const rateLimitClassesSchema = {
  type: 'array',
  maxItems: 64,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'limit', 'windowSeconds'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      limit: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
      windowSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000 },
      burst: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
      methods: stringList,
      operations: stringList,
    },
  },
} as const;

/** The flows `tapedeck trigger EVENT` runs: in a profile's `webhooks.triggers` and the config's. */
export const webhookTriggersSchema = {
  type: 'array',
  maxItems: 500,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['event', 'steps'],
    properties: {
      event: { type: 'string', pattern: '^[A-Za-z0-9_.*-]{1,200}$' },
      description: { type: 'string', maxLength: 2000 },
      steps: {
        type: 'array',
        minItems: 1,
        maxItems: 20,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['method', 'path'],
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' },
            method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
            path: { type: 'string', pattern: '^/', maxLength: 2000 },
            body: {},
            headers: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

/** An IdShape: `random` (prefix, length 4–64, alphabet), `sequence` (scope, start) or `uuid`. */
const idShapeSchema = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { enum: ['random', 'sequence', 'uuid'] } },
  allOf: [
    {
      if: { properties: { kind: { const: 'random' } } },
      then: {
        additionalProperties: false,
        required: ['kind', 'prefix', 'length', 'alphabet'],
        properties: {
          kind: { const: 'random' },
          prefix: { type: 'string', pattern: '^[A-Za-z0-9_-]{0,32}$' },
          length: { type: 'integer', minimum: 4, maximum: 64 },
          alphabet: { enum: ['base62', 'base36', 'hex', 'digits'] },
        },
      },
    },
    {
      if: { properties: { kind: { const: 'sequence' } } },
      then: {
        additionalProperties: false,
        required: ['kind', 'scope', 'start'],
        properties: {
          kind: { const: 'sequence' },
          scope: { enum: ['tenant', 'parent'] },
          start: { type: 'integer', minimum: 0, maximum: 9007199254740991 },
        },
      },
    },
    {
      if: { properties: { kind: { const: 'uuid' } } },
      then: { additionalProperties: false, properties: { kind: { const: 'uuid' } } },
    },
  ],
} as const;

const conditionSchema = {
  type: 'object',
  description: 'Field → "present" | "absent" | a value it must equal.',
  additionalProperties: anyJson,
} as const;

const setSchema = {
  type: 'object',
  description:
    'Field → a value, {"copy": field}, {"param": name, "default": v}, {"now": unit} or {"fromReference": field, "field": f, "else": another when the request names none}.',
  additionalProperties: anyJson,
} as const;

const forbiddenSchema = {
  anyOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: {
        kind: { const: 'invalid-transition' },
        code: { type: 'string', minLength: 1, maxLength: 100 },
        message: { type: 'string', minLength: 1, maxLength: 500 },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['documented'],
      properties: { documented: { type: 'integer', minimum: 400, maximum: 599 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['recorded'],
      properties: {
        recorded: {
          type: 'object',
          additionalProperties: false,
          required: ['cassette', 'interaction'],
          properties: {
            cassette: { type: 'string', minLength: 1 },
            interaction: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  ],
} as const;

const actionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: stringList,
    requires: conditionSchema,
    set: setSchema,
    event: { type: 'string', minLength: 1, maxLength: 200 },
    forbidden: forbiddenSchema,
  },
} as const;

const lifecycleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['field', 'initial'],
  properties: {
    field: fieldName,
    initial: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['state'],
        properties: { when: conditionSchema, state: { type: 'string', minLength: 1 } },
      },
    },
    actions: { type: 'object', additionalProperties: actionSchema },
  },
} as const;

const createSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requireOneOf: stringList,
    defaults: setSchema,
    event: { type: 'string', minLength: 1, maxLength: 200 },
    referenceState: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'in'],
        properties: { field: fieldName, in: stringList, forbidden: forbiddenSchema },
      },
    },
    updatesReference: {
      type: 'object',
      description:
        "The referenced object (by a reference field) the create changes too; `param` in `set` reads the created object. The create's event then carries that object.",
      additionalProperties: false,
      required: ['field', 'set'],
      properties: { field: fieldName, set: setSchema },
    },
  },
} as const;

/** One resource type's corrections: the same shape as config's `sandbox.resources.<type>`. */
export const resourceOverrideSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    idField: fieldName,
    id: {
      type: 'object',
      if: { required: ['kind'] },
      then: idShapeSchema,
      else: {
        additionalProperties: false,
        required: ['prefix'],
        properties: { prefix: { type: 'string', pattern: '^[A-Za-z0-9_-]{0,32}$' } },
      },
    },
    serverOwned: stringList,
    deleteStyle: { enum: ['tombstone', 'remove'] },
    lifecycle: lifecycleSchema,
    actions: { type: 'object', additionalProperties: actionSchema },
    create: createSchema,
    notResource: { type: 'boolean' },
    fixtures: {
      type: 'array',
      items: { type: 'object' },
      description: 'Read-only objects every tenant sees (each with the type’s id field).',
    },
  },
} as const;

const errorStyleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'message'],
  properties: {
    status: { type: 'integer', minimum: 400, maximum: 599 },
    type: { type: 'string', minLength: 1, maxLength: 100 },
    code: { type: 'string', minLength: 1, maxLength: 100 },
    message: { type: 'string', minLength: 1, maxLength: 500 },
  },
} as const;

export const apiProfileSchema = {
  ...shippedSchemaHead('api-profile.schema.json', 'tapedeck API profile'),
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    extends: {
      enum: ['standard', 'stripe', 'github'],
      description: 'The preset this file changes; `standard` when absent.',
    },
    credentials: {
      type: 'object',
      additionalProperties: false,
      properties: {
        locations: {
          type: 'array',
          minItems: 1,
          items: {
            oneOf: [
              {
                type: 'object',
                properties: { in: { enum: ['bearer', 'basic-username'] } },
                required: ['in'],
                additionalProperties: false,
              },
              {
                type: 'object',
                properties: {
                  in: { const: 'header' },
                  name: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
                },
                required: ['in', 'name'],
                additionalProperties: false,
              },
            ],
          },
        },
        keyPrefix: { type: 'string', pattern: '^[a-z][a-z0-9]{0,15}_(?:[a-z0-9]{1,15}_)?$' },
        livePatterns: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: 200 },
        },
        refuseQueryNames: stringList,
      },
    },
    errors: {
      type: 'object',
      additionalProperties: false,
      properties: {
        template: {
          description:
            'The error body, with {type} {code} {message} {param} {docUrl} {status} {statusString} {kind} placeholders; null drops an inherited one.',
        },
        mediaType: {
          type: 'string',
          pattern: '^[a-z]+/[a-z0-9.+-]+(?:\\s*;.*)?$',
        },
        docUrl: { type: 'string', minLength: 1, maxLength: 500 },
        kinds: {
          type: 'object',
          propertyNames: { enum: [...ERROR_KINDS] },
          additionalProperties: errorStyleSchema,
        },
      },
    },
    idempotency: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            header: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
            methods: {
              type: 'array',
              minItems: 1,
              items: { enum: ['POST', 'PUT', 'PATCH', 'DELETE'] },
            },
            maxKeyLength: { type: 'integer', minimum: 1, maximum: 1024 },
            retentionHours: { type: 'number', exclusiveMinimum: 0, maximum: 8760 },
            replayedHeader: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
          },
        },
      ],
    },
    pagination: {
      type: 'object',
      additionalProperties: false,
      properties: {
        style: { enum: ['cursor-id', 'page', 'learn'] },
        limitParam: fieldName,
        defaultLimit: { type: 'integer', minimum: 1, maximum: 1000 },
        maxLimit: { type: 'integer', minimum: 1, maximum: 10000 },
        afterParam: fieldName,
        beforeParam: fieldName,
        pageParam: fieldName,
        order: { enum: ['newest-first', 'oldest-first'] },
        envelope: {
          description:
            'The list body, with {items} {hasMore} {url} {total} placeholders; null = a bare array.',
        },
        linkHeader: { type: 'boolean' },
      },
    },
    ids: {
      type: 'object',
      additionalProperties: false,
      properties: {
        default: idShapeSchema,
        byType: { type: 'object', additionalProperties: idShapeSchema },
      },
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      properties: {
        serverOwned: stringList,
        constants: { type: 'object', additionalProperties: anyJson },
        requireParents: { type: 'boolean' },
        updates: {
          type: 'object',
          additionalProperties: false,
          properties: { emptyStringUnsets: { type: 'boolean' } },
        },
        overrides: { type: 'object', additionalProperties: resourceOverrideSchema },
      },
    },
    rateLimitHeaders: { enum: ['ietf', 'github', 'none'] },
    rateLimits: rateLimitClassesSchema,
    // Each item is checked by the scenario catalogue's loader (schemas/scenarios.schema.json).
    scenarios: { type: 'array', maxItems: 10_000, items: { type: 'object' } },
    webhooks: {
      type: 'object',
      additionalProperties: false,
      properties: {
        scheme: {
          enum: ['standard', 'stripe', 'github'],
          description:
            'How deliveries are signed: Standard Webhooks (webhook-id/-timestamp/-signature), Stripe-Signature, or X-Hub-Signature-256.',
        },
        envelope: {
          description:
            'The event body; "{id}", "{type}", "{object}", "{createdS}" … are filled from the event (docs/webhooks.md).',
        },
        headers: {
          type: 'object',
          maxProperties: 32,
          propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$" },
          additionalProperties: { type: 'string', pattern: '^[\\x20-\\x7e]{0,512}$' },
        },
        apiVersion: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
        triggers: webhookTriggersSchema,
      },
    },
    requestId: {
      type: 'object',
      additionalProperties: false,
      properties: {
        header: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
        prefix: { type: 'string', pattern: '^[A-Za-z0-9_-]{0,32}$' },
      },
    },
    events: {
      type: 'object',
      additionalProperties: false,
      properties: { naming: { type: 'string', minLength: 1, maxLength: 200 } },
    },
  },
} as const;
