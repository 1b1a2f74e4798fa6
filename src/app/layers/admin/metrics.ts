import { HEADER_LAYER } from '../../../core/http/index.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../../core/render/prometheus.js';
import type { AdminRoute } from './router.js';

/** What the route serves: the registry of app/metrics/registry.ts. */
export interface MetricsSource {
  render(): string;
}

/**
 *   GET  /__tapedeck/metrics   Prometheus text 0.0.4 (docs/observability.md, "Metrics")
 *
 * Mounted where the server's other admin routes are, under the same token rule.
 */
export function metricsRoutes(source: MetricsSource): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: 'metrics',
      usage: 'GET metrics',
      handle: () => ({
        kind: 'simple',
        status: 200,
        headers: [
          ['content-type', PROMETHEUS_CONTENT_TYPE],
          ['cache-control', 'no-store'],
          [HEADER_LAYER, 'admin'],
        ],
        body: source.render(),
      }),
    },
  ];
}
