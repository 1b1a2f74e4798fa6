import type { Scheduler, ScheduledTask, TenantQuotas, UsageStore } from '../../core/ports/index.js';
import { msToNextDay, tenantDay } from '../../core/sandbox/clock.js';
import type { ProfileErrors } from '../../core/sandbox/profile/answer.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { Layer, LayerAnswer } from '../pipeline/context.js';

export interface LimitsLayerOptions {
  readonly profile: ApiProfile;
  readonly errors: ProfileErrors;
  readonly usage: UsageStore;
  readonly scheduler: Scheduler;
  readonly defaults: TenantQuotas;
  /** How often counted requests are written to the usage table; 1 s. */
  readonly flushEveryMs?: number;
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
 * Issue 14 adds the token bucket here.
 */
export function limitsLayer(o: LimitsLayerOptions): LimitsLayer {
  const every = o.flushEveryMs ?? 1000;
  const counters = new Map<string, Counter>();
  /** Loads in progress, so concurrent first requests of a tenant read the table once. */
  const loading = new Map<string, Promise<Counter>>();
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
      counter.n++;
      counter.pending++;
      arm();
      return undefined;
    },
  };
}
