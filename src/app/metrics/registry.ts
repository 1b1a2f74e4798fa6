/**
 * What `GET /__tapedeck/metrics` counts (docs/observability.md, "Metrics"), kept in memory per
 * process. The pipeline calls `answered` once per answer, on the hot path: a request costs a few
 * map lookups by values it already holds (no string is built: joining the labels into one key
 * cost four times as much, most of replay's budget for metrics) and a few additions. Label
 * values are kept per series when it is first seen; the text is built only when someone scrapes.
 */
import type { AnsweredRequest, MetricsSink, TapedeckCounter } from '../../core/ports/metrics.js';
import {
  renderPrometheus,
  type MetricFamily,
  type MetricLabels,
} from '../../core/render/prometheus.js';

/** OpenTelemetry's advised buckets for `http.server.request.duration`, in seconds. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/**
 * The methods counted by name (OpenTelemetry's `http.request.method` set); any other is
 * `_OTHER`, so a client inventing methods cannot make series without bound.
 */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/** The label of a request no route matched (OpenTelemetry leaves `http.route` out; one value here). */
export const UNMATCHED_ROUTE = 'unmatched';

export interface MetricsRegistryOptions {
  /** `metrics.tenantLabel`: one series per tenant as well. */
  readonly tenantLabel: boolean;
  /** Of `tapedeck_build_info`. */
  readonly version: string;
}

/** One series of the duration histogram. */
class DurationSeries {
  readonly counts: number[];
  sum = 0;
  constructor(readonly labels: MetricLabels) {
    this.counts = new Array<number>(DURATION_BUCKETS.length + 1).fill(0);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
  }
}

const COUNTERS: Readonly<
  Record<TapedeckCounter, { readonly name: string; readonly help: string; readonly label?: string }>
> = {
  miss: {
    name: 'tapedeck_misses_total',
    help: 'Requests no recording, spec or state answered (the miss layer).',
  },
  scenario: {
    name: 'tapedeck_scenarios_fired_total',
    help: 'Scenarios that fired, by scenario name.',
    label: 'scenario',
  },
  'webhook-attempt': {
    name: 'tapedeck_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome.',
    label: 'outcome',
  },
  'idempotent-replay': {
    name: 'tapedeck_idempotent_replays_total',
    help: 'Answers replayed from a stored idempotency key.',
  },
};

const COUNTER_ORDER: readonly TapedeckCounter[] = [
  'miss',
  'scenario',
  'webhook-attempt',
  'idempotent-replay',
];

/** The metrics of one server: a MetricsSink that renders itself as Prometheus text. */
export class MetricsRegistry implements MetricsSink {
  /** layer → status → method → route → series (or → tenant → series, with the tenant label). */
  private readonly durations = new Map<
    string,
    Map<number, Map<string, Map<string, DurationSeries | Map<string, DurationSeries>>>>
  >();
  /** Every series, in the order first seen (the exposition sorts them). */
  private readonly series: DurationSeries[] = [];
  /** Per counter: label value (`''` for an unlabelled counter) → count. */
  private readonly counters = new Map<TapedeckCounter, Map<string, number>>(
    COUNTER_ORDER.map((c) => [c, new Map<string, number>()]),
  );

  constructor(private readonly options: MetricsRegistryOptions) {}

  answered(answer: AnsweredRequest): void {
    const method = KNOWN_METHODS.has(answer.method) ? answer.method : '_OTHER';
    const route = answer.route ?? UNMATCHED_ROUTE;
    const byStatus = child(this.durations, answer.layer);
    const byMethod = child(byStatus, answer.status);
    const byRoute = child(byMethod, method);
    let series: DurationSeries | Map<string, DurationSeries> | undefined = byRoute.get(route);
    if (this.options.tenantLabel) {
      let byTenant = series as Map<string, DurationSeries> | undefined;
      if (byTenant === undefined) byRoute.set(route, (byTenant = new Map()));
      const tenant = answer.tenant ?? '';
      series = byTenant.get(tenant);
      if (series === undefined) {
        series = this.newSeries(method, route, answer, tenant);
        byTenant.set(tenant, series);
      }
    } else if (series === undefined) {
      series = this.newSeries(method, route, answer, undefined);
      byRoute.set(route, series);
    }
    (series as DurationSeries).observe(answer.seconds);
  }

  private newSeries(
    method: string,
    route: string,
    answer: AnsweredRequest,
    tenant: string | undefined,
  ): DurationSeries {
    const labels: [string, string][] = [
      ['http_request_method', method],
      ['http_route', route],
      ['http_response_status_code', String(answer.status)],
      ['tapedeck_layer', answer.layer],
    ];
    if (tenant !== undefined) labels.push(['tapedeck_tenant', tenant]);
    const series = new DurationSeries(labels);
    this.series.push(series);
    return series;
  }

  count(counter: TapedeckCounter, label?: string): void {
    const counts = this.counters.get(counter)!;
    const value = COUNTERS[counter].label === undefined ? '' : (label ?? '');
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }

  /** Everything counted so far, as families (the exposition's input). */
  families(): MetricFamily[] {
    const families: MetricFamily[] = [
      {
        type: 'histogram',
        name: 'http_server_request_duration_seconds',
        help: 'Duration of HTTP server requests (OpenTelemetry http.server.request.duration).',
        bounds: DURATION_BUCKETS,
        series: this.series.map((s) => ({
          labels: s.labels,
          counts: s.counts,
          sum: s.sum,
        })),
      },
    ];
    for (const counter of COUNTER_ORDER) {
      const { name, help, label } = COUNTERS[counter];
      const counts = this.counters.get(counter)!;
      families.push({
        type: 'counter',
        name,
        help,
        // An unlabelled counter is shown at 0 before it first counts: a scrape sees it exists.
        series:
          label === undefined
            ? [{ labels: [], value: counts.get('') ?? 0 }]
            : [...counts].map(([value, n]) => ({ labels: [[label, value] as const], value: n })),
      });
    }
    families.push({
      type: 'gauge',
      name: 'tapedeck_build_info',
      help: 'The running tapedeck version (always 1).',
      series: [{ labels: [['version', this.options.version]], value: 1 }],
    });
    return families;
  }

  /** The exposition text (`GET /__tapedeck/metrics`). */
  render(): string {
    return renderPrometheus(this.families());
  }
}

/** The map under `key`, made when missing. */
function child<K, C extends Map<unknown, unknown>>(map: Map<K, C>, key: K): C {
  let found = map.get(key);
  if (found === undefined) map.set(key, (found = new Map() as C));
  return found;
}
