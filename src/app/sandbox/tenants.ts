import { TapedeckError } from '../../core/errors.js';
import type { Clock, Logger, RuntimeState, TenantQuotas } from '../../core/ports/index.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { SeedCatalog } from '../../core/sandbox/tenant.js';
import type { SandboxConfig } from '../config/config.js';
import type { KeyMaker } from './keys.js';

export type { KeyMaker } from './keys.js';
export type { SeedCatalog } from '../../core/sandbox/tenant.js';

/** A key as lists show it: never the key, only its hint. Times are ISO 8601 (real time). */
export interface KeyView {
  readonly hint: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  /** `active`; `expiring` (rotated, still valid until expiresAt); `expired`; `revoked`. */
  readonly state: 'active' | 'expiring' | 'expired' | 'revoked';
}

export interface SnapshotView {
  readonly name: string;
  readonly createdAt: string;
  readonly resources: number;
}

/** A tenant clock: the tenant's time now, and how it differs from real time. */
export interface ClockView {
  readonly now: string;
  readonly frozen: boolean;
  readonly offsetMs: number;
}

export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly seedSet: string;
  /** When it was last seeded; absent until its first request (or after a reset). */
  readonly seededAt?: string;
  readonly quotas: TenantQuotas;
  readonly usage: {
    readonly resources: number;
    readonly bytes: number;
    /** Requests counted on the tenant's day today (as flushed; the server may be ahead by 1 s). */
    readonly requestsToday: number;
  };
  readonly clock: ClockView;
  readonly keys: readonly KeyView[];
  readonly snapshots: readonly SnapshotView[];
}

export interface TenantAdminDeps {
  readonly state: RuntimeState;
  readonly clock: Clock;
  readonly profile: ApiProfile;
  readonly seeds: SeedCatalog /* names only */;
  readonly keys: KeyMaker;
  readonly config: SandboxConfig;
  /** Called after a change that a cached key lookup must not outlive (the server's resolver.forget). */
  readonly onChange?: (tenantId: string) => void;
  /** Called after a tenant clock moved forward (issue 15: due webhook retries). */
  readonly onAdvance?: (tenantId: string) => void;
  /** Where `expireIdle` says which tenants it deleted (`sandbox.tenant_expired`, name only). */
  readonly logger?: Logger;
}

export type ClockOp =
  | { readonly freeze: true }
  | { readonly advanceMs: number }
  | { readonly now: true }
  | { readonly show: true };

export type RevokeWhich = { readonly hint: string } | { readonly all: true };

/**
 * The tenant use cases, shared by `tapedeck tenants …` / `tapedeck clock …` (on the state
 * directory directly) and the admin routes `/__tapedeck/tenants…` (in the server). Unknown
 * names are TD_TENANT_NOT_FOUND.
 */
export class TenantAdmin {
  constructor(private readonly deps: TenantAdminDeps) {}

  create(
    _name: string,
    _options?: { seed?: string },
  ): Promise<{ tenant: TenantView; key: string }> {
    return notYet(this.deps);
  }
  list(): Promise<TenantView[]> {
    return notYet(this.deps);
  }
  show(_name: string): Promise<TenantView> {
    return notYet(this.deps);
  }
  rotate(
    _name: string,
    _options?: { overlapMs?: number },
  ): Promise<{ key: string; previous: KeyView[] }> {
    return notYet(this.deps);
  }
  revoke(_name: string, _which: RevokeWhich): Promise<number> {
    return notYet(this.deps);
  }
  /** Clears resources, sequences and idempotency records; reseeded on the next request. */
  reset(_name: string): Promise<void> {
    return notYet(this.deps);
  }
  snapshot(_name: string, _snapshot: string): Promise<SnapshotView> {
    return notYet(this.deps);
  }
  restore(_name: string, _snapshot: string): Promise<void> {
    return notYet(this.deps);
  }
  delete(_name: string): Promise<boolean> {
    return notYet(this.deps);
  }
  clock(_name: string, _op: ClockOp): Promise<ClockView> {
    return notYet(this.deps);
  }
  /** Deletes tenants idle longer than `sandbox.tenants.idleDays`; their names. */
  expireIdle(): Promise<string[]> {
    return notYet(this.deps);
  }
}

function notYet(_deps: TenantAdminDeps): never {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
