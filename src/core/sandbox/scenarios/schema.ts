/**
 * JSON Schema of a scenario file (`scenarios/*.json`), shipped as schemas/scenarios.schema.json
 * (a test keeps the two identical). It mirrors `ScenarioDecl` (types.ts). The items of
 * `sandbox.scenarios` in the config and a preset's scenarios are checked by the same schema.
 * What a schema says badly or not at all (exactly one test per value trigger, a regex that
 * compiles and cannot backtrack, `min ≤ max`, unique names across every source) load.ts checks,
 * so the messages can say what to write instead.
 */
import { shippedSchemaHead } from '../../shipped-schema.js';

const scalar = { type: ['string', 'number', 'boolean'] } as const;
const anyJson = {} as const;
const text = { type: 'string', minLength: 1, maxLength: 2000 } as const;
/**
 * The status of an answer a scenario sends whole. A 1xx is not a final answer: a client that
 * gets one (a 100, a 103) keeps waiting for the answer that never follows.
 */
const answerStatus = {
  type: 'integer',
  minimum: 200,
  maximum: 599,
  description:
    'A final status, 200–599: a 1xx is informational, and a client sent one alone waits for an answer that never comes.',
} as const;

/**
 * An inline answer's headers. RFC 9110 field names (tokens) and values (visible ASCII or
 * Latin-1, tabs and spaces, no CR, LF or NUL); load.ts checks them too, to say which header is
 * wrong and why, and refuses the framing and hop-by-hop headers, which the server writes itself.
 */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7E\\x80-\\xFF]*$';
/** Headers that frame the message or belong to one connection: the server sets them. */
export const SERVER_SET_HEADERS = [
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
] as const;
const inlineHeaders = {
  type: 'object',
  propertyNames: { pattern: HEADER_NAME_PATTERN },
  additionalProperties: { type: 'string', pattern: HEADER_VALUE_PATTERN },
  description: `Names are HTTP tokens, values one line of visible ASCII or Latin-1. Not allowed (the server writes them): ${SERVER_SET_HEADERS.join(', ')}.`,
} as const;

/** The value tests; load.ts requires exactly one of them on a trigger and on each `and`. */
const valueTestProperties = {
  equals: { ...scalar, description: 'Equal as text: a form field "666" equals 666.' },
  oneOf: { type: 'array', minItems: 1, maxItems: 100_000, items: scalar },
  prefix: { type: 'string', minLength: 1, maxLength: 1000 },
  regex: {
    type: 'string',
    minLength: 1,
    maxLength: 1000,
    description: 'Checked for catastrophic backtracking at load, like redaction rules.',
  },
  range: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { min: { type: 'number' }, max: { type: 'number' } },
    description: 'Inclusive bounds of a number (a numeric text counts).',
  },
} as const;

const valueSource = {
  enum: ['body', 'query', 'header', 'resource'],
  description:
    '`resource`: the object the request acts on, as the state layer sees it (state outcomes only).',
} as const;
const valuePath = {
  type: 'string',
  minLength: 1,
  maxLength: 500,
  description:
    'Bracket `payment_method_data[card][number]`, dotted `a.b`, or a JSON path `$.a[0]`.',
} as const;

const valueTriggerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['in', 'path'],
  properties: {
    in: valueSource,
    path: valuePath,
    ...valueTestProperties,
    and: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      description: 'Further values that must all hold too.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['in', 'path'],
        properties: { in: valueSource, path: valuePath, ...valueTestProperties },
      },
    },
  },
} as const;

const triggerSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  description: 'Exactly one of value, armed, every, chance.',
  properties: {
    value: valueTriggerSchema,
    armed: { const: true },
    every: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
    chance: {
      type: 'object',
      additionalProperties: false,
      required: ['probability'],
      properties: {
        probability: { type: 'number', minimum: 0, maximum: 1 },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
      },
    },
  },
} as const;

const errorOutcomeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'message'],
  properties: {
    status: { type: 'integer', minimum: 400, maximum: 599 },
    type: text,
    code: text,
    message: text,
    param: text,
    extra: { type: 'object', additionalProperties: anyJson },
  },
} as const;

const atSchema = { enum: ['before', 'after'] } as const;

/** Each fault and the members it takes. */
const FAULTS = {
  latency: {
    ms: { type: 'integer', minimum: 0, maximum: 60_000 },
    fromRecordings: { type: 'boolean' },
  },
  timeout: { ms: { type: 'integer', minimum: 0, maximum: 120_000 }, at: atSchema },
  reset: { at: atSchema },
  close: { at: atSchema },
  'slow-body': { bytesPerSecond: { type: 'integer', minimum: 1, maximum: 1_000_000_000 } },
  truncated: { fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } },
  malformed: {},
  gateway: {
    status: { enum: [502, 503, 504] },
    server: { enum: ['nginx', 'envoy', 'cloudfront'] },
    retryAfter: { type: 'integer', minimum: 0, maximum: 86_400 },
  },
  'server-error': { message: text },
  'rate-limited': {
    retryAfter: { type: 'integer', minimum: 0, maximum: 86_400 },
    style: { enum: ['primary', 'secondary'] },
  },
} as const;
const REQUIRED_FAULT_MEMBERS: Partial<Record<keyof typeof FAULTS, readonly string[]>> = {
  'slow-body': ['bytesPerSecond'],
  gateway: ['status'],
};

const faultSchema = {
  type: 'object',
  required: ['fault'],
  properties: { fault: { enum: Object.keys(FAULTS) } },
  allOf: Object.entries(FAULTS).map(([fault, members]) => ({
    if: { properties: { fault: { const: fault } } },
    then: {
      additionalProperties: false,
      required: ['fault', ...(REQUIRED_FAULT_MEMBERS[fault as keyof typeof FAULTS] ?? [])],
      properties: { fault: { const: fault }, ...members },
    },
  })),
};

/** Anything but a fault: exactly one member naming the kind of outcome. */
const answerSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  description: 'Exactly one of recorded, documented, inline, error, state, or a fault.',
  properties: {
    recorded: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cassette: { type: 'string', minLength: 1, description: 'The cassette’s name.' },
        interaction: {
          type: 'integer',
          minimum: 0,
          description: 'Index in the cassette’s interactions, from 0.',
        },
        status: answerStatus,
      },
      // Either form whole, never a mix (load.ts says so in one message).
      oneOf: [
        { required: ['cassette', 'interaction'], not: { required: ['status'] } },
        {
          required: ['status'],
          not: { anyOf: [{ required: ['cassette'] }, { required: ['interaction'] }] },
        },
      ],
      description:
        '{cassette, interaction}: that recorded answer; or {status}: the operation’s recorded answer with that status.',
    },
    documented: {
      type: 'object',
      additionalProperties: false,
      required: ['status'],
      properties: { status: answerStatus },
    },
    inline: {
      type: 'object',
      additionalProperties: false,
      required: ['status'],
      properties: {
        status: answerStatus,
        headers: inlineHeaders,
        body: anyJson,
      },
    },
    error: errorOutcomeSchema,
    state: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: {
        action: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
        set: { type: 'object', additionalProperties: anyJson },
        from: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        event: text,
        error: errorOutcomeSchema,
        embed: { type: 'string', minLength: 1, maxLength: 200 },
      },
    },
  },
} as const;

/** One scenario (an item of `scenarios` here, of `sandbox.scenarios`, of a preset). */
export const scenarioSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'operations', 'triggers', 'outcome'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$', maxLength: 100 },
    description: { ...text, description: 'For partners: what it simulates, what to do about it.' },
    operations: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: { type: 'string', minLength: 1, maxLength: 1000 },
      description: '`METHOD /path/{param}` templates or spec operation ids; `*` for every one.',
    },
    triggers: {
      type: 'array',
      maxItems: 1000,
      items: triggerSchema,
      description: 'Empty: the scenario fires only when a request names it in a header.',
    },
    outcome: { type: 'object', if: { required: ['fault'] }, then: faultSchema, else: answerSchema },
  },
};

export const scenariosSchema = {
  ...shippedSchemaHead('scenarios.schema.json', 'tapedeck scenario file'),
  type: 'object',
  additionalProperties: false,
  required: ['scenarios'],
  properties: {
    $schema: { type: 'string' },
    scenarios: { type: 'array', maxItems: 10_000, items: scenarioSchema },
  },
};
