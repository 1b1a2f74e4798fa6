import { describe, expect, it } from 'vitest';
import { isTapedeckError } from '../../src/core/errors.js';
import {
  escapeLabelValue,
  renderPrometheus,
  type MetricFamily,
} from '../../src/core/render/prometheus.js';
import { MetricsRegistry } from '../../src/app/metrics/registry.js';
import { find, parseFamilies, samples } from '../helpers/prometheus.js';

const NASTY = 'a "quoted" back\\slash\nand a line feed';

describe('the Prometheus text exposition', () => {
  it('writes HELP and TYPE once, counters, gauges and histograms, in a stable order', () => {
    const families: MetricFamily[] = [
      {
        type: 'histogram',
        name: 'h_seconds',
        help: 'A histogram.',
        bounds: [0.1, 1],
        series: [
          { labels: [['m', 'POST']], counts: [0, 2, 1], sum: 7.5 },
          { labels: [['m', 'GET']], counts: [3, 0, 0], sum: 0.15 },
        ],
      },
      {
        type: 'counter',
        name: 'c_total',
        help: 'A counter.',
        series: [
          { labels: [['k', 'b']], value: 2 },
          { labels: [['k', 'a']], value: 1 },
        ],
      },
      { type: 'gauge', name: 'g', help: 'A gauge.', series: [{ labels: [], value: 1 }] },
    ];
    expect(renderPrometheus(families)).toBe(
      [
        '# HELP h_seconds A histogram.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{m="GET",le="0.1"} 3',
        'h_seconds_bucket{m="GET",le="1"} 3',
        'h_seconds_bucket{m="GET",le="+Inf"} 3',
        'h_seconds_sum{m="GET"} 0.15',
        'h_seconds_count{m="GET"} 3',
        'h_seconds_bucket{m="POST",le="0.1"} 0',
        'h_seconds_bucket{m="POST",le="1"} 2',
        'h_seconds_bucket{m="POST",le="+Inf"} 3',
        'h_seconds_sum{m="POST"} 7.5',
        'h_seconds_count{m="POST"} 3',
        '# HELP c_total A counter.',
        '# TYPE c_total counter',
        'c_total{k="a"} 1',
        'c_total{k="b"} 2',
        '# HELP g A gauge.',
        '# TYPE g gauge',
        'g 1',
        '',
      ].join('\n'),
    );
    // The order does not depend on the order series were first seen in.
    const reversed = families.map((f) => ({ ...f, series: [...f.series].reverse() }));
    expect(renderPrometheus(reversed as MetricFamily[])).toBe(renderPrometheus(families));
  });

  it('escapes label values and HELP text so a real parser reads them back as they were', () => {
    expect(escapeLabelValue(NASTY)).toBe('a \\"quoted\\" back\\\\slash\\nand a line feed');
    const text = renderPrometheus([
      {
        type: 'counter',
        name: 'odd_total',
        help: 'Help with a back\\slash\nand a second line.',
        series: [{ labels: [['scenario', NASTY]], value: 4 }],
      },
    ]);
    expect(text.split('\n')).toHaveLength(4); // HELP, TYPE, one sample, the final newline
    const [family] = parseFamilies(text);
    expect(family).toMatchObject({
      name: 'odd_total',
      type: 'COUNTER',
      help: 'Help with a back\\slash\nand a second line.',
      metrics: [{ value: '4', labels: { scenario: NASTY } }],
    });
  });

  it('refuses a counter without _total, a bad label name and descending bounds', () => {
    const refused = (family: MetricFamily) => {
      try {
        renderPrometheus([family]);
        return undefined;
      } catch (error) {
        return isTapedeckError(error, 'TD_INTERNAL');
      }
    };
    expect(refused({ type: 'counter', name: 'misses', help: '', series: [] })).toBe(true);
    expect(
      refused({
        type: 'gauge',
        name: 'g',
        help: '',
        series: [{ labels: [['bad-name', 'x']], value: 1 }],
      }),
    ).toBe(true);
    expect(refused({ type: 'histogram', name: 'h', help: '', bounds: [1, 0.5], series: [] })).toBe(
      true,
    );
    expect(refused({ type: 'counter', name: 'fine_total', help: '', series: [] })).toBeUndefined();
  });
});

describe('the metrics registry', () => {
  const answer = {
    method: 'GET',
    route: '/v1/customers/{customer}',
    status: 200,
    layer: 'state',
    tenant: 'ten_1',
  };

  it('puts each answer in its bucket (an edge value in the bucket it bounds), per series', () => {
    const registry = new MetricsRegistry({ tenantLabel: false, version: '1.2.3' });
    for (const seconds of [0.001, 0.005, 0.0051, 0.3, 42])
      registry.answered({ ...answer, seconds });
    registry.answered({ ...answer, method: 'BREW', route: undefined, status: 404, seconds: 0.01 });
    const all = samples(registry.render());
    const bucket = (le: string) =>
      find(all, 'http_server_request_duration_seconds_bucket', {
        http_request_method: 'GET',
        le,
      })[0]?.value;
    expect([bucket('0.005'), bucket('0.01'), bucket('0.25'), bucket('0.5'), bucket('10')]).toEqual([
      2, 3, 3, 4, 4,
    ]);
    expect(bucket('+Inf')).toBe(5);
    expect(
      find(all, 'http_server_request_duration_seconds_count', { http_request_method: 'GET' })[0]
        ?.value,
    ).toBe(5);
    expect(
      find(all, 'http_server_request_duration_seconds_sum', { http_request_method: 'GET' })[0]
        ?.value,
    ).toBeCloseTo(42.3111, 4);
    // An unknown method and no route: bounded values, not what the client sent.
    expect(
      find(all, 'http_server_request_duration_seconds_count', { http_request_method: '_OTHER' })[0],
    ).toMatchObject({
      labels: {
        http_route: 'unmatched',
        http_response_status_code: '404',
        tapedeck_layer: 'state',
      },
      value: 1,
    });
    expect(all.some((s) => 'tapedeck_tenant' in s.labels)).toBe(false);
    expect(find(all, 'tapedeck_build_info')[0]).toMatchObject({
      labels: { version: '1.2.3' },
      value: 1,
    });
  });

  it('labels the tenant only when asked to, and counts its counters by label', () => {
    const registry = new MetricsRegistry({ tenantLabel: true, version: '0' });
    registry.answered({ ...answer, seconds: 0.02 });
    registry.answered({ ...answer, tenant: undefined, seconds: 0.02 });
    registry.count('scenario', 'card-declined');
    registry.count('scenario', 'card-declined');
    registry.count('webhook-attempt', 'delivered');
    registry.count('miss');
    const all = samples(registry.render());
    const counts = find(all, 'http_server_request_duration_seconds_count');
    expect(counts.map((s) => s.labels['tapedeck_tenant']).sort()).toEqual(['', 'ten_1']);
    expect(find(all, 'tapedeck_scenarios_fired_total')).toEqual([
      { name: 'tapedeck_scenarios_fired_total', labels: { scenario: 'card-declined' }, value: 2 },
    ]);
    expect(find(all, 'tapedeck_webhook_attempts_total', { outcome: 'delivered' })[0]?.value).toBe(
      1,
    );
    expect(find(all, 'tapedeck_misses_total')[0]?.value).toBe(1);
    // Before anything counted it, an unlabelled counter is there at 0.
    expect(find(all, 'tapedeck_idempotent_replays_total')[0]?.value).toBe(0);
    const types = Object.fromEntries(parseFamilies(registry.render()).map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      http_server_request_duration_seconds: 'HISTOGRAM',
      tapedeck_misses_total: 'COUNTER',
      tapedeck_build_info: 'GAUGE',
    });
  });
});
