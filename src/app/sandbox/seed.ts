import type { NamedCassette } from '../../core/cassette/model.js';
import { TapedeckError } from '../../core/errors.js';
import type { ResourceStore } from '../../core/ports/resources.js';
import type { ResourceModel } from '../../core/sandbox/state/model.js';
import type { ResolvedTenant, SeedCatalog } from '../../core/sandbox/tenant.js';

export interface TenantSeeder {
  /** Seeds the tenant in one transaction unless it is seeded already (§6.3). */
  ensureSeeded(tenant: ResolvedTenant): Promise<void>;
}

export interface TenantSeederOptions {
  readonly model: ResourceModel;
  readonly cassettes: readonly NamedCassette[];
  readonly seeds: SeedCatalog;
  readonly resources: ResourceStore;
  /** After this process seeded a tenant: E forgets the resolver's entry and rewinds cassettes. */
  readonly onSeeded: (tenantId: string) => void;
}

export function tenantSeeder(o: TenantSeederOptions): TenantSeeder {
  void o;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
