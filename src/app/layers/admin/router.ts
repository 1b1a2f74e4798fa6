import { TapedeckError } from '../../../core/errors.js';
import type { SimpleReply } from '../../../core/ports/index.js';
import type { RequestContext } from '../../pipeline/context.js';

/** What a route sees of one admin call. */
export interface AdminCall {
  readonly context: RequestContext;
  readonly query: URLSearchParams;
  /** The values of the route's `:name` segments, percent-decoded: `tenants/:name` → `{name}`. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * False only on a route that takes tenant keys (`tenantKeys`) called without the admin token
   * (or on a server that has none): the route must find the caller's tenant itself and answer
   * nothing else. Absent or true: an admin call.
   */
  readonly byAdmin?: boolean;
}

/**
 * One endpoint under /__tapedeck/. A route group (one file here: health, journal, reset, and
 * later tenants, clock, scenarios) returns its routes; each server passes the groups it serves.
 */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * The path under /__tapedeck/, without a leading slash: `health`, or with `:name` segments
   * that match one non-empty segment each: `tenants/:name/keys/:hint`.
   */
  readonly path: string;
  /** How the 404 answer lists it: `GET journal?limit=N`. */
  readonly usage: string;
  /**
   * A tenant may call it with its own key (the journal, issue 16): a call without the admin
   * token reaches the route with `byAdmin: false` instead of a 401. On a server with no admin
   * token every call to it is a tenant's.
   */
  readonly tenantKeys?: boolean;
  handle(call: AdminCall): SimpleReply | Promise<SimpleReply>;
}

/** A route found for a call, with its parameters. */
export interface AdminMatch {
  readonly route: AdminRoute;
  readonly params: Readonly<Record<string, string>>;
}

interface ParamRoute {
  readonly route: AdminRoute;
  readonly segments: readonly string[];
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Routes by `METHOD path`, refusing two routes for one endpoint (a wiring bug). Literal paths
 * are one map lookup; paths with `:name` segments are tried in the order given, after them.
 */
export class AdminRouter {
  private readonly routes = new Map<string, AdminRoute>();
  private readonly withParams: ParamRoute[] = [];
  private readonly all: AdminRoute[] = [];

  constructor(groups: readonly (readonly AdminRoute[])[]) {
    const shapes = new Set<string>();
    for (const route of groups.flat()) {
      const segments = route.path.split('/');
      // Two routes that differ only in their parameter names are one endpoint.
      const shape = `${route.method} ${segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/')}`;
      if (shapes.has(shape))
        throw new TapedeckError(
          'TD_INTERNAL',
          `Two admin routes for ${route.method} ${route.path}.`,
        );
      shapes.add(shape);
      this.all.push(route);
      if (segments.some((s) => s.startsWith(':'))) this.withParams.push({ route, segments });
      else this.routes.set(`${route.method} ${route.path}`, route);
    }
  }

  /** The route of `METHOD path` (path under /__tapedeck/, no query), with its parameters. */
  match(method: string, path: string): AdminMatch | undefined {
    const literal = this.routes.get(`${method} ${path}`);
    if (literal !== undefined) return { route: literal, params: NO_PARAMS };
    if (this.withParams.length === 0) return undefined;
    const given = path.split('/');
    for (const { route, segments } of this.withParams) {
      if (route.method !== method || segments.length !== given.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const want = segments[i]!;
        const got = given[i]!;
        if (want.startsWith(':')) {
          const value = decodeSegment(got);
          if (value === undefined) ok = false;
          else params[want.slice(1)] = value;
        } else ok = want === got;
      }
      if (ok) return { route, params };
    }
    return undefined;
  }

  find(method: string, path: string): AdminRoute | undefined {
    return this.match(method, path)?.route;
  }

  get usage(): string[] {
    return this.all.map((route) => route.usage);
  }
}

/** A non-empty segment, percent-decoded; undefined when empty or badly encoded. */
function decodeSegment(segment: string): string | undefined {
  if (segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
