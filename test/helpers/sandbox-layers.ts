// Package B's layers composed directly into a pipeline over the memory state, for unit tests
// that need no server: tenant → limits → a last layer that answers with the tenant it sees.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { openMemoryState } from '../../src/adapters/state/memory/index.js';
import { openSqliteState } from '../../src/adapters/state/sqlite/index.js';
import { systemScheduler } from '../../src/adapters/system/scheduler.js';
import { systemClock } from '../../src/adapters/system/system.js';
import { nodeHost } from '../../src/app/compose/common.js';
import { resolveConfig, type FlagValue, type TapedeckConfig } from '../../src/app/config/config.js';
import { Journal } from '../../src/app/journal/journal.js';
import { adminLayer } from '../../src/app/layers/admin/index.js';
import { clockRoutes } from '../../src/app/layers/admin/clock.js';
import { tenantRoutes } from '../../src/app/layers/admin/tenants.js';
import { failWith } from '../../src/cli/common.js';
import { registerClock } from '../../src/cli/commands/clock.js';
import { registerTenants } from '../../src/cli/commands/tenants.js';
import type { CliContext } from '../../src/cli/context.js';
import { isTapedeckError } from '../../src/core/errors.js';
import { CollectingLogger } from './logger.js';
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
import type { RateLimits } from '../../src/core/sandbox/ratelimit.js';
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
    /** Rate-limit classes for the limits layer (issue 14), and its bound on buckets kept. */
    readonly rateLimits?: RateLimits;
    readonly maxBuckets?: number;
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
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    ...(options.maxBuckets === undefined ? {} : { maxBuckets: options.maxBuckets }),
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

/**
 * The tenant half of `tapedeck sandbox` on a real socket and a real SQLite state directory:
 * admin (tenant and clock routes) → tenant → limits → a last layer that answers with the
 * tenant. The same surface as test/helpers/sandbox.ts's RunningSandbox uses, without a model.
 */
export interface TenantServer {
  readonly url: string;
  readonly adminToken: string;
  readonly root: string;
  readonly stateDir: string;
  readonly config: TapedeckConfig;
  readonly logger: CollectingLogger;
  readonly admin: TenantAdmin;
  call(method: string, path: string, body?: unknown): Promise<Response>;
  createTenant(name: string): Promise<string>;
  /** Stops the server and closes the state; removes the temp root unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

export async function startTenantServer(
  options: {
    readonly profile?: string;
    readonly flags?: readonly FlagValue[];
    readonly time?: ManualTime;
  } = {},
): Promise<TenantServer> {
  const root = mkdtempSync(join(tmpdir(), 'tapedeck-tenants-'));
  const stateDir = join(root, 'state');
  const config = resolveConfig({
    cwd: root,
    env: {},
    flags: [
      { pointer: '/stateDir', value: stateDir, flag: 'test' },
      { pointer: '/admin/token', value: ADMIN_TOKEN, flag: 'test' },
      { pointer: '/sandbox/profile', value: options.profile ?? 'stripe', flag: '--profile' },
      ...(options.flags ?? []),
    ],
  }).config;
  const logger = new CollectingLogger();
  const clock = options.time ?? systemClock;
  const scheduler = options.time ?? systemScheduler;
  const profile = PRESETS[config.sandbox.profile as 'stripe'];
  const errors = profileErrors(profile, undefined);
  const state = openSqliteState(stateDir);
  const resolver = cachedResolver({
    tenants: state.tenants,
    clock,
    hashKey: (key) => CRYPTO_KEYS.hashKey(key),
    defaults: config.sandbox.quotas,
    scheduler,
  });
  const admin = new TenantAdmin({
    state,
    clock,
    profile,
    seeds: { names: ['recordings', 'empty'], dirs: {} },
    keys: CRYPTO_KEYS,
    config: config.sandbox,
    onChange: (id) => resolver.forget(id),
    logger,
  });
  const journal = new Journal(state.journal, { scheduler, onWriteError: () => undefined });
  const limits = limitsLayer({
    profile,
    errors,
    usage: state.usage,
    scheduler,
    defaults: config.sandbox.quotas,
  });
  const handler = runPipeline({
    layers: [
      adminLayer({ token: ADMIN_TOKEN, routes: [tenantRoutes(admin), clockRoutes(admin)] }),
      tenantLayer({
        profile,
        resolver,
        adminToken: ADMIN_TOKEN,
        errors,
        liveDetectors: LIVE_KEY_DETECTORS,
      }),
      limits,
      {
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
      },
    ],
    clock,
    journal,
    stats: { answered: () => undefined },
  });
  const host = nodeHost(config, logger)(handler);
  const url = await host.listen('127.0.0.1', 0);
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/__tapedeck/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let stopped: Promise<void> | undefined;
  return {
    url,
    adminToken: ADMIN_TOKEN,
    root,
    stateDir,
    config,
    logger,
    admin,
    call,
    async createTenant(name) {
      const response = await call('POST', 'tenants', { name });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`create ${name}: ${response.status} ${text}`);
      return (JSON.parse(text) as { key: string }).key;
    },
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        try {
          await host.close();
          await limits.flush();
          await resolver.close();
          await journal.close();
          await state.close();
        } finally {
          if (stopOptions.keep !== true) rmSync(root, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
}

/** `tapedeck tenants …` / `tapedeck clock …` run in this process, output captured. */
export async function tenantsCli(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const cli: CliContext = {
    io: {
      stdout: { write: (s: string) => ((stdout += s), true) },
      stderr: { write: (s: string) => ((stderr += s), true) },
      env,
    },
    cwd,
    exitCode: 0,
    stopSignal: () => new Promise(() => undefined),
  };
  const program = new Command('tapedeck')
    .option('--config <file>')
    .option('--log-level <level>')
    .option('--log-format <format>')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  registerTenants(program, cli);
  registerClock(program, cli);
  try {
    await program.parseAsync(['node', 'tapedeck', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) cli.exitCode = error.exitCode === 0 ? 0 : 2;
    else if (isTapedeckError(error)) failWith(cli, error);
    else throw error;
  }
  return { code: cli.exitCode, stdout, stderr };
}
