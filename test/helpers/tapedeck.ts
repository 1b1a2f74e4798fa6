import { join } from 'node:path';
import { composeServer } from '../../src/app/compose/compose.js';
import { resolveConfig, type FlagValue, type TapedeckConfig } from '../../src/app/config/config.js';
import type { ServerKind, TapedeckServer } from '../../src/app/replay/server.js';
import { defer } from './cleanup.js';
import { CollectingLogger } from './logger.js';

export interface TapedeckOptions {
  /** Working directory the config resolves against (a temp dir). */
  readonly cwd: string;
  readonly cassettes: string;
  readonly stateDir: string;
  /** The upstream URL, or a sentinel's for replay. */
  readonly target?: string;
  /** `/record/mode` */
  readonly mode?: 'new' | 'all';
  /** More flags, e.g. `/match/ignoreQuery`. */
  readonly flags?: readonly FlagValue[];
  /** The environment `composeServer` reads the pseudonymization key from. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningTapedeck {
  readonly server: TapedeckServer;
  readonly config: TapedeckConfig;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly logger: CollectingLogger;
  stop(): Promise<unknown>;
}

export function configFor(options: TapedeckOptions): TapedeckConfig {
  const flags: FlagValue[] = [
    { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
    { pointer: '/server/port', value: 0, flag: '--port' },
    { pointer: '/cassettes', value: options.cassettes, flag: '--cassettes' },
    { pointer: '/stateDir', value: options.stateDir, flag: 'test' },
  ];
  if (options.target !== undefined)
    flags.push({ pointer: '/upstream/target', value: options.target, flag: '--target' });
  if (options.mode !== undefined)
    flags.push({ pointer: '/record/mode', value: options.mode, flag: '--mode' });
  flags.push(...(options.flags ?? []));
  return resolveConfig({ cwd: options.cwd, env: {}, flags }).config;
}

/**
 * Builds a record proxy or replay server with `composeServer`, listens on 127.0.0.1 port 0 and
 * stops it after the test (stop is idempotent, so a test may stop it earlier).
 */
export async function startTapedeck(
  kind: ServerKind,
  options: TapedeckOptions,
): Promise<RunningTapedeck> {
  const config = configFor(options);
  const logger = new CollectingLogger();
  const server = await composeServer(kind, config, logger, options.env ?? {});
  defer(() => server.stop());
  const url = await server.listen();
  return {
    server,
    config,
    url,
    port: Number(new URL(url).port),
    logger,
    stop: () => server.stop(),
  };
}

/** The usual layout below one temp dir: `cassettes/` and `state/`. */
export function layout(root: string): { cwd: string; cassettes: string; stateDir: string } {
  return { cwd: root, cassettes: join(root, 'cassettes'), stateDir: join(root, 'state') };
}
