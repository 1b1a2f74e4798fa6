import { describe, expect, it } from 'vitest';
import {
  describeOutcome,
  renderScenariosJson,
  renderScenariosMarkdown,
} from '../../src/core/render/scenarios.js';
import { recheckSafety } from '../../src/adapters/redaction/redaction-io.js';
import { STRIPE } from '../../src/core/sandbox/profile/presets/stripe.js';
import { loadCatalogue } from '../../src/core/sandbox/scenarios/load.js';
import type { ScenarioCatalogue } from '../../src/core/sandbox/scenarios/types.js';
import { FIXTURE_CATALOGUE } from '../fixtures/scenarios/catalogue.js';

describe('the scenario catalogue as partner documentation', () => {
  it('renders the Stripe preset’s catalogue as Markdown (golden)', async () => {
    const catalogue = loadCatalogue({
      config: [],
      dir: undefined,
      preset: { name: 'stripe', scenarios: STRIPE.scenarios },
      recheckSafety,
    });
    const md = renderScenariosMarkdown(catalogue, { bodyFormat: 'form' });
    await expect(md).toMatchFileSnapshot('../golden/scenarios-stripe.md');
  });

  it('renders every kind of trigger and outcome as Markdown (golden)', async () => {
    const md = renderScenariosMarkdown(FIXTURE_CATALOGUE, { bodyFormat: 'form' });
    await expect(md).toMatchFileSnapshot('../golden/scenarios-fixture.md');
  });

  it('renders a tenant’s arms in their own section', () => {
    const md = renderScenariosMarkdown(FIXTURE_CATALOGUE, {
      armed: {
        tenant: 'acme',
        arms: [
          {
            id: 'arm_00',
            scenario: 'gateway_502',
            remaining: 2,
            armedAt: '2030-01-01T00:00:00.000Z',
          },
          {
            id: 'arm_01',
            scenario: 'card_declined',
            operation: 'POST /v1/payment_intents',
            armedAt: '2030-01-01T00:00:01.000Z',
          },
        ],
      },
    });
    expect(md).toContain('## Armed for tenant <code>acme</code>');
    expect(md).toContain(
      '| <code>arm\\_00</code> | <code>gateway\\_502</code> | all of its operations | 2 |',
    );
    expect(md).toContain('| until disarmed |');
  });

  it('keeps the Markdown structure whatever the catalogue’s texts hold', () => {
    const hostile: ScenarioCatalogue = {
      scenarios: [
        {
          ...FIXTURE_CATALOGUE.scenarios[2]!,
          description: 'a | b `c` <script>alert(1)</script>\n## not a heading',
          triggers: [{ value: { in: 'body', path: 'x|y', equals: '`|<b>' } }],
        },
      ],
    };
    const md = renderScenariosMarkdown(hostile);
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<b>');
    expect(md).not.toMatch(/^## not a heading/m);
    const row = md.split('\n').find((l) => l.includes('x\\|y'))!;
    // Five cells: the pipes inside values are escaped.
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(5);
  });

  it('says so when there is nothing to show', () => {
    const md = renderScenariosMarkdown({ scenarios: [] });
    expect(md).toContain('This sandbox declares no scenarios.');
    expect(md).toContain('No scenario is triggered by a value in the request.');
    expect(renderScenariosJson({ scenarios: [] })).toEqual({
      format: 1,
      scenarios: [],
      magicValues: [],
    });
  });

  it('renders JSON in the documented shape: declarations as written, sources, one-line summaries', () => {
    const json = renderScenariosJson(FIXTURE_CATALOGUE, { bodyFormat: 'form' });
    expect(json.format).toBe(1);
    expect(json.scenarios[1]).toEqual({
      ...FIXTURE_CATALOGUE.scenarios[1],
      summary:
        "402 card_error card_declined (decline_code generic_decline); the object is left after decline: status requires_payment_method (in the error's payment_intent)",
      header: 'Prefer: scenario=card_declined',
    });
    expect(json.magicValues.map((m) => [m.scenario, m.where, m.test])).toEqual([
      ['big_amount_review', 'form field amount', 'range'],
      ['card_declined', 'form field payment_method', 'oneOf'],
      ['card_declined', "the stored object's payment_method", 'equals'],
      ['insufficient_funds', 'form field payment_method_data[card][number]', 'equals'],
      ['gateway_502', 'header x-test-fault', 'prefix'],
      ['json_amount_server_error', 'JSON $.amount', 'equals'],
      ['json_amount_server_error', 'query parameter mode', 'regex'],
    ]);
    expect(json.magicValues[3]?.and).toEqual([
      { in: 'body', path: 'confirm', test: 'equals', text: 'form field confirm = true' },
    ]);
    // Stable: plain data, the same bytes for the same catalogue.
    expect(JSON.stringify(renderScenariosJson(FIXTURE_CATALOGUE))).toBe(
      JSON.stringify(renderScenariosJson(FIXTURE_CATALOGUE)),
    );
  });

  it('describes every fault in one line', () => {
    expect(describeOutcome({ fault: 'latency', fromRecordings: true })).toContain(
      'recorded latency',
    );
    expect(describeOutcome({ fault: 'timeout' })).toBe(
      'no answer for 30 s, then the connection closes, before the request runs',
    );
    expect(describeOutcome({ fault: 'reset', at: 'after' })).toContain('after the request ran');
    expect(describeOutcome({ fault: 'gateway', status: 503, server: 'envoy', retryAfter: 5 })).toBe(
      '503 from the gateway (envoy, its HTML error page), Retry-After 5',
    );
    expect(describeOutcome({ fault: 'rate-limited', style: 'secondary' })).toContain('403');
    expect(describeOutcome({ documented: { status: 404 } })).toBe(
      "404, the spec's documented example",
    );
  });
});
