import type { HeaderMap } from '../../core/cassette/model.js';
import type {
  Reply,
  Scheduler,
  ScheduledTask,
  TenantQuotas,
  UsageStore,
} from '../../core/ports/index.js';
import { msToNextDay, tenantDay } from '../../core/sandbox/clock.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile, RateLimitClass } from '../../core/sandbox/profile/types.js';
import {
  RATE_LIMIT_HEADER_NAMES,
  rateLimitHeaders,
  TokenBucket,
  type RateLimits,
} from '../../core/sandbox/ratelimit.js';
import type { Layer, LayerAnswer } from '../pipeline/context.js';

export interface LimitsLayerOptions {
  readonly profile: ApiProfile;
  readonly errors: ProfileErrors;
  readonly usage: UsageStore;
  readonly scheduler: Scheduler;
  readonly defaults: TenantQuotas;
  /** How often counted requests are written to the usage table; 1 s. */
  readonly flushEveryMs?: number;
  /** The token-bucket classes enforced (`sandbox.rateLimits`); none when absent. */
  readonly rateLimits?: RateLimits;
  /** Most buckets kept in memory; past it, the least recently used go. 10,000. */
  readonly maxBuckets?: number;
}

/** The limits layer, with what its owner may call at shutdown. */
export interface LimitsLayer extends Layer {
  /** Writes the requests counted since the last write. */
  flush(): Promise<void>;
}

interface Counter {
  readonly day: number;
  /** Requests of the day: stored before this process, plus counted here. */
  n: number;
  /** Counted here and not written yet. */
  pending: number;
}

/**
 * Layer 3 of `tapedeck sandbox`: requests per tenant-day (`quotas.requestsPerDay`, the tenant's
 * day on its own clock), counted in memory and written to the usage table every second; a
 * tenant's count of the day is read from the table the first time this process sees it (so a
 * restart does not reset the quota). Over the quota: the profile's `quota` answer with
 * `Retry-After` = seconds to the tenant's next midnight. Refused requests are not counted.
 *
 * Then the rate limits (issue 14): one token bucket per tenant per class, on the tenant's clock.
 * Over it: the profile's `rate-limited` answer with `Retry-After` and the profile's rate-limit
 * headers; it takes no token and is not counted against the day. A request that passes gets the
 * headers on whatever answers it (`shapeReply`). Buckets live in memory only: a restart fills
 * them, as a restart of a production limiter would. Past `maxBuckets` the least recently used
 * go: an idle bucket has mostly refilled, and a forgotten one starts full. (Which buckets are
 * full cannot be asked here: each runs on its own tenant's clock.)
 */
export function limitsLayer(o: LimitsLayerOptions): LimitsLayer {
  const every = o.flushEveryMs ?? 1000;
  const counters = new Map<string, Counter>();
  /** Loads in progress, so concurrent first requests of a tenant read the table once. */
  const loading = new Map<string, Promise<Counter>>();
  const buckets = new Map<string, TokenBucket>();
  const maxBuckets = o.maxBuckets ?? 10_000;
  const style = o.profile.rateLimitHeaders;
  let timer: ScheduledTask | undefined;
  let writing: Promise<void> = Promise.resolve();

  const write = async () => {
    for (const [tenant, counter] of counters) {
      if (counter.pending === 0) continue;
      const n = counter.pending;
      counter.pending = 0;
      try {
        await o.usage.add(tenant, counter.day, n);
      } catch (error) {
        counter.pending += n; // written with the next flush
        throw error;
      }
    }
  };
  const flush = (): Promise<void> => {
    timer?.cancel();
    timer = undefined;
    writing = writing.then(write, write);
    return writing;
  };
  const arm = () => {
    if (timer !== undefined) return;
    timer = o.scheduler.setTimeout(() => {
      timer = undefined;
      flush().catch(() => {
        // Kept pending: the next request arms another write.
      });
    }, every);
  };

  const counterOf = async (tenant: string, day: number): Promise<Counter> => {
    const known = counters.get(tenant);
    if (known !== undefined && known.day === day) return known;
    const key = `${tenant}\u0000${day}`;
    let load = loading.get(key);
    if (load === undefined) {
      load = (async () => {
        // A day that ended still has its pending requests: write them under their own day.
        if (known !== undefined && known.pending > 0) await flush();
        const counter: Counter = { day, n: await o.usage.get(tenant, day), pending: 0 };
        counters.set(tenant, counter);
        return counter;
      })().finally(() => loading.delete(key));
      loading.set(key, load);
    }
    return load;
  };

  /** The bucket of a tenant's class, moved to the young end of the map (insertion order is age). */
  const bucketOf = (tenant: string, rateClass: RateLimitClass, now: number): TokenBucket => {
    const key = `${tenant}\u0000${rateClass.name}`;
    let bucket = buckets.get(key);
    if (bucket === undefined || bucket.rateClass !== rateClass) {
      bucket = new TokenBucket(rateClass, now);
    } else {
      buckets.delete(key);
    }
    buckets.set(key, bucket);
    if (buckets.size > maxBuckets) {
      for (const old of buckets.keys()) {
        buckets.delete(old);
        if (buckets.size <= maxBuckets) break;
      }
    }
    return bucket;
  };

  return {
    name: 'limits',
    flush,
    async handle(context) {
      const tenant = context.tenant;
      if (tenant === undefined) return undefined;
      const now = tenant.now();
      const counter = await counterOf(tenant.id, tenantDay(now));
      const limit = tenant.quotas.requestsPerDay ?? o.defaults.requestsPerDay;
      if (counter.n >= limit) {
        const retryAfter = Math.max(1, Math.ceil(msToNextDay(now) / 1000));
        const answer: LayerAnswer = {
          reply: o.errors.reply(
            {
              kind: 'quota',
              values: { quota: 'requestsPerDay', limit },
              headers: [['retry-after', String(retryAfter)]],
            },
            'limits',
          ),
          remember: false,
        };
        return answer;
      }
      const rateClass = o.rateLimits?.classOf(context.incoming.method, context.incoming.path);
      if (rateClass !== undefined) {
        const take = bucketOf(tenant.id, rateClass, now).take(now);
        const headers = rateLimitHeaders(style, rateClass, take, now);
        if (!take.ok) {
          return {
            reply: o.errors.reply(
              {
                kind: 'rate-limited',
                values: { limit: rateClass.limit },
                headers: [['retry-after', String(take.retryAfterSeconds)], ...headers],
              },
              'limits',
            ),
            remember: false,
          };
        }
        if (headers.length > 0) context.shapeReply((reply) => withRateHeaders(reply, headers));
      }
      counter.n++;
      counter.pending++;
      arm();
      return undefined;
    },
  };
}

/**
 * The answer with the rate-limit headers of the request. A recorded answer's own, of any style
 * (what production said when it was recorded), are dropped: the sandbox's bucket is the one that
 * counts. An answer a layer made that already speaks of rate limits (a scenario's 429) keeps
 * its own. A fault's inner answer is shaped, so the headers go out with whatever it sends.
 */
export function withRateHeaders(
  reply: Reply,
  headers: readonly (readonly [string, string])[],
): Reply {
  switch (reply.kind) {
    case 'recorded': {
      const own: HeaderMap = {};
      for (const [name, value] of Object.entries(reply.response.headers)) {
        if (!RECORDED_RATE_HEADERS.has(name.toLowerCase())) own[name] = value;
      }
      return {
        ...reply,
        response: { ...reply.response, headers: own },
        extraHeaders: [...reply.extraHeaders, ...headers],
      };
    }
    case 'simple':
    case 'stream':
      if (reply.headers.some(([name]) => RATE_HEADER_NAMES.has(name.toLowerCase()))) return reply;
      return { ...reply, headers: [...reply.headers, ...headers] };
    case 'fault':
      return { ...reply, inner: withRateHeaders(reply.inner, headers) };
  }
}

const RATE_HEADER_NAMES: ReadonlySet<string> = new Set([
  ...RATE_LIMIT_HEADER_NAMES.ietf,
  ...RATE_LIMIT_HEADER_NAMES.github,
]);

/** What a recording may say about production's limits: every style, the draft's older trio too. */
const RECORDED_RATE_HEADERS: ReadonlySet<string> = new Set([
  ...RATE_HEADER_NAMES,
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
]);
