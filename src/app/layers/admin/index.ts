import { timingSafeEqual } from 'node:crypto';
import { firstHeaderValue } from '../../../core/http/index.js';
import type { Layer, LayerAnswer } from '../../pipeline/context.js';
import { adminProblem } from './reply.js';
import { AdminRouter, type AdminRoute } from './router.js';

export type { AdminCall, AdminMatch, AdminRoute } from './router.js';
export { healthRoutes, type HealthRoutesOptions } from './health.js';
export { journalRoutes } from './journal.js';
export { resetRoutes } from './reset.js';
export { modelRoutes } from './model.js';

export const ADMIN_PREFIX = '/__tapedeck/';

export interface AdminLayerOptions {
  readonly token: string | undefined;
  /** The route groups this server serves (health.ts, journal.ts, reset.ts, …). */
  readonly routes: readonly (readonly AdminRoute[])[];
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(`Bearer ${expected}`);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/**
 * Layer 1: tapedeck's own endpoints under /__tapedeck/, routed to the groups the server passes.
 * When an admin token is configured, every call needs `Authorization: Bearer <token>`, except
 * to a route that takes tenant keys (`AdminRoute.tenantKeys`), which checks the key itself.
 */
export function adminLayer(options: AdminLayerOptions): Layer {
  const router = new AdminRouter(options.routes);
  return {
    name: 'admin',
    handle(context) {
      const { path, method } = context.incoming;
      if (!path.startsWith(ADMIN_PREFIX)) return undefined;
      const found = router.match(method, path.slice(ADMIN_PREFIX.length));
      const route = found?.route;
      // A known endpoint's path (its template, for `:name` routes) carries no request text.
      // An unknown one's path is shown only when it looks like an endpoint name.
      const named = {
        journalPath: `${ADMIN_PREFIX}${route === undefined ? shownAdminPath(path.slice(ADMIN_PREFIX.length), options.token) : route.path}`,
      };
      const byAdmin =
        options.token === undefined
          ? route?.tenantKeys !== true
          : tokenMatches(
              firstHeaderValue(context.incoming.headers, 'authorization'),
              options.token,
            );
      if (!byAdmin && route?.tenantKeys !== true) {
        return {
          reply: adminProblem(
            401,
            'TD_BAD_REQUEST',
            'The admin API needs Authorization: Bearer <admin token>.',
          ),
          ...named,
        };
      }
      if (route === undefined) {
        return {
          reply: adminProblem(
            404,
            'TD_BAD_REQUEST',
            `No admin endpoint ${method} ${shownAdminPath(path.slice(ADMIN_PREFIX.length), options.token)}.`,
            { endpoints: router.usage },
          ),
          ...named,
        };
      }
      const reply = route.handle({
        context,
        query: new URLSearchParams(context.incoming.rawQuery),
        params: found!.params,
        ...(route.tenantKeys === true ? { byAdmin } : {}),
      });
      return reply instanceof Promise
        ? reply.then((r): LayerAnswer => ({ reply: r, ...named }))
        : { reply, ...named };
    },
  };
}

/**
 * The path of an unknown admin call, as the 404 names it: only when it looks like an endpoint
 * name. The layer runs before any redaction (and the mock has none), so a path that could carry
 * a key or a token is not echoed back.
 */
function shownAdminPath(rest: string, token: string | undefined): string {
  const plain = /^[a-z][a-z0-9_/-]{0,63}$/.test(rest);
  return plain && (token === undefined || !rest.includes(token)) ? rest : '(this path)';
}
