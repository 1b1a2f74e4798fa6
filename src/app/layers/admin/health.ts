import type { AdminRoute } from './router.js';
import { adminJson } from './reply.js';

export interface HealthRoutesOptions {
  /** `record`, `replay`, `mock`: what health says is running. */
  readonly mode: string;
  /** What is loaded, for health (cassettes and interactions; the spec). */
  readonly loaded: () => Readonly<Record<string, unknown>>;
  /** The same summary the server prints when it stops. */
  readonly summary: () => unknown;
}

/**
 *   GET  /__tapedeck/health    liveness and what is loaded
 *   GET  /__tapedeck/summary   requests served, by layer or outcome; misses; unused recordings
 */
export function healthRoutes(options: HealthRoutesOptions): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: 'health',
      usage: 'GET health',
      handle: () => adminJson(200, { status: 'ok', mode: options.mode, ...options.loaded() }),
    },
    {
      method: 'GET',
      path: 'summary',
      usage: 'GET summary',
      handle: () => adminJson(200, options.summary()),
    },
  ];
}
