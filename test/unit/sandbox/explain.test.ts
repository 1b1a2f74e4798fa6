/**
 * `tapedeck sandbox --explain`: the Stripe model and profile as text (golden file) and as JSON
 * whose `resources` member is pasteable into config's `sandbox.resources`.
 */
import { describe, expect, it } from 'vitest';
import type { NamedCassette } from '../../../src/core/cassette/model.js';
import { LIVE_KEY_DETECTORS } from '../../../src/core/redaction/detectors.js';
import { explainJson, renderExplain } from '../../../src/core/render/sandbox-explain.js';
import { PRESETS } from '../../../src/core/sandbox/profile/presets/index.js';
import { resourceOverrideSchema } from '../../../src/core/sandbox/profile/schema.js';
import { inferModel } from '../../../src/core/sandbox/state/infer.js';
import { compileValidator } from '../../../src/core/validation.js';
import { githubSpec, stripeSpec } from './specs.js';

const customer = { id: 'cus_Q1w2E3r4T5y6U7', object: 'customer', email: 'jenny@example.com' };
const recorded: NamedCassette = {
  name: 'customers',
  cassette: {
    version: 1,
    interactions: [
      {
        request: { method: 'POST', path: '/v1/customers', query: {}, headers: {} },
        response: { status: 200, headers: {}, body: { encoding: 'json', json: customer } },
        latencyMs: 1,
        recordedAt: '2026-01-01T00:00:00.000Z',
      },
      {
        request: { method: 'GET', path: `/v1/customers/${customer.id}`, query: {}, headers: {} },
        response: { status: 200, headers: {}, body: { encoding: 'json', json: customer } },
        latencyMs: 1,
        recordedAt: '2026-01-01T00:00:00.000Z',
      },
      {
        request: {
          method: 'GET',
          path: '/v1/customers/search',
          query: { query: 'x' },
          headers: {},
        },
        response: { status: 200, headers: {}, body: { encoding: 'json', json: { data: [] } } },
        latencyMs: 1,
        recordedAt: '2026-01-01T00:00:00.000Z',
      },
    ],
  },
};

describe('sandbox --explain', () => {
  const spec = stripeSpec();
  const model = inferModel({
    spec,
    cassettes: [recorded],
    profile: PRESETS.stripe,
    overrides: {},
    notResources: [],
  });
  const paths = new Set(spec.model.operations.map((o) => o.path)).size;

  it('renders the Stripe model and profile (golden file): what `sandbox --spec stripe.json --profile stripe --explain` prints', async () => {
    const plain = inferModel({
      spec,
      cassettes: [],
      profile: PRESETS.stripe,
      overrides: {},
      notResources: [],
    });
    // The sources `tapedeck sandbox --explain` gives (app/compose/sandbox.ts), so the e2e test
    // compares the built CLI's output with this same file.
    const text = renderExplain(plain, PRESETS.stripe, {
      spec: { file: 'stripe.json', paths },
      cassettes: [],
      profile: { from: 'preset' },
      liveDetectors: LIVE_KEY_DETECTORS.map((d) => d.id),
      scenarios: PRESETS.stripe.scenarios.map((s, i) => ({
        ...s,
        source: 'preset:stripe',
        pointer: `/${i}`,
      })),
      rateLimits: { classes: [], profileHas: PRESETS.stripe.rateLimits.length },
    });
    const limited = renderExplain(plain, PRESETS.stripe, {
      cassettes: [],
      profile: { from: 'preset' },
      scenarios: [],
      rateLimits: { classes: PRESETS.stripe.rateLimits, profileHas: 2 },
    });
    expect(limited).toContain('  scenarios    none declared (docs/scenarios.md)\n');
    expect(limited).toMatch(/ {2}rate limits {2}\w+ 25\/1s, \w+ 25\/1s; headers \w+\n/);
    expect(text.split('\n')[0]).toBe(
      'tapedeck sandbox — model from spec stripe.json (261 paths); profile stripe (preset)',
    );
    expect(text).toMatch(
      / {4}action {3}POST {3}\/v1\/payment_intents\/\{intent\}\/confirm +requires_payment_method\|requires_confirmation → succeeded \(needs payment_method\) \(declared\)/,
    );
    expect(text).toMatch(
      / {4}action {3}POST {3}\/v1\/payment_intents\/\{intent\}\/capture +inferred: merges item fields, no transition/,
    );
    expect(text).toMatch(
      / {4}view {5}GET {4}\/v1\/customers\/\{customer\}\/payment_methods +where customer = \{customer\}/,
    );
    expect(text).toMatch(
      / {4}delete {3}DELETE \/v1\/customers\/\{customer\} +→ \{deleted, id, object\}/,
    );
    expect(text).toMatch(/ {2}GET {4}\/v1\/customers\/search +search, not a resource/);
    expect(text).toContain(
      '    fixtures   pm_card_visa, pm_card_mastercard, pm_card_visa_chargeDeclined, pm_card_chargeDeclined,',
    );
    expect(text).toContain('pm_card_chargeDeclinedProcessingError (read-only, every tenant)');
    expect(text).not.toContain('undefined');
    await expect(text).toMatchFileSnapshot('../../golden/sandbox-explain-stripe.txt');
  });

  it('counts the recordings each type answers (a recorded search is not a customer)', () => {
    const text = renderExplain(model, PRESETS.stripe, {
      spec: { file: 'stripe.json', paths },
      cassettes: [recorded],
      profile: { from: 'preset' },
    });
    expect(text.split('\n')[0]).toBe(
      'tapedeck sandbox — model from spec stripe.json (261 paths) + 1 cassette (3 interactions); profile stripe (preset)',
    );
    expect(text).toMatch(
      /\n {2}customers +cus_ \+ 14 base62 \(profile\) +tombstone +spec, profile, 2 recordings\n/,
    );
  });

  it('names GitHub’s id field, page pagination with Link, and no idempotency', () => {
    const github = inferModel({
      spec: githubSpec(),
      cassettes: [],
      profile: PRESETS.github,
      overrides: {},
      notResources: [],
    });
    const text = renderExplain(github, PRESETS.github, {
      cassettes: [],
      profile: { from: 'preset' },
      liveDetectors: ['builtin/github-token'],
    });
    expect(text).toContain('  idempotency  none (the API has no idempotency keys)');
    expect(text).toContain(
      '  pagination   page: per_page (30, max 100), page, bare array + Link, newest first',
    );
    expect(text).toContain(
      '  live keys    refused: ^gh[pousr]_ (profile), ^github_pat_ (profile), builtin/github-token',
    );
    expect(text).toMatch(
      / {2}issues +sequence per parent from 1 \(profile\) +remove +spec, profile\n {4}id field number\n/,
    );
  });

  it('--json: resources in the shape of sandbox.resources, so a correction is a paste', () => {
    const json = explainJson(model, PRESETS.stripe) as {
      from: string;
      resources: Record<string, unknown>;
      model: { routes: unknown[]; notModelled: unknown[] };
      profile: unknown;
    };
    expect(json.from).toBe('both');
    const validate = compileValidator(resourceOverrideSchema);
    for (const [name, override] of Object.entries(json.resources))
      expect({ name, result: validate(override).ok }).toEqual({ name, result: true });
    expect(json.resources['customers']).toMatchObject({
      idField: 'id',
      id: { kind: 'random', prefix: 'cus_', length: 14, alphabet: 'base62' },
      deleteStyle: 'tombstone',
    });
    expect(json.resources['payment_intents']).toMatchObject({
      lifecycle: { field: 'status' },
      actions: { confirm: { event: 'payment_intent.succeeded' } },
    });
    expect(json.profile).toEqual(PRESETS.stripe);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.model.notModelled).toContainEqual({
      method: 'GET',
      path: '/v1/customers/search',
      reason: 'search, not a resource',
    });
  });
});
