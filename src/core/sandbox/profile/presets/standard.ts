/**
 * The `standard` preset: what a well-behaved JSON API does when nothing else is known. Bearer or
 * `x-api-key`; errors in the spec's documented shape, else RFC 9457 problem+json; IETF-draft
 * idempotency (422 mismatch, 409 in flight); pagination and envelope learned from the spec.
 */
import type { ApiProfile } from '../types.js';

export const STANDARD: ApiProfile = {
  name: 'standard',
  credentials: {
    locations: [{ in: 'bearer' }, { in: 'header', name: 'x-api-key' }],
    keyPrefix: 'tdk_test_',
    livePatterns: [],
    refuseQueryNames: ['api_key', 'key', 'access_token', 'token'],
  },
  errors: {
    mediaType: 'application/problem+json',
    kinds: {
      unauthorized: {
        status: 401,
        code: 'unauthorized',
        message:
          'The API key is missing, malformed, unknown or revoked. Use a key from `tapedeck tenants create`.',
      },
      'live-key': {
        status: 401,
        code: 'live-key',
        message:
          'This is a live key. The sandbox never accepts live keys; use a sandbox test key (tdk_test_…).',
      },
      'admin-token': {
        status: 401,
        code: 'admin-token',
        message: "This is tapedeck's admin token; it only works on /__tapedeck/ routes.",
      },
      'key-in-query': {
        status: 400,
        code: 'key-in-query',
        message: 'API keys are not accepted in the URL. Send it as a Bearer token.',
      },
      'not-found': { status: 404, code: 'not-found', message: "No such {object}: '{id}'" },
      'reference-missing': {
        status: 400,
        code: 'reference-missing',
        message: "No such {object}: '{id}'",
      },
      'invalid-transition': { status: 409, code: 'invalid-transition', message: '{message}' },
      conflict: {
        status: 409,
        code: 'conflict',
        message: 'This object is being changed by another request; try again.',
      },
      'idempotency-mismatch': {
        status: 422,
        code: 'idempotency-mismatch',
        message: 'The idempotency key {key} was first used with other parameters.',
      },
      'idempotency-endpoint': {
        status: 422,
        code: 'idempotency-endpoint',
        message:
          "The idempotency key {key} was first used on another endpoint ('{firstPath}' vs '{path}').",
      },
      'idempotency-in-flight': {
        status: 409,
        code: 'idempotency-in-flight',
        message: 'A request with this idempotency key is still in progress. Retry after a second.',
      },
      'idempotency-key-invalid': {
        status: 400,
        code: 'idempotency-key-invalid',
        message:
          'The Idempotency-Key header must be sent once, with 1 to 255 printable ASCII characters.',
      },
      quota: {
        status: 429,
        code: 'quota',
        message:
          'This sandbox tenant has reached its {quota} quota ({limit}). Delete objects or ask the provider to raise it.',
      },
      'rate-limited': {
        status: 429,
        code: 'rate-limited',
        message: 'Too many requests; retry later.',
      },
      'server-error': {
        status: 500,
        code: 'server-error',
        message: 'An internal error occurred. Retry the request later.',
      },
    },
  },
  idempotency: {
    header: 'idempotency-key',
    methods: ['POST', 'PATCH'],
    maxKeyLength: 255,
    retentionHours: 24,
    replayedHeader: 'idempotent-replayed',
  },
  pagination: {
    style: 'learn',
    limitParam: 'limit',
    defaultLimit: 20,
    maxLimit: 100,
    order: 'oldest-first',
    envelope: null,
    linkHeader: true,
  },
  ids: { default: { kind: 'random', prefix: '', length: 24, alphabet: 'base62' }, byType: {} },
  resources: {
    serverOwned: ['id', 'created', 'created_at', 'updated_at'],
    constants: {},
    requireParents: true,
    updates: { emptyStringUnsets: false },
    overrides: {},
  },
  rateLimitHeaders: 'ietf',
  rateLimits: [{ name: 'default', limit: 100, windowSeconds: 60 }],
  scenarios: [],
  webhooks: {
    scheme: 'standard',
    // Standard Webhooks' recommended payload: type, timestamp, data.
    envelope: { id: '{id}', type: '{type}', timestamp: '{createdIso}', data: '{object}' },
    headers: {},
    apiVersion: null,
    triggers: [],
  },
  requestId: { header: 'x-request-id', prefix: 'req_' },
  events: { naming: '{object}.{verb}' },
};
