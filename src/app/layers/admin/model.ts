import type { JsonValue } from '../../../core/json.js';
import { adminJson } from './reply.js';
import type { AdminRoute } from './router.js';

/**
 *   GET  /__tapedeck/sandbox/model   the resource model and resolved profile (`sandbox --explain --json`)
 */
export function modelRoutes(explainJson: () => JsonValue): AdminRoute[] {
  let cached: JsonValue | undefined;
  return [
    {
      method: 'GET',
      path: 'sandbox/model',
      usage: 'GET sandbox/model',
      // The model never changes while the server runs: built once, on first call.
      handle: () => adminJson(200, (cached ??= explainJson())),
    },
  ];
}
