// Over 450 lines: one declarative JSON Schema object, section per config key, mirrored by the
// shipped schemas/config.schema.json; split, the shipped file would be assembled from pieces.
/**
 * JSON Schema of tapedeck.config.json, shipped as schemas/config.schema.json (a test keeps the
 * two identical) so editors complete and check the file. Later capabilities add sections here.
 */
import { AUTHORITY_PATTERN, PREFIX_PATTERN } from '../../core/http/forwarded.js';
import {
  rateLimitClassesSchema,
  webhookTriggersSchema,
} from '../../core/sandbox/profile/schema.js';
import { shippedSchemaHead } from '../../core/shipped-schema.js';
import {
  FAIL_ON,
  LATENCY_PATTERN,
  LOG_FORMATS,
  LOG_LEVELS,
  ON_MISS,
  RECORD_MODES,
} from '../../core/modes.js';

/**
 * Upper bounds of numeric settings: JSON reads `1e308` as an integer, and a timeout or a size
 * past these is a typo, not a wish (a timer that long fires at once in Node; a buffer that big
 * cannot be allocated). The schema names the setting and the bound in its message.
 */
export const MAX_TIMEOUT_MS = 86_400_000; // 24 hours
// 256 MiB: a body is kept as one string (as base64, 4/3 of its size), and V8's strings end near
// 512 M characters; a larger body could be captured but never written or read back.
export const MAX_BYTES = 268_435_456;

const stringList = { type: 'array', items: { type: 'string' }, uniqueItems: true } as const;

export const configSchema = {
  ...shippedSchemaHead('config.schema.json', 'tapedeck configuration'),
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    cassettes: { type: 'string', minLength: 1, description: 'Directory of cassette files.' },
    redactionRules: {
      type: 'string',
      minLength: 1,
      description: 'Directory of redaction rule files.',
    },
    stateDir: {
      type: 'string',
      minLength: 1,
      description: 'Directory for runtime state (SQLite); keep it out of git.',
    },
    maxBodyBytes: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_BYTES,
      description: 'Largest request or response body captured.',
    },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        maxHeaderCount: {
          type: 'integer',
          minimum: 1,
          maximum: 10000,
          description: 'Most header fields a request may carry; past it the client gets 431.',
        },
        maxHeaderBytes: {
          type: 'integer',
          minimum: 256,
          maximum: 1048576,
          description:
            'Most bytes of header names and values together; past it the client gets 431.',
        },
        maxUrlBytes: {
          type: 'integer',
          minimum: 256,
          maximum: 1048576,
          description:
            'Longest request target (path and query) in bytes; past it the client gets 414.',
        },
        headersTimeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 3600000,
          description:
            "Time for a request's head to arrive (from its first byte, or from the connection); past it the client gets 408. At most requestTimeoutMs.",
        },
        requestTimeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 3600000,
          description:
            'Time for a whole request, head and body, to arrive; past it the client gets 408. The answer may take longer (upstream.timeoutMs).',
        },
        keepAliveTimeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 3600000,
          description: 'An idle keep-alive connection is closed after this long.',
        },
      },
    },
    upstream: {
      type: 'object',
      additionalProperties: false,
      properties: {
        target: { type: 'string', pattern: '^https?://', description: 'The API to record from.' },
        timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_TIMEOUT_MS },
        allowedHosts: {
          ...stringList,
          description: 'When not empty, the only hosts record may contact.',
        },
        forbiddenHosts: { ...stringList, description: 'Hosts never contacted (production).' },
        forwardedHeaders: {
          type: 'object',
          additionalProperties: false,
          description:
            'Fixed X-Forwarded-* values added to every request sent upstream (record, passthrough and drift alike); none by default. Headers of that family sent by a client are never passed on.',
          properties: {
            'x-forwarded-host': {
              type: 'string',
              pattern: AUTHORITY_PATTERN,
              description:
                'host[:port] the upstream should build URLs with (no user info, no path).',
            },
            'x-forwarded-proto': { enum: ['http', 'https'] },
            'x-forwarded-port': { type: 'integer', minimum: 1, maximum: 65535 },
            'x-forwarded-prefix': {
              type: 'string',
              pattern: PREFIX_PATTERN,
              description: 'A path prefix such as /api (no query or fragment).',
            },
          },
        },
      },
    },
    record: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cassette: { type: 'string', minLength: 1 },
        mode: { enum: RECORD_MODES },
        webhooks: {
          type: 'object',
          additionalProperties: false,
          description:
            "Staging's webhooks, received on a second port, recorded redacted into the cassette and forwarded (`record --webhooks PORT`).",
          properties: {
            port: { type: 'integer', minimum: 0, maximum: 65535 },
            forwardTo: {
              type: 'string',
              pattern: '^https?://',
              description:
                'Your endpoint: each webhook is re-signed with a local secret and sent on.',
            },
            secretEnv: {
              type: 'string',
              pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
              description:
                "The environment variable holding staging's signing secret: a webhook that does not verify is refused (400).",
            },
          },
        },
      },
    },
    replay: {
      type: 'object',
      additionalProperties: false,
      properties: {
        onMiss: { enum: ON_MISS },
        missStatus: { type: 'integer', minimum: 200, maximum: 599 },
        latency: { type: 'string', pattern: LATENCY_PATTERN },
        strict: { type: 'boolean' },
        spec: {
          type: 'string',
          minLength: 1,
          description:
            'OpenAPI/Swagger spec answering what no cassette does (docs/mock-server.md).',
        },
      },
    },
    mock: {
      type: 'object',
      additionalProperties: false,
      description: 'The spec-driven mock: `tapedeck mock` and `replay --spec`.',
      properties: {
        seed: { type: 'string', minLength: 1, description: 'Seed of generated values.' },
        security: {
          type: 'boolean',
          description: 'Answer 401 when a documented API key or bearer token is missing.',
        },
        validateRequests: {
          type: 'boolean',
          description: 'Answer 400/422 listing every violation when a request breaks the spec.',
        },
      },
    },
    match: {
      type: 'object',
      additionalProperties: false,
      properties: {
        headers: { ...stringList, description: 'Headers that must match (others are ignored).' },
        ignoreQuery: { ...stringList, description: 'Query parameters not compared.' },
        ignoreBodyPaths: {
          ...stringList,
          description: 'JSON paths removed from request bodies before comparing.',
        },
      },
    },
    redaction: {
      type: 'object',
      additionalProperties: false,
      properties: {
        keyEnv: {
          type: 'string',
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description:
            'Environment variable holding the pseudonymization key (never put the key itself here).',
        },
        disable: {
          ...stringList,
          items: { type: 'string', pattern: '^builtin/' },
          description: 'Built-in detectors to turn off, e.g. "builtin/phone".',
        },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      properties: {
        token: {
          type: 'string',
          minLength: 16,
          description: 'Bearer token for /__tapedeck/*; prefer TAPEDECK_ADMIN_TOKEN.',
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { enum: LOG_LEVELS },
        format: { enum: LOG_FORMATS },
      },
    },
    drift: {
      type: 'object',
      additionalProperties: false,
      description: '`tapedeck drift`: compare live answers with the recordings (docs/drift.md).',
      properties: {
        target: {
          type: 'string',
          pattern: '^https?://',
          description: 'The live (staging) API; upstream.target when absent.',
        },
        ignore: {
          ...stringList,
          description: 'JSON paths never reported as drift, e.g. "$.data[*].updated_at".',
        },
        ignorePerCassette: {
          type: 'array',
          items: {
            type: 'object',
            required: ['cassette', 'paths'],
            additionalProperties: false,
            properties: { cassette: { type: 'string', minLength: 1 }, paths: stringList },
          },
          description:
            'More such paths for one cassette each: [{ "cassette": "orders", "paths": [...] }].',
        },
        headers: {
          ...stringList,
          items: { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9a-z-]+$" },
          description: 'Response headers compared besides the built-in list (lower case).',
        },
        credentials: {
          type: 'object',
          propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9a-z-]+$" },
          additionalProperties: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          description:
            'Request header -> environment variable holding the real credential sent live (never the value itself).',
        },
        concurrency: { type: 'integer', minimum: 1, maximum: 256 },
        retries: { type: 'integer', minimum: 0, maximum: 10 },
        timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_TIMEOUT_MS },
        failOn: { enum: FAIL_ON },
        learn: {
          type: 'boolean',
          description: 'Send each safe request twice; what differs between the answers is noise.',
        },
      },
    },
    sandbox: {
      type: 'object',
      additionalProperties: false,
      description: '`tapedeck sandbox`: the stateful multi-tenant sandbox (docs/sandbox.md).',
      properties: {
        spec: {
          type: 'string',
          minLength: 1,
          description: 'OpenAPI/Swagger spec the resource model is inferred from (`--spec`).',
        },
        profile: {
          type: 'string',
          minLength: 1,
          description:
            'API profile: "standard", "stripe", "github", or a profile file (schemas/api-profile.schema.json).',
        },
        seeds: {
          type: 'object',
          propertyNames: {
            pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
            not: { enum: ['recordings', 'empty'] },
          },
          additionalProperties: { type: 'string', minLength: 1 },
          description: 'Named provider seed sets: name -> directory of JSON files.',
        },
        defaultSeed: {
          type: 'string',
          pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
          description:
            'Seed set of a tenant created without --seed: recordings, empty or a name in seeds.',
        },
        resources: {
          type: 'object',
          propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,128}$' },
          additionalProperties: { type: 'object' },
          description:
            "Corrections to the inferred model by resource type (idField, id, deleteStyle, lifecycle, …; the same shape as a profile's resources.overrides).",
        },
        notResources: {
          ...stringList,
          items: { type: 'string', pattern: '^(GET|POST|PUT|PATCH|DELETE) /' },
          description: 'Routes never modelled, e.g. "GET /v1/customers/search".',
        },
        scenarios: {
          type: 'array',
          maxItems: 10_000,
          items: { type: 'object' },
          description:
            "Scenarios (triggers → outcome) beside scenariosDir and the preset's; each item as in schemas/scenarios.schema.json.",
        },
        scenariosDir: {
          type: 'string',
          minLength: 1,
          description: 'Directory of *.json scenario files (schemas/scenarios.schema.json).',
        },
        presetScenarios: {
          type: 'boolean',
          description:
            "Whether the profile preset's scenarios (Stripe's test cards) are in the catalogue.",
        },
        rateLimits: {
          description:
            '"off" (default), "profile" (the profile\'s production limits), or token-bucket classes of your own.',
          oneOf: [{ enum: ['off', 'profile'] }, rateLimitClassesSchema],
        },
        idempotency: {
          type: 'object',
          additionalProperties: false,
          properties: {
            retentionHours: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 8760,
              description: "How long an idempotency key is remembered, on the tenant's clock.",
            },
          },
        },
        tenants: {
          type: 'object',
          additionalProperties: false,
          properties: {
            idleDays: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 3650,
              description: 'A tenant unused this long (tenant clock) is deleted.',
            },
            keyOverlapHours: {
              type: 'number',
              minimum: 0,
              maximum: 8760,
              description: 'How long the previous keys keep working after `tenants rotate`.',
            },
          },
        },
        quotas: {
          type: 'object',
          additionalProperties: false,
          properties: {
            resources: { type: 'integer', minimum: 1, maximum: 100_000_000 },
            requestsPerDay: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
            bytes: { type: 'integer', minimum: 1, maximum: 1_099_511_627_776 },
          },
        },
      },
    },
    webhooks: {
      type: 'object',
      additionalProperties: false,
      description: "The sandbox's webhook deliveries (docs/webhooks.md).",
      properties: {
        allowedHosts: {
          ...stringList,
          description:
            'Hosts deliveries may go to besides loopback; private, link-local and metadata addresses stay refused unless listed as an IP.',
        },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 120_000 },
        schedule: {
          description:
            '"sandbox" (6 attempts over about 2.6 h), "production" (Standard Webhooks: 10 over about 75 h), or the waits between attempts.',
          oneOf: [
            { enum: ['sandbox', 'production'] },
            {
              type: 'array',
              minItems: 0,
              maxItems: 20,
              items: { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d)$' },
            },
          ],
        },
        jitter: { type: 'number', minimum: 0, maximum: 0.5 },
        seed: { type: 'string', minLength: 1, maxLength: 200 },
        maxResponseBytes: { type: 'integer', minimum: 0, maximum: 10_485_760 },
        excerptBytes: { type: 'integer', minimum: 0, maximum: 65_536 },
        maxRetryAfterMs: { type: 'integer', minimum: 0, maximum: 604_800_000 },
        concurrency: { type: 'integer', minimum: 1, maximum: 256 },
        pollMs: { type: 'integer', minimum: 50, maximum: 3_600_000 },
        rotationOverlapHours: { type: 'integer', minimum: 0, maximum: 8760 },
        triggers: webhookTriggersSchema,
      },
    },
    journal: {
      type: 'object',
      additionalProperties: false,
      description: 'What the journal keeps across restarts (docs/observability.md).',
      properties: {
        retentionDays: {
          type: 'integer',
          minimum: 1,
          maximum: 3650,
          description: 'Entries older than this many days are removed.',
        },
        maxEntriesPerTenant: {
          type: 'integer',
          minimum: 100,
          maximum: 10_000_000,
          description: 'Beyond this many entries of one tenant, its oldest are removed.',
        },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      description: 'GET /__tapedeck/metrics, Prometheus text (docs/observability.md).',
      properties: {
        tenantLabel: {
          type: 'boolean',
          description:
            'Label request metrics with the tenant id: one series per tenant, so only with few tenants.',
        },
      },
    },
    readiness: {
      type: 'object',
      additionalProperties: false,
      description: 'The partner readiness report (docs/readiness.md).',
      properties: {
        criteria: {
          type: 'string',
          minLength: 1,
          description:
            'The criteria file (schemas/readiness-criteria.schema.json); the defaults when absent.',
        },
      },
    },
  },
} as const;
