// Package B's layers composed directly into a pipeline over the memory state, for unit tests
// that need no server: tenant → limits → a last layer that answers with the tenant it sees.
import { openMemoryState } from '../../src/adapters/state/memory/index.js';
import { limitsLayer, type LimitsLayer } from '../../src/app/layers/limits.js';
import { tenantLayer } from '../../src/app/layers/tenant.js';
import type { Layer } from '../../src/app/pipeline/context.js';
import { runPipeline } from '../../src/app/pipeline/run.js';
import { CRYPTO_KEYS } from '../../src/app/sandbox/keys.js';
import { cachedResolver, type CachedResolver } from '../../src/app/sandbox/resolver.js';
import { TenantAdmin } from '../../src/app/sandbox/tenants.js';
import type { SandboxConfig } from '../../src/app/config/config.js';
import { DEFAULTS } from '../../src/app/config/config.js';
import type {
  IncomingRequest,
  JournalEntry,
  RuntimeState,
  SimpleReply,
  TenantQuotas,
} from '../../src/core/ports/index.js';
import { LIVE_KEY_DETECTORS } from '../../src/core/redaction/detectors.js';
import { profileErrors } from '../../src/core/sandbox/profile/answer.js';
import { PRESETS } from '../../src/core/sandbox/profile/presets/index.js';
import type { ApiProfile } from '../../src/core/sandbox/profile/types.js';
import { ManualTime } from './manual-time.js';

export const ADMIN_TOKEN = 'admin-0123456789abcdef0123456789abcdef';

export interface LayerRig {
  readonly time: ManualTime;
  readonly state: RuntimeState;
  readonly profile: ApiProfile;
  readonly resolver: CachedResolver;
  readonly limits: LimitsLayer;
  /** The use cases over the same state; `onChange` forgets cached keys, as the server's does. */
  readonly admin: TenantAdmin;
  /** The same use cases without `onChange`: what the CLI, in another process, does. */
  readonly cli: TenantAdmin;
  readonly journal: JournalEntry[];
  /** Key lookups that reached the store (a cache hit or a refused checksum makes none). */
  readonly lookups: { count: number };
  send(
    request: Partial<IncomingRequest> & { headers?: Record<string, string> },
  ): Promise<SimpleReply>;
}

export function layerRig(
  options: {
    readonly profile?: ApiProfile;
    readonly quotas?: Partial<TenantQuotas>;
    readonly state?: RuntimeState;
    readonly time?: ManualTime;
  } = {},
): LayerRig {
  const time = options.time ?? new ManualTime(Date.UTC(2026, 0, 1, 1));
  const opened = options.state ?? openMemoryState();
  const lookups = { count: 0 };
  const state: RuntimeState = {
    ...opened,
    tenants: {
      ...opened.tenants,
      get: (id) => opened.tenants.get(id),
      getByName: (name) => opened.tenants.getByName(name),
      list: () => opened.tenants.list(),
      create: (t, k) => opened.tenants.create(t, k),
      addKey: (k) => opened.tenants.addKey(k),
      listKeys: (t) => opened.tenants.listKeys(t),
      updateKeys: (t, p) => opened.tenants.updateKeys(t, p),
      update: (t, p) => opened.tenants.update(t, p),
      delete: (id) => opened.tenants.delete(id),
      resolveKey: (hash, at) => {
        lookups.count++;
        return opened.tenants.resolveKey(hash, at);
      },
    },
    close: () => opened.close(),
  };
  const profile = options.profile ?? PRESETS.stripe;
  const quotas: TenantQuotas = { ...DEFAULTS.sandbox.quotas, ...options.quotas };
  const config: SandboxConfig = { ...DEFAULTS.sandbox, quotas };
  const errors = profileErrors(profile, undefined);
  const resolver = cachedResolver({
    tenants: state.tenants,
    clock: time,
    hashKey: (key) => CRYPTO_KEYS.hashKey(key),
    defaults: quotas,
  });
  const deps = {
    state,
    clock: time,
    profile,
    seeds: { names: ['recordings', 'empty'], dirs: {} },
    keys: CRYPTO_KEYS,
    config,
  };
  const admin = new TenantAdmin({ ...deps, onChange: (id) => resolver.forget(id) });
  const cli = new TenantAdmin(deps);
  const limits = limitsLayer({
    profile,
    errors,
    usage: state.usage,
    scheduler: time,
    defaults: quotas,
  });
  const echo: Layer = {
    name: 'miss',
    closes: true,
    handle: (context) => ({
      reply: {
        kind: 'simple',
        status: 200,
        headers: [['content-type', 'application/json']],
        body: JSON.stringify({ tenant: context.tenant?.name ?? null }),
      },
    }),
  };
  const journal: JournalEntry[] = [];
  const handler = runPipeline({
    layers: [
      tenantLayer({
        profile,
        resolver,
        adminToken: ADMIN_TOKEN,
        errors,
        liveDetectors: LIVE_KEY_DETECTORS,
      }),
      limits,
      echo,
    ],
    clock: time,
    journal: { record: (entry) => journal.push(entry) },
    stats: { answered: () => undefined },
  });
  return {
    time,
    state,
    profile,
    resolver,
    limits,
    admin,
    cli,
    journal,
    lookups,
    async send(request) {
      const path = request.path ?? '/v1/customers';
      const rawQuery = request.rawQuery ?? '';
      const reply = await handler({
        method: request.method ?? 'GET',
        target: rawQuery === '' ? path : `${path}?${rawQuery}`,
        path,
        rawQuery,
        headers: request.headers ?? {},
        rawBody: request.rawBody,
        signal: new AbortController().signal,
      });
      if (reply.kind !== 'simple') throw new Error(`expected a simple reply, got ${reply.kind}`);
      return reply;
    },
  };
}

/** The header of a reply, by lower-case name. */
export function header(reply: SimpleReply, name: string): string | undefined {
  return reply.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const basic = (key: string) => ({
  authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
});
