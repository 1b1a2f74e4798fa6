/**
 * The `stripe` preset: Stripe's conventions as data — Bearer or Basic-username keys, the
 * `{error: {type, code, message, param, doc_url}}` envelope, `Idempotency-Key` on POST, cursor
 * pagination newest first, `cus_`/`pi_`/… ids, tombstoned deletes (from the spec), and a small
 * real lifecycle: payment intent confirm/cancel, refund create, payment method detach.
 */
import { STRIPE_TRIGGERS } from './stripe-triggers.js';
import type { JsonValue } from '../../../json.js';
import type { IdShape } from '../../state/model.js';
import type { ApiProfile } from '../types.js';
import { DECLINING_TEST_PAYMENT_METHODS, STRIPE_SCENARIOS } from './stripe-scenarios.js';

const id24 = (prefix: string): IdShape => ({
  kind: 'random',
  prefix,
  length: 24,
  alphabet: 'base62',
});

/** Stripe's fixed test payment methods (`payment_method: 'pm_card_visa'` works in test mode). */
function testCard(id: string, brand: string, last4: string): JsonValue {
  return {
    id,
    object: 'payment_method',
    billing_details: {
      address: {
        city: null,
        country: null,
        line1: null,
        line2: null,
        postal_code: null,
        state: null,
      },
      email: null,
      name: null,
      phone: null,
    },
    card: {
      brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
      country: 'US',
      exp_month: 12,
      exp_year: 2034,
      funding: 'credit',
      last4,
      networks: { available: [brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: 1650000000,
    customer: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

const unexpectedState = 'payment_intent_unexpected_state';

export const STRIPE: ApiProfile = {
  name: 'stripe',
  credentials: {
    locations: [{ in: 'bearer' }, { in: 'basic-username' }],
    keyPrefix: 'sk_test_',
    livePatterns: ['^[spr]k_live_'],
    refuseQueryNames: ['api_key', 'key', 'secret', 'access_token'],
  },
  errors: {
    mediaType: 'application/json',
    docUrl: 'https://stripe.com/docs/error-codes/{codeDashed}',
    template: {
      error: {
        type: '{type}',
        code: '{code}',
        message: '{message}',
        param: '{param}',
        doc_url: '{docUrl}',
      },
    },
    kinds: {
      unauthorized: {
        status: 401,
        type: 'invalid_request_error',
        message: 'Invalid API Key provided. Use a test key from `tapedeck tenants create`.',
      },
      'live-key': {
        status: 401,
        type: 'invalid_request_error',
        message:
          'This is a live key. The sandbox never accepts live keys; use a sandbox test key (sk_test_…).',
      },
      'admin-token': {
        status: 401,
        type: 'invalid_request_error',
        message: "This is tapedeck's admin token; it only works on /__tapedeck/ routes.",
      },
      'key-in-query': {
        status: 400,
        type: 'invalid_request_error',
        message: 'API keys are not accepted in the URL. Send it as a Bearer token.',
      },
      'not-found': {
        status: 404,
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: "No such {object}: '{id}'",
      },
      'reference-missing': {
        status: 400,
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: "No such {object}: '{id}'",
      },
      'invalid-transition': {
        status: 400,
        type: 'invalid_request_error',
        message: '{message}',
      },
      conflict: {
        status: 409,
        type: 'invalid_request_error',
        code: 'lock_timeout',
        message: 'This object is being changed by another request; try again.',
      },
      'idempotency-mismatch': {
        status: 400,
        type: 'idempotency_error',
        message:
          'Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than {key} if you meant to execute a different request.',
      },
      'idempotency-endpoint': {
        status: 400,
        type: 'idempotency_error',
        message:
          "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{firstPath}' vs '{path}'). Try using a key other than {key} if you meant to execute a different request.",
      },
      'idempotency-in-flight': {
        status: 409,
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        message:
          'There is currently another in-progress request using this idempotency key. Retry after a second.',
      },
      'idempotency-key-invalid': {
        status: 400,
        type: 'invalid_request_error',
        message:
          'Idempotency keys must be 1 to 255 printable ASCII characters, sent in one Idempotency-Key header.',
      },
      quota: {
        status: 400,
        type: 'invalid_request_error',
        code: 'sandbox_quota_exceeded',
        message:
          'This sandbox tenant has reached its {quota} quota ({limit}). Delete objects or ask the provider to raise it.',
      },
      'rate-limited': {
        status: 429,
        // What Stripe sends today: the 2015 `rate_limit_error` type is gone, the code stayed.
        type: 'invalid_request_error',
        code: 'rate_limit',
        message:
          'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
      },
      // Stripe's `api_error`: "something went wrong on Stripe's end", safe to retry.
      'server-error': {
        status: 500,
        type: 'api_error',
        message: 'An unknown error occurred. Try again in a little bit.',
      },
    },
  },
  idempotency: {
    header: 'idempotency-key',
    methods: ['POST'],
    maxKeyLength: 255,
    retentionHours: 24,
    replayedHeader: 'idempotent-replayed',
  },
  pagination: {
    style: 'cursor-id',
    limitParam: 'limit',
    defaultLimit: 10,
    maxLimit: 100,
    afterParam: 'starting_after',
    beforeParam: 'ending_before',
    order: 'newest-first',
    envelope: { object: 'list', data: '{items}', has_more: '{hasMore}', url: '{url}' },
    linkHeader: false,
  },
  ids: {
    default: id24(''),
    byType: {
      customers: { kind: 'random', prefix: 'cus_', length: 14, alphabet: 'base62' },
      payment_intents: id24('pi_'),
      payment_methods: id24('pm_'),
      refunds: id24('re_'),
      charges: id24('ch_'),
      setup_intents: id24('seti_'),
      products: { kind: 'random', prefix: 'prod_', length: 14, alphabet: 'base62' },
      prices: id24('price_'),
      invoices: id24('in_'),
      subscriptions: id24('sub_'),
      events: id24('evt_'),
      sources: id24('src_'),
      tokens: id24('tok_'),
      accounts: { kind: 'random', prefix: 'acct_', length: 16, alphabet: 'base62' },
      application_fees: id24('fee_'),
      balance_transactions: id24('txn_'),
      credit_notes: id24('cn_'),
      disputes: id24('dp_'),
      file_links: id24('link_'),
      files: id24('file_'),
      invoiceitems: id24('ii_'),
      payment_links: id24('plink_'),
      payouts: id24('po_'),
      promotion_codes: id24('promo_'),
      quotes: id24('qt_'),
      sessions: { kind: 'random', prefix: 'cs_test_', length: 58, alphabet: 'base62' },
      subscription_items: { kind: 'random', prefix: 'si_', length: 14, alphabet: 'base62' },
      tax_ids: id24('txi_'),
      tax_rates: id24('txr_'),
      test_clocks: id24('clock_'),
      topups: id24('tu_'),
      transfers: id24('tr_'),
      webhook_endpoints: id24('we_'),
    },
  },
  resources: {
    serverOwned: ['id', 'object', 'created', 'livemode', 'url'],
    constants: { livemode: false },
    requireParents: true,
    updates: { emptyStringUnsets: true },
    overrides: {
      // A charge made with POST /v1/charges succeeds at once (test mode, a test card or token).
      charges: {
        lifecycle: { field: 'status', initial: [{ state: 'succeeded' }] },
        create: {
          defaults: { paid: true, captured: true, amount_captured: { copy: 'amount' } },
        },
      },
      payment_intents: {
        lifecycle: {
          field: 'status',
          initial: [
            { when: { payment_method: 'present' }, state: 'requires_confirmation' },
            { state: 'requires_payment_method' },
          ],
          actions: {
            confirm: {
              from: ['requires_payment_method', 'requires_confirmation'],
              requires: { payment_method: 'present' },
              set: { status: 'succeeded', amount_received: { copy: 'amount' } },
              event: 'payment_intent.succeeded',
              forbidden: {
                kind: 'invalid-transition',
                code: unexpectedState,
                message: "This PaymentIntent's status is {state}, so it cannot be confirmed.",
              },
            },
            cancel: {
              from: [
                'requires_payment_method',
                'requires_confirmation',
                'requires_action',
                'requires_capture',
                'processing',
              ],
              set: {
                status: 'canceled',
                canceled_at: { now: 'unix-s' },
                cancellation_reason: { param: 'cancellation_reason', default: null },
              },
              event: 'payment_intent.canceled',
              forbidden: {
                kind: 'invalid-transition',
                code: unexpectedState,
                message: 'You cannot cancel this PaymentIntent because it has a status of {state}.',
              },
            },
          },
        },
      },
      refunds: {
        lifecycle: { field: 'status', initial: [{ state: 'succeeded' }] },
        create: {
          requireOneOf: ['payment_intent', 'charge'],
          referenceState: {
            payment_intent: {
              field: 'status',
              in: ['succeeded'],
              forbidden: {
                kind: 'invalid-transition',
                code: 'charge_not_refundable',
                message: 'This PaymentIntent does not have a successful charge to refund.',
              },
            },
          },
          defaults: {
            amount: {
              fromReference: 'payment_intent',
              field: 'amount_received',
              else: { fromReference: 'charge', field: 'amount' },
            },
            currency: {
              fromReference: 'payment_intent',
              field: 'currency',
              else: { fromReference: 'charge', field: 'currency' },
            },
          },
          event: 'charge.refunded',
          // Stripe's charge.refunded carries the charge, refunded. A refund by payment intent
          // carries the refund: the sandbox keeps no charge of a payment intent.
          updatesReference: {
            field: 'charge',
            set: { refunded: true, amount_refunded: { param: 'amount' } },
          },
        },
      },
      // DELETE /v1/subscriptions/{id} cancels: the subscription stays, canceled.
      subscriptions: {
        actions: {
          delete: {
            set: {
              status: 'canceled',
              canceled_at: { now: 'unix-s' },
              ended_at: { now: 'unix-s' },
            },
            event: 'customer.subscription.deleted',
          },
        },
      },
      payment_methods: {
        actions: { detach: { set: { customer: null } } },
        fixtures: [
          testCard('pm_card_visa', 'visa', '4242'),
          testCard('pm_card_mastercard', 'mastercard', '4444'),
          // The declining cards of the preset's scenarios, so an intent can reference them.
          ...DECLINING_TEST_PAYMENT_METHODS.map((pm) => testCard(pm.id, 'visa', pm.last4)),
        ],
      },
    },
  },
  rateLimitHeaders: 'none',
  // Test mode's documented limits: 25 reads and 25 writes a second, counted apart (live: 100).
  rateLimits: [
    { name: 'read', limit: 25, windowSeconds: 1, methods: ['GET', 'HEAD'] },
    { name: 'write', limit: 25, windowSeconds: 1 },
  ],
  scenarios: STRIPE_SCENARIOS,
  webhooks: {
    scheme: 'stripe',
    // Stripe's event object (https://docs.stripe.com/api/events/object).
    envelope: {
      id: '{id}',
      object: 'event',
      api_version: '{apiVersion}',
      created: '{createdS}',
      data: { object: '{object}', previous_attributes: '{previous}' },
      livemode: false,
      pending_webhooks: '{pendingWebhooks}',
      request: { id: '{requestId}', idempotency_key: '{idempotencyKey}' },
      type: '{type}',
    },
    headers: {},
    // The spec's info.version (the vendored 2022 spec says 2020-08-27), filled at start.
    apiVersion: 'spec',
    triggers: STRIPE_TRIGGERS,
  },
  requestId: { header: 'request-id', prefix: 'req_' },
  events: { naming: '{object}.{verb}' },
};
