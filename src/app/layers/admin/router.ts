import { TapedeckError } from '../../../core/errors.js';
import type { SimpleReply } from '../../../core/ports/index.js';
import type { RequestContext } from '../../pipeline/context.js';

/** What a route sees of one admin call. */
export interface AdminCall {
  readonly context: RequestContext;
  readonly query: URLSearchParams;
}

/**
 * One endpoint under /__tapedeck/. A route group (one file here: health, journal, reset, and
 * later tenants, clock, scenarios) returns its routes; each server passes the groups it serves.
 */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path under /__tapedeck/, without a leading slash: `health`. */
  readonly path: string;
  /** How the 404 answer lists it: `GET journal?limit=N`. */
  readonly usage: string;
  handle(call: AdminCall): SimpleReply | Promise<SimpleReply>;
}

/** Routes by `METHOD path`, refusing two routes for one endpoint (a wiring bug). */
export class AdminRouter {
  private readonly routes = new Map<string, AdminRoute>();

  constructor(groups: readonly (readonly AdminRoute[])[]) {
    for (const route of groups.flat()) {
      const key = `${route.method} ${route.path}`;
      if (this.routes.has(key))
        throw new TapedeckError('TD_INTERNAL', `Two admin routes for ${key}.`);
      this.routes.set(key, route);
    }
  }

  find(method: string, path: string): AdminRoute | undefined {
    return this.routes.get(`${method} ${path}`);
  }

  get usage(): string[] {
    return [...this.routes.values()].map((route) => route.usage);
  }
}
