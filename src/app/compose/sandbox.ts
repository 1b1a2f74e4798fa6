import { TapedeckError } from '../../core/errors.js';
import type { Clock, Logger, RuntimeState } from '../../core/ports/index.js';
import type { Scheduler } from '../../core/ports/scheduler.js';
import type { TapedeckConfig } from '../config/config.js';
import type { TenantAdmin } from '../sandbox/tenants.js';
import type { SandboxServer } from '../sandbox/server.js';

export type { SandboxServer } from '../sandbox/server.js';

/** What tests (and `sandbox check`, issue 17) replace in the sandbox server. */
export interface SandboxComposeOptions {
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Wraps the opened state (tests hold `apply` on a gate). */
  readonly wrapState?: (s: RuntimeState) => RuntimeState;
}

/** `tapedeck sandbox`: spec + cassettes + profile + state dir, composed into a server. */
export function composeSandboxServer(
  config: TapedeckConfig,
  logger: Logger,
  options: SandboxComposeOptions = {},
): Promise<SandboxServer> {
  void config;
  void logger;
  void options;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}

/** The tenant use cases on the state directory (the `tenants` and `clock` commands). */
export function composeTenantAdmin(
  config: TapedeckConfig,
): Promise<{ admin: TenantAdmin; close(): Promise<void> }> {
  void config;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
