/**
 * The `github` preset: Bearer (`token KEY` too, Octokit's form) with `tdk_test_` keys — never
 * `ghp_`, which GitHub's secret scanning would flag — `{message, documentation_url, status}`
 * errors, page/per_page pagination with a `Link` header over bare arrays, issues numbered per
 * repository, no idempotency.
 */
import type { ApiProfile } from '../types.js';

export const GITHUB: ApiProfile = {
  name: 'github',
  credentials: {
    locations: [{ in: 'bearer' }],
    keyPrefix: 'tdk_test_',
    livePatterns: ['^gh[pousr]_', '^github_pat_'],
    refuseQueryNames: ['access_token', 'token', 'api_key', 'client_secret'],
  },
  errors: {
    mediaType: 'application/json; charset=utf-8',
    docUrl: 'https://docs.github.com/rest',
    template: { message: '{message}', documentation_url: '{docUrl}', status: '{statusString}' },
    kinds: {
      unauthorized: { status: 401, message: 'Bad credentials' },
      'live-key': {
        status: 401,
        message:
          'Bad credentials: this is a live GitHub token. The sandbox never accepts live tokens; use a sandbox key (tdk_test_…).',
      },
      'admin-token': {
        status: 401,
        message:
          "Bad credentials: this is tapedeck's admin token; it only works on /__tapedeck/ routes.",
      },
      'key-in-query': {
        status: 400,
        message: 'Tokens are not accepted in the URL. Send it in the Authorization header.',
      },
      'not-found': { status: 404, message: 'Not Found' },
      'reference-missing': {
        status: 422,
        code: 'missing',
        message: "Validation Failed: no such {object} '{id}'",
      },
      'invalid-transition': { status: 422, code: 'invalid', message: '{message}' },
      conflict: {
        status: 409,
        message: 'This object is being changed by another request; try again.',
      },
      'idempotency-mismatch': {
        status: 422,
        message: 'This idempotency key was used with other parameters.',
      },
      'idempotency-endpoint': {
        status: 422,
        message: "This idempotency key was used on another endpoint ('{firstPath}' vs '{path}').",
      },
      'idempotency-in-flight': {
        status: 409,
        message: 'A request with this idempotency key is still in progress. Retry after a second.',
      },
      'idempotency-key-invalid': { status: 400, message: 'The idempotency key is invalid.' },
      quota: {
        status: 403,
        code: 'sandbox_quota_exceeded',
        message:
          'This sandbox tenant has reached its {quota} quota ({limit}). Delete objects or ask the provider to raise it.',
      },
      'rate-limited': { status: 403, message: 'API rate limit exceeded for this sandbox tenant.' },
      'server-error': { status: 500, message: 'Server Error' },
    },
  },
  idempotency: null,
  pagination: {
    style: 'page',
    limitParam: 'per_page',
    defaultLimit: 30,
    maxLimit: 100,
    pageParam: 'page',
    order: 'newest-first',
    envelope: null,
    linkHeader: true,
  },
  ids: {
    default: { kind: 'sequence', scope: 'tenant', start: 1 },
    byType: { issues: { kind: 'sequence', scope: 'parent', start: 1 } },
  },
  resources: {
    serverOwned: ['id', 'node_id', 'url', 'html_url', 'number', 'created_at', 'updated_at', 'user'],
    constants: {},
    requireParents: false,
    updates: { emptyStringUnsets: false },
    overrides: {
      issues: {
        idField: 'number',
        // A new issue is open (the schema's least instance would say ""); `state: closed` is an
        // ordinary update, as on GitHub. Locking is declared, so a read shows `locked: true`.
        lifecycle: {
          field: 'state',
          initial: [{ state: 'open' }],
          actions: {
            lock: {
              set: {
                locked: true,
                active_lock_reason: { param: 'lock_reason', default: null },
              },
            },
            unlock: { set: { locked: false, active_lock_reason: null } },
          },
        },
      },
    },
  },
  rateLimitHeaders: 'github',
  // An authenticated user's: search has its own 30 a minute, the rest of the REST API 5,000 an hour.
  rateLimits: [
    { name: 'search', limit: 30, windowSeconds: 60, operations: ['GET /search/{kind}'] },
    { name: 'core', limit: 5000, windowSeconds: 3600 },
  ],
  scenarios: [],
  webhooks: {
    scheme: 'github',
    // GitHub names the object by its kind and says what happened in `action`.
    envelope: { action: '{verb}', '{objectName}': '{object}' },
    headers: { 'x-github-event': '{eventGroup}' },
    apiVersion: null,
    triggers: [],
  },
  requestId: { header: 'x-github-request-id', prefix: '' },
  events: { naming: '{object}.{verb}' },
};
