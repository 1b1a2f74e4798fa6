import { shippedSchemaHead, VERSION_ONE_MEMBERS } from '../shipped-schema.js';

/**
 * JSON Schema of cassette format v1. The same object is shipped as
 * `schemas/cassette-v1.schema.json` (a test keeps the file and this constant identical) so
 * editors can validate cassettes as they are reviewed.
 */
const multiMap = {
  type: 'object',
  additionalProperties: {
    anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  },
} as const;

export const cassetteSchemaV1 = {
  ...shippedSchemaHead('cassette-v1.schema.json', 'tapedeck cassette (format version 1)'),
  type: 'object',
  required: ['version', 'interactions'],
  additionalProperties: false,
  properties: {
    ...VERSION_ONE_MEMBERS,
    meta: {
      type: 'object',
      additionalProperties: false,
      properties: {
        recordedWith: { type: 'string' },
        target: { type: 'string' },
        description: { type: 'string' },
        replayable: { type: 'boolean' },
        keyId: { type: 'string', pattern: '^tdp_[a-z2-7]{24}$' },
      },
    },
    interactions: { type: 'array', items: { $ref: '#/definitions/interaction' } },
    webhooks: {
      type: 'array',
      description:
        "Webhooks the recorded API sent while recording (`record --webhooks PORT`), redacted: the sandbox's events take their shape.",
      items: { $ref: '#/definitions/webhook' },
    },
  },
  definitions: {
    headers: {
      ...multiMap,
      propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9a-z-]+$" },
    },
    query: multiMap,
    body: {
      type: 'object',
      required: ['encoding'],
      discriminator: { propertyName: 'encoding' },
      oneOf: [
        {
          type: 'object',
          required: ['encoding', 'json'],
          additionalProperties: false,
          properties: {
            encoding: { const: 'json' },
            json: {},
            format: { enum: ['pretty'] },
            indent: { type: 'integer', minimum: 1, maximum: 10 },
            trailingNewline: { type: 'boolean' },
          },
        },
        {
          type: 'object',
          required: ['encoding', 'text'],
          additionalProperties: false,
          properties: { encoding: { const: 'text' }, text: { type: 'string' } },
        },
        {
          type: 'object',
          required: ['encoding', 'base64'],
          additionalProperties: false,
          properties: {
            encoding: { const: 'base64' },
            base64: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
          },
        },
      ],
    },
    request: {
      type: 'object',
      required: ['method', 'path', 'query', 'headers'],
      additionalProperties: false,
      properties: {
        method: { type: 'string', pattern: '^[A-Z][A-Z0-9_-]*$' },
        path: { type: 'string', pattern: '^/' },
        query: { $ref: '#/definitions/query' },
        headers: { $ref: '#/definitions/headers' },
        body: { $ref: '#/definitions/body' },
      },
    },
    response: {
      type: 'object',
      required: ['status', 'headers'],
      additionalProperties: false,
      properties: {
        status: { type: 'integer', minimum: 100, maximum: 599 },
        headers: { $ref: '#/definitions/headers' },
        body: { $ref: '#/definitions/body' },
      },
    },
    webhook: {
      type: 'object',
      required: ['type', 'receivedAt', 'headers', 'body'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', minLength: 1, maxLength: 200 },
        receivedAt: {
          type: 'string',
          pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
        },
        headers: { $ref: '#/definitions/headers' },
        body: { $ref: '#/definitions/body' },
      },
    },
    interaction: {
      type: 'object',
      required: ['request', 'response', 'latencyMs', 'recordedAt'],
      additionalProperties: false,
      properties: {
        request: { $ref: '#/definitions/request' },
        response: { $ref: '#/definitions/response' },
        latencyMs: { type: 'number', minimum: 0 },
        replayable: { type: 'boolean' },
        recordedAt: {
          type: 'string',
          pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
        },
      },
    },
  },
} as const;
