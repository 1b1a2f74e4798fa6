/**
 * JSON Schemas of readiness (issue 16; docs/readiness.md): the criteria file a provider
 * declares (schemas/readiness-criteria.schema.json) and the report `tapedeck readiness --format
 * json` prints (schemas/readiness-report.schema.json). Both are shipped; tests keep the files
 * and these constants identical, and validate built reports. They mirror types.ts. What a schema
 * cannot say well (unique ids, a kind that does not exist) criteria.ts checks, to say it in words.
 */
import { shippedSchemaHead } from '../shipped-schema.js';
import { CRITERION_KINDS } from './defaults.js';

export const CRITERION_ID_PATTERN = '^[a-z0-9][a-z0-9-]*$';

const base = {
  id: {
    type: 'string',
    pattern: CRITERION_ID_PATTERN,
    maxLength: 100,
    description: 'Unique in the file; reports and sign-offs name the criterion by it.',
  },
  title: { type: 'string', minLength: 1, maxLength: 200 },
  required: {
    type: 'boolean',
    description:
      'Default true: a required criterion that fails or was not exercised makes the partner "not ready".',
  },
  next: {
    type: 'string',
    minLength: 1,
    maxLength: 1000,
    description:
      'The next step shown when it fails or was not exercised (each kind has a default).',
  },
} as const;

const operationName = {
  type: 'string',
  minLength: 1,
  maxLength: 500,
  description: 'A spec operationId, or `METHOD /template` as the journal names it.',
} as const;

const positiveInt = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

/** One branch of the criterion union: its kind, the members every criterion has, and its own. */
function kind<const K extends string, const P extends Record<string, unknown>>(
  name: K,
  description: string,
  own: P,
  required: readonly string[] = [],
) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'kind', ...required],
    description,
    properties: { ...base, kind: { const: name }, ...own },
  } as const;
}

const criterionSchemas = [
  kind(
    'operations',
    'Each operation answered 2xx at least `min` times (default 1).',
    {
      operations: {
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        items: {
          anyOf: [
            operationName,
            {
              type: 'object',
              additionalProperties: false,
              required: ['operation'],
              properties: { operation: operationName, min: positiveInt },
            },
          ],
        },
      },
    },
    ['operations'],
  ),
  kind(
    'scenario',
    'The scenario fired, and each firing was followed within the next `within` requests (default 5) by one of `then`.',
    {
      scenario: { type: 'string', minLength: 1, maxLength: 200 },
      then: { type: 'array', minItems: 1, maxItems: 100, items: operationName },
      within: { type: 'integer', minimum: 1, maximum: 10_000 },
    },
    ['scenario'],
  ),
  kind(
    'retry-after',
    'Every answer with Retry-After was followed by a retry of its operation no sooner than it said.',
    {},
  ),
  kind(
    'idempotent-retry',
    'Every call a timeout, reset or close cut (or a scenario answered 502/503/504) was retried; a POST with the same Idempotency-Key.',
    {},
  ),
  kind(
    'webhooks-acknowledged',
    'At least `minShare` (default 1) of the deliveries answered 2xx within `withinMs` (default 10000).',
    {
      withinMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
      minShare: { type: 'number', minimum: 0, maximum: 1 },
    },
  ),
  kind(
    'webhook-duplicate',
    'A duplicate probe was answered 2xx and caused no state change to its object within `windowMs` (default 30000).',
    { windowMs: { type: 'integer', minimum: 0, maximum: 86_400_000 } },
  ),
  kind('webhook-signature', 'A bad-signature probe was refused with a 4xx.', {}),
  kind('pagination', 'Every list walk that had more pages was followed to its last page.', {}),
  kind(
    'error-rate',
    'At most `max` (default 0.05) of the requests answered ≥ 400, leaving out scenario and rate-limit answers.',
    { max: { type: 'number', minimum: 0, maximum: 1 } },
  ),
  kind(
    'latency-p95',
    'p95 of request arrival to answer, leaving out scenario-shaped answers, at most `maxMs` (default 1000).',
    { maxMs: { type: 'integer', minimum: 1, maximum: 3_600_000 } },
  ),
  kind(
    'spec-conformance',
    'None of the last `last` (default 100) requests the spec checked broke it.',
    { last: positiveInt },
  ),
] as const;

export const readinessCriteriaSchema = {
  ...shippedSchemaHead('readiness-criteria.schema.json', 'tapedeck readiness criteria'),
  type: 'object',
  additionalProperties: false,
  required: ['name', 'criteria'],
  properties: {
    $schema: { type: 'string' },
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'What the report shows ("Acme payments go-live").',
    },
    criteria: {
      type: 'array',
      minItems: 1,
      maxItems: 500,
      items: {
        type: 'object',
        required: ['kind'],
        discriminator: { propertyName: 'kind' },
        oneOf: criterionSchemas,
      },
    },
  },
} as const;

// --- the report ---------------------------------------------------------------------------

const count = { type: 'integer', minimum: 0 } as const;
const ms = { type: 'number', description: 'Real time, ms since the epoch.' } as const;
const hash = { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } as const;
const names = { type: 'array', items: { type: 'string' } } as const;
const versioned = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'hash'],
  properties: { name: { type: 'string' }, hash },
} as const;
const tenant = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' } },
} as const;
const surfaceCoverage = {
  type: 'object',
  additionalProperties: false,
  required: ['exercised', 'notExercised'],
  properties: { exercised: names, notExercised: names },
} as const;
const verdict = { enum: ['pass', 'fail', 'not-exercised'] } as const;

export const readinessReportSchema = {
  ...shippedSchemaHead('readiness-report.schema.json', 'tapedeck readiness report (version 1)'),
  type: 'object',
  additionalProperties: false,
  required: [
    'schemaVersion',
    'criteriaName',
    'tenant',
    'generatedAt',
    'verdict',
    'counts',
    'score',
    'coverage',
    'criteria',
    'versions',
    'hash',
  ],
  properties: {
    schemaVersion: { const: 1 },
    criteriaName: { type: 'string' },
    tenant,
    generatedAt: ms,
    since: ms,
    verdict: {
      enum: ['ready', 'not-ready'],
      description: 'ready: every required criterion passed (not exercised is not ready).',
    },
    counts: {
      type: 'object',
      additionalProperties: false,
      required: ['pass', 'fail', 'notExercised', 'required'],
      properties: { pass: count, fail: count, notExercised: count, required: count },
    },
    score: {
      type: 'object',
      additionalProperties: false,
      required: ['passed', 'of'],
      description: 'Criteria passed over criteria declared; coverage is apart.',
      properties: { passed: count, of: count },
    },
    coverage: {
      type: 'object',
      additionalProperties: false,
      required: ['operations', 'scenarios'],
      properties: { operations: surfaceCoverage, scenarios: surfaceCoverage },
    },
    criteria: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'kind', 'title', 'required', 'verdict', 'summary', 'evidence'],
        properties: {
          id: { type: 'string', pattern: CRITERION_ID_PATTERN },
          kind: { enum: [...CRITERION_KINDS] },
          title: { type: 'string' },
          required: { type: 'boolean' },
          verdict,
          summary: { type: 'string' },
          evidence: {
            type: 'array',
            maxItems: 20,
            description: 'The failing facts first.',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['at', 'note'],
              properties: {
                requestId: { type: 'string' },
                deliveryId: { type: 'string' },
                eventId: { type: 'string' },
                at: ms,
                note: { type: 'string' },
              },
            },
          },
          next: { type: 'string', description: 'Absent when it passed.' },
        },
      },
    },
    versions: {
      type: 'object',
      additionalProperties: false,
      required: ['cassettes', 'criteria'],
      properties: {
        spec: versioned,
        cassettes: { type: 'array', items: versioned },
        criteria: versioned,
      },
    },
    hash: {
      ...hash,
      description:
        'sha256 of the canonical JSON of {verdicts: criterion id → verdict, versions}: what a sign-off pins.',
    },
    signoff: {
      type: 'object',
      additionalProperties: false,
      required: ['by', 'at', 'holds', 'changed'],
      properties: {
        by: { type: 'string' },
        at: ms,
        note: { type: 'string' },
        holds: { type: 'boolean' },
        changed: names,
      },
    },
  },
} as const;
