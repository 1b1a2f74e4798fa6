/**
 * A real `tapedeck sandbox` for integration tests: composed with `composeSandboxServer` over a
 * fresh state directory (SQLite) under a temp root, listening on 127.0.0.1 port 0, with an admin
 * token so tenants are created through the admin API as a provider would.
 *
 *   const sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
 *   const key = await sandbox.createTenant('acme');
 *   …
 *   await sandbox.stop();   // idempotent; also removes the temp root
 *
 * Usable from `beforeAll` (nothing is tied to one test: call `stop` yourself).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { composeSandboxServer, type SandboxServer } from '../../src/app/compose/sandbox.js';
import { resolveConfig, type FlagValue, type TapedeckConfig } from '../../src/app/config/config.js';
import type { RuntimeState } from '../../src/core/ports/index.js';
import { CollectingLogger } from './logger.js';
import type { ManualTime } from './manual-time.js';

export interface SandboxOptions {
  /** An OpenAPI/Swagger file (`stripeSpecFile()` for the vendored Stripe spec). */
  readonly spec?: string;
  /** A cassettes directory (its recordings seed every tenant and answer what the model leaves out). */
  readonly cassettes?: string;
  /** `standard` | `stripe` | `github`, or a profile file. */
  readonly profile: string;
  /** The clock and scheduler of the server (tenant clocks run on it); real time when absent. */
  readonly time?: ManualTime;
  /** Wraps the opened state: hold `resources.apply` on a gate, count calls, fail one. */
  readonly wrapState?: (state: RuntimeState) => RuntimeState;
  /** More config, by JSON pointer: `{ pointer: '/sandbox/quotas/resources', value: 5, flag: 'test' }`. */
  readonly flags?: readonly FlagValue[];
  /** A state directory to use (and keep) instead of a fresh one. */
  readonly stateDir?: string;
  /** Environment for the server (`TAPEDECK_REDACTION_KEY`); a fixed test key by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningSandbox {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The admin token (`Authorization: Bearer …` on /__tapedeck/…). */
  readonly adminToken: string;
  readonly server: SandboxServer;
  readonly config: TapedeckConfig;
  readonly logger: CollectingLogger;
  /** The temp root (the state directory is `state/` below it unless given). */
  readonly root: string;
  readonly stateDir: string;
  /** Creates a tenant through `POST /__tapedeck/tenants`; resolves its key (shown once). */
  createTenant(name: string, options?: { readonly seed?: string }): Promise<string>;
  /** An admin call: `admin('POST', 'tenants/acme/reset')`, JSON body optional. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** Stops the server and removes the temp root. Idempotent. */
  stop(): Promise<void>;
}

/** The redaction key of every test sandbox: pseudonyms are stable across runs. */
export const TEST_REDACTION_KEY = 'tapedeck-sandbox-test-key-0123456789';

const STRIPE_SPEC_GZ = join(
  import.meta.dirname,
  '../../bench/fixtures/stripe-openapi-2022-04.json.gz',
);

let stripeSpec: string | undefined;

/**
 * The vendored Stripe spec (2022-04), unzipped once per test process into the OS temp dir as
 * `stripe.json`. Never the network.
 */
export function stripeSpecFile(): string {
  if (stripeSpec !== undefined && existsSync(stripeSpec)) return stripeSpec;
  const dir = join(tmpdir(), `tapedeck-stripe-spec-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'stripe.json');
  if (!existsSync(file)) writeFileSync(file, gunzipSync(readFileSync(STRIPE_SPEC_GZ)));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (stripeSpec = file);
}

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const root = mkdtempSync(join(tmpdir(), 'tapedeck-sandbox-'));
  const stateDir = options.stateDir ?? join(root, 'state');
  // Hex: never the profile's key prefix (config refuses an admin token that looks like a key).
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const flags: FlagValue[] = [
    { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
    { pointer: '/server/port', value: 0, flag: '--port' },
    { pointer: '/stateDir', value: stateDir, flag: 'test' },
    {
      pointer: '/cassettes',
      value: options.cassettes ?? join(root, 'no-cassettes'),
      flag: '--cassettes',
    },
    { pointer: '/admin/token', value: adminToken, flag: 'test' },
    { pointer: '/sandbox/profile', value: options.profile, flag: '--profile' },
    ...(options.spec === undefined
      ? []
      : [{ pointer: '/sandbox/spec', value: options.spec, flag: '--spec' }]),
    ...(options.flags ?? []),
  ];
  let server: SandboxServer | undefined;
  try {
    const config = resolveConfig({ cwd: root, env: {}, flags }).config;
    const logger = new CollectingLogger();
    server = await composeSandboxServer(config, logger, {
      env: options.env ?? { TAPEDECK_REDACTION_KEY: TEST_REDACTION_KEY },
      ...(options.time === undefined ? {} : { clock: options.time, scheduler: options.time }),
      ...(options.wrapState === undefined ? {} : { wrapState: options.wrapState }),
    });
    const url = await server.listen();
    const running = server;
    let stopped: Promise<void> | undefined;
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${url}/__tapedeck/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    return {
      url,
      port: Number(new URL(url).port),
      adminToken,
      server: running,
      config,
      logger,
      root,
      stateDir,
      admin,
      async createTenant(name, createOptions = {}) {
        const response = await admin('POST', 'tenants', { name, ...createOptions });
        const text = await response.text();
        if (response.status !== 201)
          throw new Error(`createTenant(${name}): ${response.status} ${text}`);
        return (JSON.parse(text) as { key: string }).key;
      },
      stop() {
        stopped ??= (async () => {
          try {
            await running.stop();
          } finally {
            rmSync(root, { recursive: true, force: true });
          }
        })();
        return stopped;
      },
    };
  } catch (error) {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
