/**
 * Production-like rate limits (issue 14): one token bucket per tenant per class, which request
 * counts against which class, and the headers that tell a client where it stands. Pure: every
 * time is passed in, in ms on the tenant's clock, so a frozen clock refills only when advanced.
 */
import { TapedeckError } from '../errors.js';
import type { RateLimitClass } from './profile/types.js';

/** What one `take` tells: whether the request may go on, and what the headers say. */
export interface RateTake {
  readonly ok: boolean;
  /** Whole requests left in the bucket after this one (0 on a refusal). */
  readonly remaining: number;
  /**
   * The `t` of `RateLimit` and what `x-ratelimit-reset` counts to: on a pass, whole seconds
   * until the bucket is full again; on a refusal, `retryAfterSeconds` (so `t` and `Retry-After`
   * of a 429 agree, as the draft asks).
   */
  readonly resetSeconds: number;
  /** Whole seconds until one token is back, at least 1 when there is none; 0 when there is one. */
  readonly retryAfterSeconds: number;
}

/**
 * Tokens are counted in units of 1/windowMs of a token, so a refill of `elapsed * limit` units is
 * exact integer arithmetic for every preset; this slack absorbs the rounding of larger classes.
 */
const EPSILON = 1e-9;

/**
 * One bucket: at most `capacity` (burst ?? limit) tokens, `limit` added evenly per window, filled
 * lazily from the time it was last read. A clock that went back (a tenant clock put back on real
 * time) adds nothing; the refill then counts from the earlier time.
 */
export class TokenBucket {
  readonly capacity: number;
  private readonly windowMs: number;
  private tokens: number;
  private at: number;

  constructor(
    readonly rateClass: RateLimitClass,
    now: number,
  ) {
    this.capacity = rateClass.burst ?? rateClass.limit;
    this.windowMs = rateClass.windowSeconds * 1000;
    this.tokens = this.capacity;
    this.at = now;
  }

  /** Takes a token when there is one; a refused request takes nothing. */
  take(now: number): RateTake {
    this.refill(now);
    if (this.tokens + EPSILON >= 1) {
      this.tokens = Math.max(0, this.tokens - 1);
      return {
        ok: true,
        remaining: this.whole(),
        resetSeconds: seconds(this.msUntil(this.capacity)),
        retryAfterSeconds: this.tokens + EPSILON >= 1 ? 0 : atLeastOne(this.msUntil(1)),
      };
    }
    const retryAfter = atLeastOne(this.msUntil(1));
    return { ok: false, remaining: 0, resetSeconds: retryAfter, retryAfterSeconds: retryAfter };
  }

  /** Whether the bucket is full at `now`: forgetting it loses nothing (a new one starts full). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens + EPSILON >= this.capacity;
  }

  private refill(now: number): void {
    if (now > this.at) {
      const added = ((now - this.at) * this.rateClass.limit) / this.windowMs;
      this.tokens = Math.min(this.capacity, this.tokens + added);
    }
    // Back in time: no tokens, and the refill counts from the earlier time on.
    this.at = now;
  }

  private whole(): number {
    return Math.floor(this.tokens + EPSILON);
  }

  /** Milliseconds until the bucket holds `target` tokens (0 if it does). */
  private msUntil(target: number): number {
    const missing = target - this.tokens;
    if (missing <= EPSILON) return 0;
    return (missing * this.windowMs) / this.rateClass.limit;
  }
}

const seconds = (ms: number) => Math.ceil(ms / 1000 - EPSILON);
const atLeastOne = (ms: number) => Math.max(1, seconds(ms));

/** One segment of an operation's path template: a literal, or `{name}` (any one segment). */
type Segment = string | null;

/** An operation of a class: a method (or `*`) and the template's segments (or `*`: any path). */
interface CompiledOperation {
  readonly method: string;
  readonly segments: readonly Segment[] | '*';
}

interface CompiledClass {
  readonly rateClass: RateLimitClass;
  readonly methods: ReadonlySet<string> | undefined;
  /** undefined: any operation; else any one of them matches. */
  readonly operations: readonly CompiledOperation[] | undefined;
}

/** What the spec knows of an operation id, to turn `createCustomer` into `POST /v1/customers`. */
export interface OperationRef {
  readonly id: string;
  readonly method: string;
  readonly path: string;
}

/** The rate-limit classes of a sandbox, compiled for `classOf`: first match wins. */
export interface RateLimits {
  readonly classes: readonly RateLimitClass[];
  /** The class a request counts against, or undefined when none of them covers it. */
  classOf(method: string, path: string): RateLimitClass | undefined;
}

export interface RateLimitSource {
  /** Where the classes were declared, for errors: `sandbox.rateLimits` or `the stripe profile's rateLimits`. */
  readonly where: string;
  /** The spec's operations, for classes that name operation ids. */
  readonly operations?: readonly OperationRef[];
  /** The spec's base paths (`/v1`), tried in front of a spec path when matching. */
  readonly basePaths?: readonly string[];
}

/**
 * The classes a sandbox enforces: none for `off` (the default), the profile's for `profile`, or
 * the config's own list.
 */
export function resolveRateLimits(
  setting: 'off' | 'profile' | readonly RateLimitClass[],
  profileClasses: readonly RateLimitClass[],
): readonly RateLimitClass[] {
  if (setting === 'off') return [];
  if (setting === 'profile') return profileClasses;
  return setting;
}

/**
 * Compiles classes for matching. A class with `methods` matches those methods; with `operations`,
 * requests whose path fits one of them (`METHOD /template`, `* /template`, an operation id of the
 * spec, or `*`); with both, requests that fit both; with neither, every request. An operation id
 * the spec does not have stops the start (a class that could never match would be a silent no-op).
 */
export function compileRateLimits(
  classes: readonly RateLimitClass[],
  source: RateLimitSource,
): RateLimits {
  const ids = new Map((source.operations ?? []).map((o) => [o.id, o]));
  const basePaths = (source.basePaths ?? []).filter((b) => b !== '' && b !== '/');
  const named = new Map<string, number>();
  const compiled: CompiledClass[] = classes.map((rateClass, i) => {
    checkClass(rateClass, `${source.where}[${i}]`);
    // A bucket is a tenant's class by name: two classes of one name would share (and reset) it.
    const first = named.get(rateClass.name);
    if (first !== undefined) {
      throw new TapedeckError(
        'TD_CONFIG_INVALID',
        `${source.where}[${i}].name: "${rateClass.name}" is also the name of ${source.where}[${first}].`,
        {
          details: { field: `${source.where}[${i}].name` },
          hint: 'Give each class its own name: it is the bucket counted and the policy the headers name.',
        },
      );
    }
    named.set(rateClass.name, i);
    const operations = rateClass.operations?.flatMap((operation, j): CompiledOperation[] => {
      const at = `${source.where}[${i}].operations[${j}]`;
      if (operation.trim() === '*') return [{ method: '*', segments: '*' }];
      const spaced = /^([A-Za-z*]+)\s+(\/\S*)$/.exec(operation.trim());
      if (spaced !== null) {
        return [{ method: spaced[1]!.toUpperCase(), segments: segmentsOf(spaced[2]!) }];
      }
      const ref = ids.get(operation);
      if (ref === undefined) {
        throw new TapedeckError(
          'TD_CONFIG_INVALID',
          `${at}: "${operation}" is neither "METHOD /template" nor an operation id of the spec.`,
          {
            details: { field: at },
            hint: 'Write it as "GET /v1/customers/{customer}", or name an operationId the spec declares.',
          },
        );
      }
      const method = ref.method.toUpperCase();
      return [
        { method, segments: segmentsOf(ref.path) },
        ...basePaths.map((base) => ({ method, segments: segmentsOf(base + ref.path) })),
      ];
    });
    return {
      rateClass,
      methods:
        rateClass.methods === undefined
          ? undefined
          : new Set(rateClass.methods.map((m) => m.toUpperCase())),
      operations,
    };
  });
  return {
    classes,
    classOf(method, path) {
      if (compiled.length === 0) return undefined;
      const upper = method.toUpperCase();
      let parts: readonly string[] | undefined;
      for (const c of compiled) {
        if (c.methods !== undefined && !c.methods.has(upper)) continue;
        if (c.operations !== undefined) {
          parts ??= pathSegments(path);
          if (!c.operations.some((o) => fits(o, upper, parts!))) continue;
        }
        return c.rateClass;
      }
      return undefined;
    },
  };
}

function checkClass(c: RateLimitClass, at: string): void {
  const positive = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n > 0);
  if (!positive(c.limit) || !positive(c.windowSeconds) || !positive(c.burst)) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `${at}: limit, windowSeconds and burst are whole numbers of at least 1.`,
      {
        details: { field: at },
        hint: 'e.g. { "name": "default", "limit": 25, "windowSeconds": 1 }',
      },
    );
  }
}

function segmentsOf(template: string): Segment[] {
  return pathSegments(template).map((s) => (/^\{[^{}]+\}$/.test(s) ? null : s));
}

function pathSegments(path: string): string[] {
  const q = path.indexOf('?');
  const bare = q === -1 ? path : path.slice(0, q);
  return bare.split('/').filter((s) => s !== '');
}

function fits(o: CompiledOperation, method: string, parts: readonly string[]): boolean {
  if (o.method !== '*' && o.method !== method) return false;
  const segments = o.segments;
  if (segments === '*') return true;
  if (segments.length !== parts.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s !== null && s !== parts[i]) return false;
  }
  return true;
}

/** The header names each style sends, lower-cased (a recorded answer's own are replaced). */
export const RATE_LIMIT_HEADER_NAMES: Readonly<Record<RateLimitStyle, readonly string[]>> = {
  ietf: ['ratelimit-policy', 'ratelimit'],
  github: [
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-used',
    'x-ratelimit-reset',
    'x-ratelimit-resource',
  ],
  none: [],
};

export type RateLimitStyle = 'ietf' | 'github' | 'none';

/**
 * The headers of one answer. `ietf`: draft-ietf-httpapi-ratelimit-headers (-07 on), two
 * Structured Fields naming the policy — never the older RateLimit-Limit/-Remaining/-Reset trio.
 * `github`: GitHub's x-ratelimit-* five, the reset in UTC epoch seconds of the tenant's clock.
 */
export function rateLimitHeaders(
  style: RateLimitStyle,
  rateClass: RateLimitClass,
  take: RateTake,
  now: number,
): [string, string][] {
  switch (style) {
    case 'ietf': {
      const name = sfString(rateClass.name);
      return [
        ['ratelimit-policy', `${name};q=${rateClass.limit};w=${rateClass.windowSeconds}`],
        ['ratelimit', `${name};r=${take.remaining};t=${take.resetSeconds}`],
      ];
    }
    case 'github': {
      const reset = Math.ceil(now / 1000) + take.resetSeconds;
      return [
        ['x-ratelimit-limit', String(rateClass.limit)],
        ['x-ratelimit-remaining', String(take.remaining)],
        ['x-ratelimit-used', String(Math.max(0, rateClass.limit - take.remaining))],
        ['x-ratelimit-reset', String(reset)],
        ['x-ratelimit-resource', rateClass.name],
      ];
    }
    case 'none':
      return [];
  }
}

/** An RFC 8941 sf-string: printable ASCII, `\` and `"` escaped. */
function sfString(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return `"${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
